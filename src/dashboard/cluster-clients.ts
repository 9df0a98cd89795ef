// The clients of a kind + Istio run, read the way the dashboard reads local ones: each client pod
// serves its counters on its HTTP port (/stats: responses by version id, failures by gRPC code),
// which `kubectl port-forward` brings to 127.0.0.1. The split since a scenario took effect is the
// difference between a reading then (mark) and now.
//
// A scenario switch on the cluster upgrades the client releases, so pods are replaced: a forward
// whose pod went away exits and is opened again on the next read, and a counter lower than its
// mark (a new pod starts from 0) counts from 0.
//
// Not yet wired into `play` or `make e2e` (issue 13, item 2): the piece that reads the cluster.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ClientCounters {
  /** Responses by the `id` the server answered (v1.0.0, v2.0.0). */
  versions: Record<string, number>;
  /** Failed calls by gRPC status name. */
  errors: Record<string, number>;
}

export interface ClusterClientSplit {
  identity: string;
  /** Calls counted since mark(). */
  total: number;
  counts: ClientCounters;
  /** Why this client could not be read (its forward failed); its counts are then empty. */
  error?: string;
}

export interface ClusterClientsOptions {
  /** The kubectl command as an argv prefix (default ['kubectl']; tests pass a fake). */
  kubectl?: readonly string[];
  context: string;
  namespace: string;
  /** Each client identity and its Deployment (src/cluster/helm-values.ts clientDeployment). */
  clients: ReadonlyArray<{ identity: string; deployment: string }>;
  /** The client's HTTP port in the pod (charts/greeter: 8080). */
  remotePort?: number;
  /** How long a forward may take to say where it listens. */
  startTimeoutMs?: number;
}

interface Forward {
  child: ChildProcess;
  port: Promise<number>;
  exited: boolean;
  stderr: string;
}

const FORWARDING = /Forwarding from 127\.0\.0\.1:(\d+) ->/;

export class ClusterClients {
  readonly #opts: Required<ClusterClientsOptions>;
  #forwards = new Map<string, Forward>();
  #marks = new Map<string, ClientCounters>();

  constructor(opts: ClusterClientsOptions) {
    this.#opts = { kubectl: ['kubectl'], remotePort: 8080, startTimeoutMs: 20_000, ...opts };
  }

  /** The argv of one client's forward (also shown in errors, so it can be run by hand). */
  argv(deployment: string): string[] {
    const o = this.#opts;
    return [...o.kubectl, '--context', o.context, 'port-forward', '-n', o.namespace, `deployment/${deployment}`, `:${o.remotePort}`, '--address', '127.0.0.1'];
  }

  /** Each client's counters now; a client whose forward fails gets an error naming the command and kubectl's words. */
  async read(): Promise<Map<string, ClientCounters | { error: string }>> {
    const entries = await Promise.all(
      this.#opts.clients.map(async ({ identity, deployment }): Promise<[string, ClientCounters | { error: string }]> => {
        try {
          const port = await this.#forward(deployment).port;
          const res = await fetch(`http://127.0.0.1:${port}/stats`, { signal: AbortSignal.timeout(5_000) });
          if (!res.ok) throw new Error(`GET /stats answered ${res.status}`);
          const body = (await res.json()) as Partial<ClientCounters>;
          return [identity, { versions: body.versions ?? {}, errors: body.errors ?? {} }];
        } catch (err) {
          // The next read opens the forward again (the pod may have been replaced).
          this.#drop(deployment);
          return [identity, { error: `client ${identity}: ${(err as Error).message}` }];
        }
      }),
    );
    return new Map(entries);
  }

  /** Remembers the counters now: since() counts from here (call it when a scenario takes effect). */
  async mark(): Promise<void> {
    this.#marks.clear();
    for (const [identity, counters] of await this.read()) {
      if (!('error' in counters)) this.#marks.set(identity, counters);
    }
  }

  /** Each client's calls since mark(). */
  async since(): Promise<ClusterClientSplit[]> {
    const now = await this.read();
    return this.#opts.clients.map(({ identity }) => {
      const reading = now.get(identity)!;
      if ('error' in reading) return { identity, total: 0, counts: { versions: {}, errors: {} }, error: reading.error };
      const mark = this.#marks.get(identity) ?? { versions: {}, errors: {} };
      const versions = difference(reading.versions, mark.versions);
      const errors = difference(reading.errors, mark.errors);
      const total = [...Object.values(versions), ...Object.values(errors)].reduce((a, b) => a + b, 0);
      return { identity, total, counts: { versions, errors } };
    });
  }

  async close(): Promise<void> {
    for (const deployment of [...this.#forwards.keys()]) this.#drop(deployment);
  }

  #forward(deployment: string): Forward {
    const existing = this.#forwards.get(deployment);
    if (existing && !existing.exited) return existing;
    const argv = this.argv(deployment);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const forward: Forward = { child, exited: false, stderr: '', port: Promise.resolve(0) };
    forward.port = new Promise<number>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        child.kill();
        reject(
          new Error(`${argv.join(' ')} said nowhere it listens within ${this.#opts.startTimeoutMs} ms${forward.stderr ? `: ${forward.stderr.trim()}` : ''}`),
        );
      }, this.#opts.startTimeoutMs);
      child.stdout!.on('data', (d) => {
        stdout += d;
        const m = FORWARDING.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.stderr!.on('data', (d) => (forward.stderr += d));
      child.on('error', (err) => {
        clearTimeout(timer);
        forward.exited = true;
        reject(new Error(`cannot run ${argv[0]} (${err.message}): install kubectl (make cluster-tools) or put it on PATH`));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        forward.exited = true;
        reject(new Error(`${argv.join(' ')} exited (${code}): ${forward.stderr.trim() || 'no message'}`));
      });
    });
    // A rejection nobody awaits yet (the forward ended between reads) is not an unhandled error.
    forward.port.catch(() => {});
    this.#forwards.set(deployment, forward);
    return forward;
  }

  #drop(deployment: string): void {
    const forward = this.#forwards.get(deployment);
    this.#forwards.delete(deployment);
    if (forward && !forward.exited) forward.child.kill();
  }
}

/** now - mark per key; a key lower than its mark started again from 0 (a new pod). */
function difference(now: Record<string, number>, mark: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(now)) {
    const base = mark[key] ?? 0;
    const d = n >= base ? n - base : n;
    if (d > 0) out[key] = d;
  }
  return out;
}
