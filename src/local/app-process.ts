// A greeter app (server or client) run as a child process of the kit, with its stdout kept as
// timestamped lines so a driver can collect what was logged since a given moment.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kitModule } from '../kit-files.ts';

/** Node's on-disk compile cache, shared by every app process: a client's start-up (mostly
 * @grpc/grpc-js-xds loading its protos) drops from about 2 s to about 1.3 s once warm. */
const COMPILE_CACHE = join(tmpdir(), 'canarykit-node-compile-cache');

export const APP_MAIN = {
  server: kitModule('apps/greeter-server/src/main.ts'),
  client: kitModule('apps/greeter-client/src/main.ts'),
} as const;

export interface LoggedLine {
  /** When the kit read the line (ms since epoch). */
  readonly at: number;
  readonly text: string;
}

const MAX_LINES = 200_000;

/** Children still running: killed when this process exits, even by an uncaught error, so a
 * crashed demo never leaves servers and clients behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class AppProcess {
  readonly name: string;
  readonly lines: LoggedLine[] = [];
  #child: ChildProcess;
  #stderr = '';
  #exit: Promise<number | null>;
  #partial = '';

  constructor(name: string, kind: keyof typeof APP_MAIN, env: Record<string, string>) {
    this.name = name;
    this.#child = spawn(process.execPath, [APP_MAIN[kind]], {
      env: { NODE_COMPILE_CACHE: COMPILE_CACHE, ...process.env, GREETER_CONFIG: '/dev/null', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.#onData(chunk));
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8192);
    });
    live.add(this.#child);
    this.#exit = new Promise((resolve) =>
      this.#child.on('exit', (code) => {
        live.delete(this.#child);
        resolve(code);
      }),
    );
  }

  /** The child's process id (for diagnostics and for tests that crash an app on purpose). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  #onData(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    const at = Date.now();
    for (const text of parts) if (text) this.lines.push({ at, text });
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
  }

  /**
   * Resolves with the first match of `re` in the output; rejects if the process exits first. The
   * default bound is a liveness limit, not a speed target: a client's start (Node, grpc-js-xds, the
   * first xDS answer) took over 15 s on a 2-core machine at load 17.
   */
  waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = () => {
        for (const line of this.lines) {
          const m = re.exec(line.text);
          if (m) return resolve(m);
        }
        if (!this.running) return reject(new Error(`${this.name} exited before logging ${re}:\n${this.tail()}`));
        if (Date.now() > deadline) return reject(new Error(`${this.name} did not log ${re} within ${timeoutMs} ms:\n${this.tail()}`));
        setTimeout(poll, 20);
      };
      poll();
    });
  }

  /** The last lines of stdout and stderr, for diagnostics. */
  tail(n = 15): string {
    const out = this.lines.slice(-n).map((l) => l.text);
    return [...out, ...(this.#stderr ? ['--- stderr ---', this.#stderr.trim()] : [])].join('\n');
  }

  /** SIGSTOP: the process keeps its connections but makes no calls until resume(). */
  pause(): void {
    if (this.running) this.#child.kill('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.#child.kill('SIGCONT');
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.resume();
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exit;
    clearTimeout(timer);
  }
}
