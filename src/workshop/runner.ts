// Runs the workshop's steps as an attendee would type them: each `run` block in bash from the
// repository root, each `start`ed command as a long-running process of its own (a terminal),
// `type` at a process's stdin (play's prompt), `stop` as Ctrl-C. After each step, its checks wait
// (up to the step's wait) for their text in the output: the step's own, and every process's
// output written since the step began (the attendee has all the terminals in view).
//
// A part stops at its first failed step; the steps after it did not run, and the run fails.
// Processes still running at the end of a part are stopped (Ctrl-C, then SIGTERM, then SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { Expectation, Part, Step, Workshop } from './parse.ts';

export type StepStatus = 'passed' | 'failed' | 'not-run';

export interface StepResult {
  part: string;
  step: Step;
  status: StepStatus;
  ms: number;
  /** Why it failed: a sentence, then the output that was looked at. */
  failure?: string;
  checks: number;
}

export interface RunResult {
  passed: boolean;
  steps: StepResult[];
  /** Parts run, by id. */
  parts: string[];
  /** Parts left out of a run of every part because they need what it does not set up (a cluster). */
  leftOut: Array<{ id: string; needs: string }>;
  manual: number;
}

export interface RunOptions {
  cwd: string;
  /** Part ids to run (default: every part). */
  parts?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** One line per step and per part. */
  log?: (line: string) => void;
  /** Every output line of every command, prefixed with its name. */
  echo?: (line: string) => void;
  /** Scales every wait and timeout (tests use < 1). */
  timeScale?: number;
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** Every process still running, so that an interrupted run (Ctrl-C on make workshop) ends them too:
 * each runs in its own process group, which the terminal's Ctrl-C does not reach. */
const live = new Set<Proc>();

/** Ends every process the runner started that is still running (for SIGINT/SIGTERM of the runner). */
export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(graceMs)));
}

/** A command running in its own process group, its output (stdout and stderr, in order) kept. */
class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  output = '';
  exitCode: number | null = null;
  /** Something was typed at its stdin (a `quit` may be on its way). */
  typed = false;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(name: string, command: string, opts: RunOptions) {
    this.name = name;
    this.child = spawn('bash', ['-e', '-o', 'pipefail', '-c', command], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let partial = '';
    const onData = (d: Buffer) => {
      const text = d.toString('utf8').replace(ANSI, '');
      this.output += text;
      if (opts.echo) {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const l of lines) opts.echo(`  ${name} | ${l}`);
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.child.stdin!.on('error', () => {});
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        live.delete(this);
        resolve();
      });
      this.child.on('error', (err) => {
        this.output += `\n(${err.message})\n`;
        this.exitCode = 127;
        live.delete(this);
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === null && this.signal === null;
  }

  signalGroup(sig: NodeJS.Signals): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // Already gone.
    }
  }

  /** Ctrl-C, then SIGTERM, then SIGKILL, `graceMs` apart; resolves when it has exited. */
  async stop(graceMs: number): Promise<boolean> {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      if (!this.running) return true;
      this.signalGroup(sig);
      if (await within(this.exited, graceMs)) return sig === 'SIGINT';
    }
    return !this.running;
  }

  describeExit(): string {
    return this.signal ? `killed by ${this.signal}` : `exit code ${this.exitCode}`;
  }
}

export async function runWorkshop(workshop: Workshop, opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const named = opts.parts && opts.parts.length > 0;
  // Every part by default, except those that need a cluster: they run when named.
  const selected = named ? opts.parts! : workshop.parts.filter((p) => !p.needs).map((p) => p.id);
  const leftOut = named ? [] : workshop.parts.filter((p) => p.needs).map((p) => ({ id: p.id, needs: p.needs! }));
  for (const id of selected) {
    if (!workshop.parts.some((p) => p.id === id)) {
      throw new Error(`${workshop.file} has no part ${id}; its parts: ${workshop.parts.map((p) => p.id).join(', ')}`);
    }
  }
  const results: StepResult[] = [];
  let manual = 0;
  const parts = workshop.parts.filter((p) => selected.includes(p.id));
  for (const part of parts) {
    manual += part.manual.length;
    results.push(...(await runPart(part, workshop.file, opts, log)));
  }
  const passed = results.every((r) => r.status === 'passed');
  return { passed, steps: results, parts: parts.map((p) => p.id), leftOut, manual };
}

