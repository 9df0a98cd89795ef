// The clients of a kind + Istio run, read live for the mesh dashboard: one `kubectl logs -f` per
// client identity (its pods by label, its greeter container), lines kept in arrival order. The
// dashboard turns them into bars and a timeline exactly as it does with local client processes,
// since the pods log the same lines. The verdict never comes from here: it comes from the e2e
// run's own collection (src/cluster/executor.ts), as without a dashboard.
//
// A client release upgraded by the next scenario replaces its pods, which ends a follow: it is
// opened again a second later, and a line seen before (kubectl sends a pod's lines since the given
// time again) is not counted twice.
import { spawn, type ChildProcess } from 'node:child_process';
import type { LocalDriver } from '../local/local-driver.ts';
import { CLIENT_CONTAINER, clientSelector } from './helm-values.ts';
import { sinceTimeArg } from './logs.ts';

export interface ClientLogStreamsOptions {
  /** The kubectl program (a path, or a fake in tests). */
  readonly kubectl: string;
  readonly context: string;
  readonly namespace: string;
  /** Lines kept per client (default 200,000: a scenario at 20 calls/s logs a few thousand). */
  readonly maxLines?: number;
  /** Delay before a follow that ended is opened again, ms (default 1000). */
  readonly restartMs?: number;
}

interface Stream {
  identity: string;
  since: Date;
  lines: string[];
  seen: Set<string>;
  child: ChildProcess | undefined;
  /** kubectl's last words when it ended (shown while no line has come). */
  stderr: string;
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

export class ClientLogStreams {
  readonly #opts: Required<ClientLogStreamsOptions>;
  #streams = new Map<string, Stream>();

  constructor(opts: ClientLogStreamsOptions) {
    this.#opts = { maxLines: 200_000, restartMs: 1000, ...opts };
  }

  /** The argv of one identity's follow (shown in errors, so it can be run by hand). */
  argv(identity: string, since: Date): string[] {
    const o = this.#opts;
    return [
      o.kubectl,
      '--context',
      o.context,
      'logs',
      '--follow',
      '-n',
      o.namespace,
      '-l',
      clientSelector(identity),
      '-c',
      CLIENT_CONTAINER,
      // The API's sinceTime has one-second precision (the collector's own form, src/cluster/logs.ts).
      `--since-time=${sinceTimeArg(since)}`,
      // With a selector kubectl starts from each pod's last 10 lines unless told otherwise.
      '--tail=-1',
      '--max-log-requests=20',
    ];
  }

  /** Follows these identities' lines from `since` on (a new scenario): every earlier follow ends. */
  follow(identities: readonly string[], since: Date): void {
    this.#stopAll();
    for (const identity of identities) {
      const stream: Stream = { identity, since, lines: [], seen: new Set(), child: undefined, stderr: '', timer: undefined, stopped: false };
      this.#streams.set(identity, stream);
      this.#open(stream);
    }
  }

  /** The followed clients as the dashboard reads them (lines so far; `running` while kubectl follows). */
  clients(): ReturnType<LocalDriver['activeClients']> {
    return [...this.#streams.values()].map((s) => ({
      identity: s.identity,
      httpPort: 0,
      pid: undefined,
      lines: s.lines,
      running: true,
      tail: s.stderr.trim(),
    }));
  }

  async close(): Promise<void> {
    this.#stopAll();
  }

  #open(stream: Stream): void {
    if (stream.stopped) return;
    const [file, ...args] = this.argv(stream.identity, stream.since);
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    stream.child = child;
    let partial = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.#add(stream, line);
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    let ended = false;
    const reopen = () => {
      // 'error' (kubectl cannot be run) may be followed by 'close': one reopen.
      if (ended) return;
      ended = true;
      if (partial) this.#add(stream, partial);
      partial = '';
      if (stderr.trim()) stream.stderr = `${this.argv(stream.identity, stream.since).join(' ')}: ${stderr.trim().split('\n').slice(-3).join('\n')}`;
      if (stream.child === child) stream.child = undefined;
      if (!stream.stopped) stream.timer = setTimeout(() => this.#open(stream), this.#opts.restartMs);
    };
    child.once('error', (err) => {
      stderr += `cannot run ${file}: ${err.message}`;
      reopen();
    });
    child.once('close', reopen);
  }

  #add(stream: Stream, line: string): void {
    const text = line.trimEnd();
    if (text === '' || stream.seen.has(text) || stream.lines.length >= this.#opts.maxLines) return;
    stream.seen.add(text);
    stream.lines.push(text);
  }

  #stopAll(): void {
    for (const stream of this.#streams.values()) {
      stream.stopped = true;
      clearTimeout(stream.timer);
      stream.child?.kill();
    }
    this.#streams.clear();
  }
}
