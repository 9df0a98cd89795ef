/**
 * A local xDS control plane: an ADS server (v3, state-of-the-world) on 127.0.0.1 that serves the
 * resources {@link translate} builds from Istio VirtualServices and DestinationRules to proxyless
 * @grpc/grpc-js-xds clients.
 *
 * ```ts
 * const cp = await MeshControlPlane.start({ log: console.log });
 * cp.apply({ virtualServices, destinationRules, endpoints });      // throws on unsupported config
 * process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(cp.bootstrap()); // in the client process
 * // client: register() from @grpc/grpc-js-xds, then a channel to xds:///greeter-server:20000
 * await cp.stop();
 * ```
 *
 * Protocol behaviour:
 * - one subscription set per stream and type URL, taken from every request's `resource_names`
 *   (clients widen them over time; nonces are only used to tell ACKs from NACKs in the log);
 * - a response is sent when the subscribed names or the snapshot version differ from what was
 *   last sent for that type on that stream; a NACK of the current version is logged, not retried;
 * - every response carries all subscribed resources of its type that exist (state-of-the-world;
 *   for Listener and Cluster a missing name tells the client the resource does not exist);
 * - requests for other type URLs are logged and ignored; the stream stays up.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ADS_TYPE_URLS, adsServiceDefinition, type AdsTypeUrl, TYPE_URL } from './protos.ts';
import { translate, type MeshConfig, type XdsMessage, type XdsSnapshot } from './translate.ts';

export interface ControlPlaneOptions {
  /** Listening port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Receives one line per notable event (client connected, NACK, config applied...). */
  log?: (line: string) => void;
}

/** What {@link MeshControlPlane.apply} returns. */
export interface ApplyResult {
  /** The new snapshot version, sent as `version_info`. */
  version: string;
  /** Accepted fields that proxyless gRPC does not enforce (they do not change routing). */
  warnings: string[];
}

/** Per-type state of one connected client, for tests and diagnostics. */
export interface ClientTypeStatus {
  subscribed: string[];
  /** Last version the client ACKed ('' if none). */
  ackedVersion: string;
  /** Error detail of the last NACK, if the last response was NACKed. */
  nackError?: string;
}

export interface ClientStatus {
  nodeId: string;
  types: Partial<Record<AdsTypeUrl, ClientTypeStatus>>;
}

interface DiscoveryRequest {
  version_info: string;
  node: { id?: string; cluster?: string } | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail: { code: number; message: string } | null;
}

type AdsCall = grpc.ServerDuplexStream<DiscoveryRequest, XdsMessage>;

const SHORT: Record<AdsTypeUrl, string> = {
  [TYPE_URL.listener]: 'LDS',
  [TYPE_URL.routeConfiguration]: 'RDS',
  [TYPE_URL.cluster]: 'CDS',
  [TYPE_URL.clusterLoadAssignment]: 'EDS',
};

/** Types whose responses carry every resource of the snapshot, subscribed or not. */
const SEND_ALL: ReadonlySet<AdsTypeUrl> = new Set([TYPE_URL.cluster]);

const EMPTY_SNAPSHOT: XdsSnapshot = {
  listeners: new Map(),
  routeConfigurations: new Map(),
  clusters: new Map(),
  clusterLoadAssignments: new Map(),
  warnings: [],
};

/**
 * Carries every Cluster (and its ClusterLoadAssignment) of `previous` that `next` dropped into
 * `next`, so a Cluster once served is never deleted while the control plane runs.
 *
 * Why: @grpc/grpc-js-xds 1.14.1 keeps a deleted resource's cached value (xds-client marks it
 * DOES_NOT_EXIST but does not clear the cache); when the same Cluster comes back unchanged, it is
 * dropped as "equal to the cached one" and the watchers never hear of it, so every call routed to
 * it fails with "Cluster resource ... does not exist" for the rest of the process. That is exactly
 * what happens when one scenario's DestinationRule is removed and the next scenario re-creates it.
 * A kept cluster is harmless: no route names it until a config defines it again, and then it is
 * re-translated with fresh endpoints. Upstream fix: grpc/grpc-node#3074 (not in 1.14.1).
 */
export function keepServedClusters(next: XdsSnapshot, previous: XdsSnapshot): XdsSnapshot {
  for (const [name, cluster] of previous.clusters) {
    if (next.clusters.has(name)) continue;
    next.clusters.set(name, cluster);
    const cla = previous.clusterLoadAssignments.get(name);
    if (cla && !next.clusterLoadAssignments.has(name)) next.clusterLoadAssignments.set(name, cla);
  }
  return next;
}

function resourcesOf(snapshot: XdsSnapshot, typeUrl: AdsTypeUrl): Map<string, XdsMessage> {
  switch (typeUrl) {
    case TYPE_URL.listener:
      return snapshot.listeners;
    case TYPE_URL.routeConfiguration:
      return snapshot.routeConfigurations;
    case TYPE_URL.cluster:
      return snapshot.clusters;
    case TYPE_URL.clusterLoadAssignment:
      return snapshot.clusterLoadAssignments;
  }
}

