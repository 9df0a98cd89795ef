// The real istiod as the local mesh's control plane (`canarykit demo --control-plane istiod`):
// etcd and kube-apiserver as local processes on loopback, Istio's CRDs applied with kubectl, and an
// unpatched istiod (pilot-discovery) reading them through a kubeconfig, exactly as in a cluster. The
// local greeter servers become endpoints through a ServiceEntry and one WorkloadEntry per process;
// the scenario's own VirtualServices and DestinationRules are applied with `kubectl apply`, as a
// user would. The same proxyless clients take their xDS from istiod instead of src/mesh. The
// programs are the ones `make offline-images` builds (scripts/offline/build-binaries.sh), so the
// istiod here is the one the kind cluster runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { REPO_ROOT, parseEnvFile } from '../cluster/env-file.ts';
import { expectedRouting, nacksInIstiodLog, routeConfigsOfIstiodDump, routingMismatch, type RouteSignature } from '../cluster/envoy-routes.ts';
import { freePort } from '../free-port.ts';
import { meshRoutingModel, type MeshConfig, type MeshEndpoint } from '../mesh/translate.ts';

/** The namespace the scenario YAML is applied to and the clients live in. */
export const NAMESPACE = 'default';
const TOKEN = 'canarykit-local-admin';
/** kubectl's resource names for the kinds applied here. */
const PLURAL: Record<string, string> = {
  VirtualService: 'virtualservices',
  DestinationRule: 'destinationrules',
  ServiceEntry: 'serviceentries',
  WorkloadEntry: 'workloadentries',
};

/** How many times start() tries when a port it chose was taken before its program bound it. */
export const PORT_ATTEMPTS = 3;

/** True when a start failed because a program could not bind its port (etcd, kube-apiserver, istiod all say it so). */
export function isPortTaken(error: unknown): boolean {
  return error instanceof IstiodPlaneError && /bind: address already in use/.test(error.message);
}

export class IstiodPlaneError extends Error {
  constructor(message: string, fix: string) {
    super(`${message}\n  fix: ${fix}`);
    this.name = 'IstiodPlaneError';
  }
}

