// The local driver: the scenario's server versions as processes on 127.0.0.1, the kit's xDS
// control plane, and one proxyless gRPC client process per identity (`xds:///greeter-server:20000`).
// Applying a scenario pushes its VirtualServices and DestinationRules to the clients over ADS; the
// clients (not a proxy) do the routing, exactly as grpc-js-xds does against istiod.
import { IstiodControlPlane } from '../istiod/istiod-plane.ts';
import { MeshControlPlane } from '../mesh/control-plane.ts';
import type { MeshEndpoint } from '../mesh/translate.ts';
import { serverId } from '../scenarios/expect.ts';
import type { Scenario } from '../scenarios/load.ts';
import { SERVICE_HOST, SERVICE_PORT } from '../scenarios/model.ts';
import { callWindow } from '../verify/window.ts';
import { skipReasonForModes, type AppliedScenario, type CollectedLogs, type Driver, type DriverClient, type DriverServer } from '../driver/driver.ts';
import { AppProcess } from './app-process.ts';

export interface LocalDriverOptions {
  /** Calls per second of each client whose scenario does not set one; default 0, as fast as it
   * can (a client then makes about 1,300 calls/s here), so a verdict needs about a second of
   * traffic. A cluster's clients go slower, for people reading their logs. */
  clientRate?: number;
  /** Calls each client must have logged since the window start before collect() returns. */
  callsNeeded?: (scenario: Scenario, identity: string) => number;
  /** Upper bound on the wait for callsNeeded. */
  collectTimeoutMs?: number;
  /** Control-plane log lines (NACKs, pushes). */
  log?: (line: string) => void;
  /** First HTTP port for the clients' /, /healthz and /metrics (each pooled client takes the
   * next one); 0, the default, starts no HTTP server. */
  clientHttpPort?: number;
  /** Who serves the clients' xDS: canarykit's own control plane (src/mesh, the default) or a real
   * istiod started on loopback with a local kube-apiserver (src/istiod). */
  controlPlane?: ControlPlaneName;
}

export type ControlPlaneName = 'canarykit' | 'istiod';
export const CONTROL_PLANES: readonly ControlPlaneName[] = ['canarykit', 'istiod'];

interface ServerSpec {
  version: string;
  id: string;
  failRate: number;
  delayMs: number;
}

interface ServerEntry {
  spec: ServerSpec;
  proc: AppProcess;
  /** The listening port, known once `started` resolves. */
  port: number;
  started: Promise<ServerEntry>;
}

interface ClientEntry {
  identity: string;
  nodeId: string;
  proc: AppProcess;
  /** Its HTTP port (live page, metrics), 0 when it has none. */
  httpPort: number;
}

/**
 * Processes are pooled across scenarios: every distinct server behaviour (version, id, fail rate,
 * delay) and client setting (identity headers, concurrency, deadline, rate) is started once.
 * A scenario routes only to its own servers (the others are simply not endpoints) and runs only
 * its own clients (the others are paused with SIGSTOP), so switching scenarios costs a config
 * push, not process start-ups.
 */
export class LocalDriver implements Driver {
  readonly name = 'local' as const;
  #plane: MeshControlPlane | IstiodControlPlane | undefined;
  #servers = new Map<string, ServerEntry>();
  #activeServers: ServerEntry[] = [];
  #clients = new Map<string, ClientEntry>();
  /** Start-up of each pooled client, so concurrent callers share one process per key. */
  #clientStarts = new Map<string, Promise<ClientEntry>>();
  /** The HTTP port of each client key, kept across restarts (a restarted client gets its old port,
   * freed by its exit, so its live-page URL stays the same; a new key gets a port no key holds). */
  #clientPorts = new Map<string, number>();
  /** Client processes started so far, restarts included: every process gets its own xDS node id. */
  #clientProcesses = 0;
  #activeClients = new Map<string, ClientEntry>();
  #opts: Required<Omit<LocalDriverOptions, 'log'>> & { log: (line: string) => void };