async function runPart(part: Part, file: string, opts: RunOptions, log: (line: string) => void): Promise<StepResult[]> {
  const scale = opts.timeScale ?? 1;
  log(`== part ${part.id}. ${part.title} (${file}:${part.line}): ${part.steps.length} step(s)`);
  const procs = new Map<string, Proc>();
  const results: StepResult[] = [];
  let failed = false;
  try {
    for (const step of part.steps) {
      if (failed) {
        results.push({ part: part.id, step, status: 'not-run', ms: 0, checks: step.expectations.length });
        continue;
      }
      const t0 = performance.now();
      let failure: string | undefined;
      try {
        failure = await runStep(step, procs, opts, scale);
      } catch (err) {
        failure = (err as Error).message;
      }
      const ms = performance.now() - t0;
      const result: StepResult = {
        part: part.id,
        step,
        status: failure ? 'failed' : 'passed',
        ms,
        checks: step.expectations.length,
        ...(failure ? { failure } : {}),
      };
      results.push(result);
      log(
        `  ${failure ? 'FAIL' : 'ok  '} line ${step.line} ${describe(step)} (${(ms / 1000).toFixed(1)} s${step.expectations.length ? `, ${step.expectations.length} check(s)` : ''})`,
      );
      if (failure) {
        log(indent(failure, '       '));
        failed = true;
      }
    }
  } finally {
    // What is still running (servers, play) ends with the part, as when the attendee closes the terminals.
    await Promise.all([...procs.values()].map((p) => p.stop(5_000 * scale)));
  }
  const notRun = results.filter((r) => r.status === 'not-run');
  if (notRun.length) log(`  not run after the failure: ${notRun.map((r) => `line ${r.step.line}`).join(', ')}`);
  return results;
}