/** Where the programs are: .tools/offline/<component>-<version>/ at the pins of versions.env. */
export function istiodPrograms(root = REPO_ROOT): Record<'etcd' | 'kubeApiserver' | 'kubectl' | 'pilotDiscovery' | 'crds', string> {
  const pins = parseEnvFile(readFileSync(join(root, 'scripts/tools/versions.env'), 'utf8'));
  const out = join(root, '.tools/offline');
  const programs = {
    etcd: join(out, `etcd-${pins.OFFLINE_ETCD_VERSION}`, 'etcd'),
    kubeApiserver: join(out, `kubernetes-${pins.OFFLINE_KUBERNETES_VERSION}`, 'kube-apiserver'),
    kubectl: join(out, `kubernetes-${pins.OFFLINE_KUBERNETES_VERSION}`, 'kubectl'),
    pilotDiscovery: join(out, `istio-${pins.OFFLINE_ISTIO_MODULE_VERSION}`, 'pilot-discovery'),
    // Istio's CRDs, from the module copy the build made (read at run time, never copied into the repo).
    crds: join(out, 'src', `istio-${pins.OFFLINE_ISTIO_MODULE_VERSION}`, 'manifests/charts/base/files/crd-all.gen.yaml'),
  };
  const missing = Object.entries(programs)
    .filter(([, file]) => !existsSync(file))
    .map(([, file]) => file.replace(`${root}/`, ''));
  if (missing.length > 0) {
    throw new IstiodPlaneError(
      `the istiod control plane needs programs that are not built: ${missing.join(', ')}`,
      'scripts/offline/build-binaries.sh kubernetes etcd istio   (or make offline-images; most of an hour cold on 2 cores, seconds when built before)',
    );
  }
  return programs;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, onTimeout: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A probe that cannot answer yet (connection refused) is "not yet"; one that found its process
    // gone (an IstiodPlaneError, with the process's log) ends the wait at once.
    const value = await probe().catch((error: unknown) => {
      if (error instanceof IstiodPlaneError) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} after ${timeoutMs / 1000} s: ${onTimeout()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Ports {
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  /** istiod's HTTP (ready, debug) and gRPC (plaintext xDS) addresses, and its monitoring port. */
  http: number;
  grpc: number;
  monitoring: number;
}

/** One proxy in istiod's /debug/syncz: per xDS type, the version sent and the one acknowledged. */
interface SyncStatus {
  readonly proxy: string;
  readonly resources?: Record<string, { sent?: string; acked?: string; sentTime?: string }>;
}

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
}

export interface IstiodPlaneOptions {
  readonly log?: (line: string) => void;
  readonly root?: string;
  /** Chooses each program's port (default: one free now); tests pass one that returns a taken port. */
  readonly choosePort?: () => Promise<number>;
}

/** Time istiod took from its start to ready (make bench reports it). */
export interface IstiodTimings {
  readonly apiserverMs: number;
  readonly istiodMs: number;
}

export class IstiodControlPlane {
  readonly #dir: string;
  readonly #programs: ReturnType<typeof istiodPrograms>;
  readonly #processes: Started[] = [];
  readonly #log: (line: string) => void;
  #ports: Ports = { etcd: 0, etcdPeer: 0, apiserver: 0, http: 0, grpc: 0, monitoring: 0 };
  #applied = new Set<string>();
  #appliedAt = 0;
  #expected: RouteSignature[] = [];
  #endpointPorts: number[] = [];
  #version = 0;
  timings: IstiodTimings = { apiserverMs: 0, istiodMs: 0 };

  readonly #choosePort: () => Promise<number>;

  private constructor(programs: ReturnType<typeof istiodPrograms>, log: (line: string) => void, choosePort: () => Promise<number>) {
    this.#programs = programs;
    this.#log = log;
    this.#choosePort = choosePort;
    this.#dir = mkdtempSync(join(tmpdir(), 'canarykit-istiod-'));
  }

  /**
   * Starts etcd, kube-apiserver and istiod on loopback; stops whatever started if any step fails.
   * Their ports are chosen free just before they bind them (the programs must be told their ports
   * up front), so another process may take one in between: a start that fails for a port in use
   * starts again on new ports, up to PORT_ATTEMPTS times, and says so.
   */
  static async start(options: IstiodPlaneOptions = {}): Promise<IstiodControlPlane> {
    const programs = istiodPrograms(options.root);
    const log = options.log ?? (() => {});
    for (let attempt = 1; ; attempt++) {
      const plane = new IstiodControlPlane(programs, log, options.choosePort ?? freePort);
      try {
        await plane.#start();
        return plane;
      } catch (error) {
        await plane.stop();
        if (attempt >= PORT_ATTEMPTS || !isPortTaken(error)) throw error;
        log(`istiod plane: a port was taken between choosing and binding it (attempt ${attempt} of ${PORT_ATTEMPTS}); starting again on new ports`);
      }
    }
  }

  get address(): string {
    return `127.0.0.1:${this.#ports.grpc}`;
  }

  get version(): string {
    return String(this.#version);
  }

  #spawn(name: string, file: string, args: string[], env: Record<string, string> = {}): Started {
    const log = join(this.#dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(file, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    // If this process ends without stop() (an uncaught error, process.exit), its children go too:
    // an etcd or istiod left running would hold its ports and its temporary folder.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const started = { name, child, log };
    this.#processes.push(started);
    return started;
  }

  #tail(started: Started, lines = 15): string {
    try {
      return readFileSync(started.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  #exited(started: Started): string | undefined {
    return started.child.exitCode !== null || started.child.signalCode !== null
      ? `${started.name} exited (${started.child.exitCode ?? started.child.signalCode}):\n${this.#tail(started)}`
      : undefined;
  }

  async #start(): Promise<void> {
    for (const key of Object.keys(this.#ports) as (keyof Ports)[]) this.#ports[key] = await this.#choosePort();
    const p = this.#ports;
    const t0 = Date.now();
    mkdirSync(join(this.#dir, 'certs'));
    // A service-account key pair: kube-apiserver refuses to start without one.
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    writeFileSync(join(this.#dir, 'sa.pub'), publicKey);
    writeFileSync(join(this.#dir, 'sa.key'), privateKey);
    writeFileSync(join(this.#dir, 'tokens.csv'), `${TOKEN},admin,admin,system:masters\n`);
    writeFileSync(
      join(this.#dir, 'kubeconfig'),
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'local',
        clusters: [{ name: 'local', cluster: { server: `https://127.0.0.1:${p.apiserver}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'admin', user: { token: TOKEN } }],
        contexts: [{ name: 'local', context: { cluster: 'local', user: 'admin' } }],
      }),
    );

    const etcd = this.#spawn('etcd', this.#programs.etcd, [
      '--data-dir',
      join(this.#dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${p.etcd}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${p.etcd}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${p.etcdPeer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${p.etcdPeer}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${p.etcdPeer}`,
    ]);
    const apiserver = this.#spawn('kube-apiserver', this.#programs.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${p.etcd}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${p.apiserver}`,
      '--advertise-address=127.0.0.1',
      `--cert-dir=${join(this.#dir, 'certs')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(this.#dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(this.#dir, 'sa.key')}`,
      `--token-auth-file=${join(this.#dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.96.0.0/12',
    ]);
    await until(
      'kube-apiserver did not become ready',
      60_000,
      async () => {
        const down = this.#exited(etcd) ?? this.#exited(apiserver);
        if (down) throw new IstiodPlaneError(down, 'a port may be taken by another process (the log says which); retry, or stop it');
        return (await this.#kubectl(['get', '--raw', '/readyz'], { reject: false })).exitCode === 0 ? true : undefined;
      },
      () => this.#tail(apiserver),
    ).catch((error: Error) => {
      if (error instanceof IstiodPlaneError) throw error;
      throw new IstiodPlaneError(error.message, 'see the kube-apiserver log above');
    });
    this.timings = { ...this.timings, apiserverMs: Date.now() - t0 };
    this.#log(`istiod plane: etcd and kube-apiserver ready on 127.0.0.1:${p.apiserver} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await this.#kubectl(['apply', '--server-side', '-f', this.#programs.crds]);
    await this.#kubectl(['create', 'namespace', 'istio-system']);

    const t1 = Date.now();
    const istiod = this.#spawn(
      'istiod',
      this.#programs.pilotDiscovery,
      [
        'discovery',
        '--kubeconfig',
        join(this.#dir, 'kubeconfig'),
        '--httpAddr',
        `127.0.0.1:${p.http}`,
        '--grpcAddr',
        `127.0.0.1:${p.grpc}`,
        '--secureGRPCAddr',
        '',
        '--httpsAddr',
        '',
        '--monitoringAddr',
        `127.0.0.1:${p.monitoring}`,
      ],
      { POD_NAMESPACE: 'istio-system', REVISION: 'default' },
    );
    await until(
      'istiod did not become ready',
      60_000,
      async () => {
        const down = this.#exited(istiod);
        if (down) throw new IstiodPlaneError(down, 'istiod refused to start: its log above says why');
        return (await fetch(`http://127.0.0.1:${p.http}/ready`)).ok ? true : undefined;
      },
      () => this.#tail(istiod),
    );
    this.timings = { ...this.timings, istiodMs: Date.now() - t1 };
    this.#log(`istiod plane: istiod ready in ${((Date.now() - t1) / 1000).toFixed(1)} s (xDS on ${this.address})`);
  }

  async #kubectl(args: string[], options: { input?: string; reject?: boolean } = {}) {
    const result = await execa(this.#programs.kubectl, ['--kubeconfig', join(this.#dir, 'kubeconfig'), ...args], { input: options.input, reject: false });
    if (result.exitCode !== 0 && options.reject !== false) {
      throw new IstiodPlaneError(
        `kubectl ${args.join(' ')} failed: ${String(result.stderr).trim()}`,
        'istiod validates what is applied like a cluster does: the message above is its own',
      );
    }
    return result;
  }

  /** A proxyless client's bootstrap: istiod on loopback, grpc generator, namespace `default`. */
  bootstrap(nodeId: string): object {
    return {
      xds_servers: [{ server_uri: this.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: {
        id: `sidecar~127.0.0.1~${nodeId}.${NAMESPACE}~${NAMESPACE}.svc.cluster.local`,
        metadata: { GENERATOR: 'grpc', NAMESPACE, CLUSTER_ID: 'Kubernetes' },
        locality: {},
      },
    };
  }

  /**
   * The scenario's VirtualServices and DestinationRules as they are, plus a ServiceEntry and one
   * WorkloadEntry per server process, applied with kubectl; then objects of the previous scenario
   * that are no longer wanted are deleted. istiod's own validation refuses what it would refuse in a
   * cluster, with its message.
   */
  async apply(config: MeshConfig): Promise<void> {
    const host = config.endpoints[0]?.host ?? 'greeter-server';
    const port = config.endpoints[0]?.port ?? 20000;
    const fqdn = `${host}.${NAMESPACE}.svc.cluster.local`;
    const docs: Record<string, unknown>[] = [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: host, namespace: NAMESPACE },
        spec: {
          hosts: [fqdn],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          ports: [{ number: port, name: 'grpc', protocol: 'GRPC' }],
          workloadSelector: { labels: { app: host } },
        },
      },
      ...config.endpoints.map((e: MeshEndpoint) => ({
        apiVersion: 'networking.istio.io/v1',
        kind: 'WorkloadEntry',
        metadata: { name: `${host}-${e.endpointPort}`, namespace: NAMESPACE },
        spec: { address: e.address, ports: { grpc: e.endpointPort }, labels: e.labels },
      })),
      ...[...config.virtualServices, ...config.destinationRules].map((o) => ({
        ...(o as unknown as Record<string, unknown>),
        metadata: { ...o.metadata, namespace: NAMESPACE },
      })),
    ];
    const keyOf = (d: Record<string, unknown>): string =>
      `${PLURAL[String(d.kind)] ?? `${String(d.kind).toLowerCase()}s`}.networking.istio.io/${(d.metadata as { name: string }).name}`;
    this.#appliedAt = Date.now();
    // YAML 1.1, as kubectl reads it: a header value `off` stays a quoted string.
    const input = docs.map((d) => stringify(d, { version: '1.1' })).join('---\n');
    // Validated by the API server first, all of it: a refused object then changes nothing at all
    // (a plain apply would have applied the objects before it).
    await this.#kubectl(['apply', '--dry-run=server', '-f', '-'], { input });
    this.#appliedAt = Date.now();
    await this.#kubectl(['apply', '-f', '-'], { input });
    const wanted = new Set(docs.map(keyOf));
    const stale = [...this.#applied].filter((k) => !wanted.has(k));
    if (stale.length > 0) await this.#kubectl(['delete', '-n', NAMESPACE, '--ignore-not-found', ...stale]);
    this.#applied = wanted;
    this.#version++;
    this.#expected = expectedRouting(meshRoutingModel(config), { namespace: NAMESPACE, serverPort: port }).mesh;
    this.#endpointPorts = config.endpoints.map((e) => e.endpointPort).sort((a, b) => a - b);
  }

  async #debug(path: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.#ports.http}${path}`);
    return response.text();
  }

  /** Every connected proxy's sent and acknowledged xDS versions, from istiod's /debug/syncz. */
  async #syncz(): Promise<SyncStatus[]> {
    return JSON.parse(await this.#debug('/debug/syncz')) as SyncStatus[];
  }

  /** What is still missing for one client: istiod's routes and endpoints for it, and its ACK. */
  async #waitingFor(nodeId: string, syncz: SyncStatus[]): Promise<string | undefined> {
    const proxy = `${nodeId}.${NAMESPACE}`;
    const routes = await this.#debug(`/debug/config_dump?proxyID=${proxy}&types=rds`);
    if (!routes.trimStart().startsWith('{')) return `${proxy}: ${routes.trim()}`;
    const mismatch = routingMismatch(routeConfigsOfIstiodDump(routes), `greeter-server.${NAMESPACE}.svc.cluster.local`, this.#expected);
    if (mismatch) return `${proxy}: ${mismatch}`;
    const eds = JSON.parse(await this.#debug(`/debug/config_dump?proxyID=${proxy}&types=eds`)) as {
      configs?: Array<{
        clusterName?: string;
        endpoints?: Array<{ lbEndpoints?: Array<{ endpoint?: { address?: { socketAddress?: { portValue?: number } } } }> }>;
      }>;
    };
    const all = (eds.configs ?? []).find((c) => c.clusterName?.startsWith('outbound|') && c.clusterName.split('|')[2] === '');
    const ports = (all?.endpoints ?? [])
      .flatMap((l) => l.lbEndpoints ?? [])
      .map((e) => e.endpoint?.address?.socketAddress?.portValue ?? 0)
      .sort((a, b) => a - b);
    if (all && JSON.stringify(ports) !== JSON.stringify(this.#endpointPorts))
      return `${proxy}: endpoints ${ports.join(', ')}, want ${this.#endpointPorts.join(', ')}`;
    const sync = syncz.find((s) => s.proxy === proxy);
    if (!sync) return `${proxy}: not connected to istiod yet`;
    const types = Object.entries(sync.resources ?? {});
    const unacked = types.filter(([, r]) => r.sent !== r.acked).map(([t]) => t.split('.').pop());
    if (unacked.length > 0) return `${proxy}: ${unacked.join(', ')} sent, not yet acknowledged`;
    // A config change reaches the client as a push after istiod's debounce (100 ms): until a push
    // newer than the apply is acknowledged, what was acknowledged may be the old config. A change
    // that does not concern this client pushes nothing: give up waiting for one after 3 s.
    const pushedSince = types.some(([, r]) => r.sentTime !== undefined && Date.parse(r.sentTime) >= this.#appliedAt);
    if (!pushedSince && Date.now() - this.#appliedAt < 3_000) return `${proxy}: no push since the apply yet`;
    return undefined;
  }

  /** Every given client has acknowledged the routes and endpoints istiod now sends it for the last apply. */
  async waitForSync(opts: { nodeIds?: readonly string[]; timeoutMs?: number } = {}): Promise<void> {
    const nodeIds = opts.nodeIds ?? [];
    let waiting: string[] = [];
    await until(
      'routing not in effect',
      opts.timeoutMs ?? 30_000,
      async () => {
        const syncz = await this.#syncz();
        waiting = (await Promise.all(nodeIds.map((id) => this.#waitingFor(id, syncz)))).filter((w): w is string => w !== undefined);
        return waiting.length === 0 ? true : undefined;
      },
      () => waiting.join('\n'),
    );
  }

  /** For a failed scenario: what istiod sends each client, and NACKs it logged. */
  async describe(nodeIds: readonly string[]): Promise<string> {
    const parts = [`istiod on ${this.address} (log: ${join(this.#dir, 'istiod.log')}), config version ${this.#version}`];
    const syncz = await this.#syncz().catch(() => []);
    for (const id of nodeIds) parts.push(`${id}: ${(await this.#waitingFor(id, syncz).catch((e: Error) => e.message)) ?? 'in sync'}`);
    const istiod = this.#processes.find((p) => p.name === 'istiod');
    const nacks = istiod ? nacksInIstiodLog(readFileSync(istiod.log, 'utf8')).slice(-5) : [];
    parts.push(nacks.length ? `NACKs istiod logged:\n${nacks.join('\n')}` : "no NACK in istiod's log");
    return parts.join('\n');
  }

  /** The process ids of etcd, kube-apiserver and istiod (tests check none is left behind). */
  pids(): number[] {
    return this.#processes.map((p) => p.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Stops istiod, kube-apiserver and etcd (SIGTERM, then SIGKILL after 5 s) and removes the data. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.#processes].reverse().map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.#processes.length = 0;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