  constructor(opts: LocalDriverOptions = {}) {
    this.#opts = {
      clientRate: opts.clientRate ?? 0,
      callsNeeded: opts.callsNeeded ?? (() => 100),
      collectTimeoutMs: opts.collectTimeoutMs ?? 30_000,
      log: opts.log ?? (() => {}),
      controlPlane: opts.controlPlane ?? 'canarykit',
      clientHttpPort: opts.clientHttpPort ?? 0,
    };
  }

  skipReason(scenario: Scenario): string | undefined {
    return skipReasonForModes('local', scenario);
  }

  get plane(): MeshControlPlane | IstiodControlPlane {
    if (!this.#plane) throw new Error('the local driver is not up: call up() first');
    return this.#plane;
  }

  async up(): Promise<void> {
    this.#plane ??=
      this.#opts.controlPlane === 'istiod' ? await IstiodControlPlane.start({ log: this.#opts.log }) : await MeshControlPlane.start({ log: this.#opts.log });
  }

  /**
   * Starts, all at once, every server and client the given scenarios will need, then pauses the
   * clients. Optional: apply() starts what is missing anyway, but one start-up after another
   * leaves a core idle, while starting them together uses both.
   */
  async prepare(scenarios: readonly Scenario[]): Promise<void> {
    await Promise.all(scenarios.map((s) => this.#ensureServers(s)));
    // With istiod each scenario gets fresh clients (see #freshClients): nothing to start ahead.
    if (!this.#freshClients) await Promise.all(scenarios.flatMap((s) => s.clients.map((c) => this.#client(c, s))));
    for (const entry of this.#clients.values()) entry.proc.pause();
    this.#activeClients.clear();
  }

  /** Starts what the loaded scenario needs (reusing what runs), then pushes its routing config. A
   * scenario the local mesh cannot run (its `limitations.local`) or a config the mesh cannot
   * express throws before the mesh changes: the last good config stays. */
  async apply(s: Scenario): Promise<AppliedScenario> {
    const plane = this.plane;
    const cannot = s.limitations.local;
    if (cannot.length > 0) {
      throw new Error(`scenario ${s.name} uses ${cannot.map((l) => `${l.feature} (${l.why})`).join('; ')}: run it on the kind driver`);
    }
    const routing = { virtualServices: s.resources.virtualServices, destinationRules: s.resources.destinationRules };
    this.#activeServers = await this.#ensureServers(s);
    await plane.apply({ ...routing, endpoints: this.#endpoints() });
    await this.#ensureClients(s);
    return { appliedAt: new Date() };
  }

  /** Every active client has ACKed the config just pushed (the scenario's own clients are the active ones). */
  async waitForRouting(_scenario?: Scenario, _applied?: AppliedScenario): Promise<void> {
    const nodeIds = [...this.#activeClients.values()].map((c) => c.nodeId);
    // istiod debounces, then pushes; its debug endpoints are polled: give it longer than src/mesh.
    await this.plane.waitForSync({ minClients: nodeIds.length, nodeIds, timeoutMs: this.#plane instanceof IstiodControlPlane ? 30_000 : 10_000 });
  }

  /** Each client's calls issued at or after `since` (a call in flight across the switch was routed
   * by the old config) as a complete range (src/verify/window.ts), waiting until each client has
   * the calls a verdict needs. */
  async collect(s: Scenario, since: Date): Promise<CollectedLogs> {
    const from = since.getTime();
    const deadline = Date.now() + this.#opts.collectTimeoutMs;
    const calls = (identity: string) =>
      callWindow(
        (this.#activeClients.get(identity)?.proc.lines ?? []).map((l) => l.text),
        from,
      ).lines;
    for (;;) {
      const short = s.clients.filter((c) => calls(c.identity).length < this.#opts.callsNeeded(s, c.identity));
      if (short.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const clients: Record<string, string[]> = {};
    for (const c of s.clients) clients[c.identity] = calls(c.identity);
    const servers: Record<string, string[]> = {};
    for (const { spec, proc } of this.#activeServers) {
      (servers[spec.version] ??= []).push(...proc.lines.filter((l) => l.at >= from).map((l) => l.text));
    }
    return { since, until: new Date(), clients, servers };
  }

  async diagnose(scenario: Scenario): Promise<string> {
    const parts: string[] = [`scenario ${scenario.name} on the local mesh`];
    if (this.#plane instanceof IstiodControlPlane) {
      parts.push(await this.#plane.describe([...this.#activeClients.values()].map((c) => c.nodeId)));
    } else if (this.#plane) {
      parts.push(`control plane ${this.#plane.address}, config version ${this.#plane.version}`);
      parts.push(`clusters: ${[...this.#plane.snapshot.clusters.keys()].join(', ') || 'none'}`);
      parts.push(`xDS clients: ${JSON.stringify(this.#plane.clients(), null, 1)}`);
    }
    for (const { spec, proc, port } of this.#activeServers) {
      parts.push(`--- server ${spec.version} (${spec.id}) on port ${port} (${proc.running ? 'running' : 'exited'}) ---\n${proc.tail(5)}`);
    }
    for (const [identity, { proc }] of this.#activeClients) {
      parts.push(`--- client ${identity} (${proc.running ? 'running' : 'exited'}) ---\n${proc.tail(8)}`);
    }
    return parts.join('\n');
  }

  /** Back to no routing rules (round robin over the scenario's endpoints); forget collected lines. */
  async cleanup(_scenario?: Scenario): Promise<void> {
    if (!this.#plane) return;
    await this.#plane.apply({ virtualServices: [], destinationRules: [], endpoints: this.#endpoints() });
    for (const { proc } of this.#servers.values()) proc.lines.length = 0;
    for (const { proc } of this.#clients.values()) proc.lines.length = 0;
  }

  async down(): Promise<void> {
    await Promise.all([...this.#clients.values(), ...this.#servers.values()].map(({ proc }) => proc.stop()));
    this.#clients.clear();
    this.#clientStarts.clear();
    this.#clientPorts.clear();
    this.#activeClients.clear();
    this.#servers.clear();
    this.#activeServers = [];
    await this.#plane?.stop();
    this.#plane = undefined;
  }

  /** The clients of the last applied scenario, with their HTTP ports; `running` is false for one
   * that has exited since (its `tail` says why; the next apply restarts it). */
  activeClients(): Array<{ identity: string; httpPort: number; pid: number | undefined; lines: readonly string[]; running: boolean; tail: string }> {
    return [...this.#activeClients.values()].map(({ identity, httpPort, proc }) => ({
      identity,
      httpPort,
      pid: proc.pid,
      lines: proc.lines.map((l) => l.text),
      running: proc.running,
      tail: proc.running ? '' : proc.tail(8),
    }));
  }

  /** Forget the log lines collected so far without touching the routing (cleanup() also goes back
   * to no rules): `canarykit promote` calls it at each step, so a look parses only that step's lines. */
  forgetCollectedLines(): void {
    for (const { proc } of [...this.#servers.values(), ...this.#clients.values()]) proc.lines.length = 0;
  }

  /** Running server processes of a version label, pooled ones included (`canarykit promote` checks v2 has some). */
  runningServers(version: string): number {
    return [...this.#servers.values()].filter((e) => e.spec.version === version && e.proc.running).length;
  }

  #endpoints(): MeshEndpoint[] {
    return this.#activeServers.map(({ spec, port }) => endpoint(spec.version, port));
  }

  /** The scenario's server processes (replicas included), starting those not yet in the pool. */
  #ensureServers(s: Scenario): Promise<ServerEntry[]> {
    const wanted = s.servers.flatMap((srv) => Array.from({ length: srv.replicas ?? 1 }, (_, replica) => ({ spec: specOf(srv), replica })));
    return Promise.all(wanted.map(({ spec, replica }) => this.#server(spec, replica)));
  }

  /** The pooled server process for this behaviour and replica, started if needed. */
  #server(spec: ServerSpec, replica: number): Promise<ServerEntry> {
    const key = JSON.stringify([spec, replica]);
    const pooled = this.#servers.get(key);
    if (pooled?.proc.running) return pooled.started;
    const proc = new AppProcess(`server ${spec.version}#${replica}`, 'server', {
      GREETER_HOST: '127.0.0.1',
      GREETER_PORT: '0',
      GREETER_VERSION: spec.id,
      GREETER_FAIL_RATE: String(spec.failRate),
      GREETER_DELAY_MS: String(spec.delayMs),
      GREETER_SHUTDOWN_DRAIN_MS: '0',
      GREETER_SHUTDOWN_TIMEOUT_MS: '2000',
    });
    const entry = { spec, proc, port: 0 } as ServerEntry;
    entry.started = proc.waitFor(/listening address:"[^"]*:(\d+)"/).then((m) => {
      entry.port = Number(m[1]);
      return entry;
    });
    this.#servers.set(key, entry);
    return entry.started;
  }

  /** One running client per identity of the scenario; every other pooled client is paused. */
  async #ensureClients(s: Scenario): Promise<void> {
    const next = new Map<string, ClientEntry>();
    await Promise.all(
      s.clients.map(async (c) => {
        const entry = await this.#client(c, s);
        entry.proc.resume();
        next.set(c.identity, entry);
      }),
    );
    const running = new Set(next.values());
    for (const [key, entry] of this.#clients) {
      if (running.has(entry)) continue;
      if (!this.#freshClients) {
        entry.proc.pause();
        continue;
      }
      this.#clients.delete(key);
      this.#clientStarts.delete(key);
      void entry.proc.stop();
    }
    this.#activeClients = next;
  }

  /** The pooled client process for these settings, started (and its start awaited) if needed. */
  #client(c: DriverClient, s: Scenario): Promise<ClientEntry> {
    const key = this.#freshClients ? JSON.stringify([s.name, this.#clientKey(c)]) : this.#clientKey(c);
    const pooled = this.#clientStarts.get(key);
    if (pooled && this.#clients.get(key)?.proc.running) return pooled;
    const nodeId = `canarykit-client-${c.identity}-${++this.#clientProcesses}`;
    let httpPort = this.#clientPorts.get(key);
    if (httpPort === undefined) {
      httpPort = this.#opts.clientHttpPort > 0 ? this.#opts.clientHttpPort + this.#clientPorts.size : 0;
      this.#clientPorts.set(key, httpPort);
    }
    const proc = new AppProcess(`client ${c.identity}`, 'client', {
      GREETER_TARGET: `xds:///${SERVICE_HOST}:${SERVICE_PORT}`,
      GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(this.plane.bootstrap(nodeId)),
      GREETER_RATE: String(c.rate ?? this.#opts.clientRate),
      GREETER_CONCURRENCY: String(c.concurrency ?? 1),
      GREETER_DEADLINE_MS: String(c.deadlineMs ?? 5000),
      GREETER_METADATA: Object.entries(c.headers ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      GREETER_HTTP_PORT: String(httpPort),
      // The local mesh is for this machine only: live pages on loopback, like every other port.
      GREETER_HTTP_HOST: '127.0.0.1',
    });
    const entry: ClientEntry = { identity: c.identity, nodeId, proc, httpPort };
    this.#clients.set(key, entry);
    const started = proc.waitFor(/greeter client started/).then(() => entry);
    this.#clientStarts.set(key, started);
    return started;
  }

  /**
   * Against istiod, clients are not pooled across scenarios: @grpc/grpc-js-xds 1.14.1 never takes
   * back a Cluster that was deleted and then sent again unchanged (grpc/grpc-node#3074; every call
   * then fails with "Cluster resource outbound|20000|v1|… does not exist"), and istiod, unlike
   * src/mesh, deletes a subset's Cluster when its DestinationRule goes. Found by running the demo
   * against istiod; docs/mesh.md, "fidelity".
   */
  get #freshClients(): boolean {
    return this.#opts.controlPlane === 'istiod';
  }

  #clientKey(c: DriverClient): string {
    return JSON.stringify([c.identity, c.headers ?? {}, c.concurrency ?? 1, c.deadlineMs ?? 5000, c.rate ?? this.#opts.clientRate]);
  }
}

function endpoint(version: string, endpointPort: number): MeshEndpoint {
  return { host: SERVICE_HOST, port: SERVICE_PORT, address: '127.0.0.1', endpointPort, labels: { app: SERVICE_HOST, version } };
}

function specOf(srv: DriverServer): ServerSpec {
  return { version: srv.version, id: serverId(srv), failRate: srv.failRate ?? 0, delayMs: srv.delayMs ?? 0 };
}