/** Runs one step; returns why it failed, or undefined. */
async function runStep(step: Step, procs: Map<string, Proc>, opts: RunOptions, scale: number): Promise<string | undefined> {
  // Where each process's output stood when the step began: checks read what came after.
  const marks = new Map([...procs].map(([name, p]) => [name, p.output.length]));
  const sinceStep = (own?: Proc) => {
    const texts = [...procs].map(([name, p]) => p.output.slice(marks.get(name) ?? 0));
    if (own && !procs.has(own.name)) texts.unshift(own.output);
    return texts.join('\n');
  };
  const anyRunning = () => [...procs.values()].some((p) => p.running);

  switch (step.kind) {
    case 'run': {
      const proc = new Proc('run', step.command, opts);
      const timeoutMs = step.timeoutS * 1000 * scale;
      const finished = await within(proc.exited, timeoutMs);
      if (!finished) {
        await proc.stop(2_000);
        return `did not finish within ${step.timeoutS} s (timeout=S on the marker to allow more)\n${tail(proc.output)}`;
      }
      if (proc.exitCode !== step.exit) {
        return `exited with ${proc.describeExit()}, expected ${step.exit}${step.exit === 0 ? '' : ' (the marker says exit=' + step.exit + ')'}\n${tail(proc.output)}`;
      }
      return checkAll(step.expectations, () => sinceStep(proc), anyRunning, step.waitS * 1000 * scale);
    }
    case 'start': {
      for (const { name } of step.processes) {
        if (procs.get(name)?.running) return `"${name}" is already running (started at an earlier step): stop it first (<!-- workshop: stop ${name} -->)`;
      }
      for (const port of step.ports) {
        if (!(await waitPortFree(port, 20_000 * scale))) {
          return `port ${port} is in use, and stayed in use for 20 s: stop whatever listens there (another canarykit play, a greeter app) and run again`;
        }
      }
      for (const { name, command } of step.processes) {
        const proc = new Proc(name, command, opts);
        procs.set(name, proc);
        marks.set(name, 0);
      }
      return checkAll(step.expectations, () => sinceStep(), anyRunning, step.waitS * 1000 * scale);
    }
    case 'type': {
      const proc = procs.get(step.name);
      if (!proc) return `nothing named "${step.name}" was started in this part: start it first (<!-- workshop: start ${step.name} -->)`;
      if (!proc.running) return `"${step.name}" has already exited (${proc.describeExit()}), so nothing can be typed at it\n${tail(proc.output)}`;
      proc.typed = true;
      proc.child.stdin!.write(step.lines.map((l) => `${l}\n`).join(''));
      return checkAll(step.expectations, () => sinceStep(), anyRunning, step.waitS * 1000 * scale);
    }
    case 'stop': {
      for (const name of step.names) {
        const proc = procs.get(name);
        if (!proc) return `nothing named "${name}" was started in this part, so it cannot be stopped`;
        // A process that was typed at (`quit` at play's prompt) gets time to exit by itself before its Ctrl-C.
        if (proc.typed) await within(proc.exited, step.timeoutS * 1000 * scale);
        if (proc.running && !(await proc.stop(step.timeoutS * 1000 * scale))) return `"${name}" did not stop on Ctrl-C within ${step.timeoutS} s`;
        if (step.exit !== undefined && proc.exitCode !== step.exit)
          return `"${name}" ended with ${proc.describeExit()}, expected exit code ${step.exit}\n${tail(proc.output)}`;
      }
      return checkAll(step.expectations, () => sinceStep(), anyRunning, step.waitS * 1000 * scale);
    }
  }
}

/** Waits until every expectation matches `text()`, while output can still change, at most `waitMs`. */
async function checkAll(expectations: readonly Expectation[], text: () => string, canChange: () => boolean, waitMs: number): Promise<string | undefined> {
  if (expectations.length === 0) return undefined;
  const deadline = performance.now() + waitMs;
  for (;;) {
    const seen = text();
    const missing = expectations.filter((e) => !e.pattern.test(seen));
    if (missing.length === 0) return undefined;
    if (!canChange() || performance.now() >= deadline) {
      const lines = missing.map(
        (e) => `line ${e.line}: expected to see ${JSON.stringify(e.text)}${String(e.pattern) === `/${e.text}/` ? '' : ` (pattern ${e.pattern})`}`,
      );
      return `${lines.join('\n')}\nnot in the output${canChange() ? ` after ${(waitMs / 1000).toFixed(0)} s (wait=S on the marker to allow more)` : ''}:\n${tail(seen)}`;
    }
    await sleep(200);
  }
}

export function describe(step: Step): string {
  switch (step.kind) {
    case 'run':
      return `run: ${firstLine(step.command)}`;
    case 'start':
      return `start ${step.processes.map((p) => p.name).join(', ')}: ${firstLine(step.processes[0]!.command)}`;
    case 'type':
      return `type at ${step.name}: ${step.lines.join(' / ')}`;
    case 'stop':
      return `stop ${step.names.join(', ')}`;
  }
}

function firstLine(command: string): string {
  const lines = command.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} (+${lines.length - 1} lines)` : lines[0]!;
}

function tail(text: string, n = 30): string {
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(-n).map((l) => `  | ${l}`);
  return (lines.length > n ? [`  | (${lines.length - n} earlier lines)`, ...shown] : shown).join('\n') || '  | (no output)';
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** True if `promise` settles within `ms`; the timer is cleared either way (a pending one would keep the process alive). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True once nothing accepts connections on 127.0.0.1:port. */
async function waitPortFree(port: number, waitMs: number): Promise<boolean> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const inUse = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!inUse) return true;
    if (performance.now() >= deadline) return false;
    await sleep(500);
  }
}