interface TypeState extends ClientTypeStatus {
  /** `version|sorted names` of the last response sent. */
  sentKey: string;
  lastNonce: string;
  /** Nonce of the last response ACKed or NACKed. */
  answeredNonce: string;
}

/** One ADS stream (one xDS client). */
class AdsStream {
  nodeId = '';
  readonly types = new Map<AdsTypeUrl, TypeState>();
  #nonce = 0;
  readonly call: AdsCall;
  readonly #plane: MeshControlPlane;
  readonly #log: (line: string) => void;

  constructor(call: AdsCall, plane: MeshControlPlane, log: (line: string) => void) {
    this.call = call;
    this.#plane = plane;
    this.#log = log;
  }

  onRequest(req: DiscoveryRequest): void {
    if (!this.nodeId && req.node?.id) {
      this.nodeId = req.node.id;
      this.#log(`xds: client connected node=${this.nodeId}`);
    }
    const typeUrl = req.type_url as AdsTypeUrl;
    if (!ADS_TYPE_URLS.includes(typeUrl)) {
      this.#log(`xds: ignored request for unknown type_url ${JSON.stringify(req.type_url)} from node=${this.nodeId}`);
      return;
    }
    const state = this.types.get(typeUrl) ?? { subscribed: [], ackedVersion: '', sentKey: '', lastNonce: '', answeredNonce: '' };
    this.types.set(typeUrl, state);
    if (req.response_nonce) {
      if (req.response_nonce === state.lastNonce) state.answeredNonce = req.response_nonce;
      if (req.error_detail) {
        state.nackError = req.error_detail.message;
        this.#log(
          `xds: NACK ${SHORT[typeUrl]} node=${this.nodeId} nonce=${req.response_nonce} kept version=${req.version_info || '(none)'}: ${req.error_detail.message}`,
        );
      } else if (req.response_nonce === state.lastNonce) {
        state.ackedVersion = req.version_info;
        delete state.nackError;
      }
    }
    state.subscribed = [...new Set(req.resource_names)].sort();
    this.push(typeUrl);
  }

  /** Sends the current snapshot's resources of this type if they differ from the last response. */
  push(typeUrl: AdsTypeUrl): void {
    const state = this.types.get(typeUrl);
    if (!state) return;
    if (state.subscribed.length === 0) {
      state.sentKey = ''; // unsubscribed: a later re-subscription must be answered again
      return;
    }
    const version = this.#plane.version;
    const key = `${version}|${state.subscribed.join(',')}`;
    if (key === state.sentKey) return;
    const all = resourcesOf(this.#plane.snapshot, typeUrl);
    // Cluster responses carry every cluster of the snapshot, not only the subscribed
    // ones (clients ignore the rest, as they do with istiod's CDS). A client whose subscriptions
    // flap (one paused then resumed, working through a backlog of pushes) may otherwise read an
    // older response that lacks a cluster it has just subscribed to again as a deletion, and
    // grpc-js-xds 1.14.1 never recovers from that: see keepServedClusters.
    const names = state.subscribed.includes('*') || SEND_ALL.has(typeUrl) ? [...all.keys()] : state.subscribed;
    const resources = names.flatMap((n) => {
      const r = all.get(n);
      return r ? [{ '@type': typeUrl, ...r }] : [];
    });
    const nonce = String(++this.#nonce);
    state.sentKey = key;
    state.lastNonce = nonce;
    this.call.write({ version_info: version, type_url: typeUrl, nonce, resources });
  }

  /** 'synced' if every subscribed type has ACKed `version` in answer to the last response. */
  syncState(version: string): 'synced' | 'pending' | { nack: string } {
    let result: 'synced' | 'pending' = 'synced';
    for (const [t, s] of this.types) {
      if (s.subscribed.length === 0) continue;
      if (s.answeredNonce !== s.lastNonce) result = 'pending';
      else if (s.nackError !== undefined) return { nack: `${SHORT[t]}: ${s.nackError}` };
      else if (s.ackedVersion !== version) result = 'pending';
    }
    return result;
  }

  status(): ClientStatus {
    const types: ClientStatus['types'] = {};
    for (const [t, s] of this.types) {
      types[t] = { subscribed: [...s.subscribed], ackedVersion: s.ackedVersion, ...(s.nackError ? { nackError: s.nackError } : {}) };
    }
    return { nodeId: this.nodeId, types };
  }
}

export class MeshControlPlane {
  /** `127.0.0.1:<port>`, the `server_uri` of the bootstrap. */
  readonly address: string;
  #server: grpc.Server;
  #snapshot: XdsSnapshot = EMPTY_SNAPSHOT;
  #version = 0;
  #streams = new Set<AdsStream>();
  #log: (line: string) => void;

  private constructor(server: grpc.Server, address: string, log: (line: string) => void) {
    this.#server = server;
    this.address = address;
    this.#log = log;
  }

  /** Starts the ADS server on 127.0.0.1 with an empty snapshot (no services until {@link apply}). */
  static async start(opts: ControlPlaneOptions = {}): Promise<MeshControlPlane> {
    const log = opts.log ?? (() => {});
    const server = new grpc.Server();
    let plane: MeshControlPlane | undefined;
    server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: AdsCall) => plane!.#onStream(call),
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    plane = new MeshControlPlane(server, `127.0.0.1:${port}`, log);
    log(`xds: control plane listening on ${plane.address}`);
    return plane;
  }

  /** The version of the current snapshot ('0' before the first apply). */
  get version(): string {
    return String(this.#version);
  }

  /** The snapshot being served. */
  get snapshot(): XdsSnapshot {
    return this.#snapshot;
  }

  /**
   * Translates `config` (a loaded scenario's objects), then pushes it to every connected client.
   * @throws UnsupportedFeatureError when the routing model says the local mesh cannot do part of
   * it (or another error), and keeps serving the last good snapshot.
   */
  apply(config: MeshConfig): ApplyResult {
    const snapshot = keepServedClusters(translate(config), this.#snapshot);
    this.#snapshot = snapshot;
    this.#version += 1;
    for (const w of snapshot.warnings) this.#log(`xds: warning: ${w}`);
    this.#log(
      `xds: applied version ${this.version}: ${snapshot.listeners.size} listeners, ${snapshot.routeConfigurations.size} route configs, ${snapshot.clusters.size} clusters`,
    );
    for (const stream of this.#streams) {
      for (const typeUrl of ADS_TYPE_URLS) {
        try {
          stream.push(typeUrl);
        } catch (e) {
          this.#log(`xds: push to node=${stream.nodeId} failed: ${(e as Error).message}`);
        }
      }
    }
    return { version: this.version, warnings: [...snapshot.warnings] };
  }

  /**
   * The xDS bootstrap for clients of this control plane: pass it as JSON in
   * `GRPC_XDS_BOOTSTRAP_CONFIG` (read once per process, before `register()` resolves a target).
   */
  bootstrap(nodeId = `canarykit-${randomUUID()}`): object {
    return {
      xds_servers: [{ server_uri: this.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: nodeId, cluster: 'canarykit', locality: {} },
    };
  }

  /** The connected clients, their subscriptions and ACKed versions. */
  clients(): ClientStatus[] {
    return [...this.#streams].map((s) => s.status());
  }

  /**
   * Resolves once at least `minClients` clients (of `nodeIds`, when given: a paused client never
   * ACKs) are connected and every one has ACKed the current
   * version for every type it subscribes to (stable over two polls, so subscriptions the new
   * config causes are included). The mesh equivalent of waiting for istiod to push a config.
   * @throws if a client NACKs the current version, or after `timeoutMs` (default 10 s).
   */
  async waitForSync(opts: { minClients?: number; timeoutMs?: number; nodeIds?: readonly string[] } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    let stable = 0;
    for (;;) {
      const version = this.version;
      const streams = [...this.#streams].filter((s) => !opts.nodeIds || opts.nodeIds.includes(s.nodeId));
      const states = streams.map((s) => ({ node: s.nodeId, state: s.syncState(version) }));
      const nack = states.find((s) => typeof s.state === 'object');
      if (nack && typeof nack.state === 'object') {
        throw new Error(`xds: node ${nack.node} rejected version ${version}: ${nack.state.nack}`);
      }
      const synced = states.length >= (opts.minClients ?? 0) && states.every((s) => s.state === 'synced');
      stable = synced ? stable + 1 : 0;
      if (stable >= 2) return;
      if (Date.now() > deadline) {
        throw new Error(`xds: clients not in sync with version ${version} after ${opts.timeoutMs ?? 10_000} ms: ${JSON.stringify(this.clients())}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Closes every client stream and the server. */
  async stop(): Promise<void> {
    for (const s of this.#streams) s.call.end();
    this.#streams.clear();
    this.#server.forceShutdown();
  }

  #onStream(call: AdsCall): void {
    const stream = new AdsStream(call, this, this.#log);
    this.#streams.add(stream);
    call.on('data', (req: DiscoveryRequest) => {
      try {
        stream.onRequest(req);
      } catch (e) {
        this.#log(`xds: error handling a request from node=${stream.nodeId}: ${(e as Error).message}`);
      }
    });
    const close = (why: string): void => {
      if (this.#streams.delete(stream)) this.#log(`xds: client disconnected node=${stream.nodeId} (${why})`);
    };
    call.on('end', () => {
      close('end');
      call.end();
    });
    call.on('error', (e: Error) => close(e.message));
    call.on('cancelled', () => close('cancelled'));
  }
}
