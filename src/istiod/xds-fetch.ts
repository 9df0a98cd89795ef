/**
 * What a control plane sends one proxyless gRPC client, fetched the way the client fetches it: an
 * ADS stream (xDS v3, state of the world) that subscribes to the Listener of the target, then to
 * the RouteConfiguration it names, the Clusters its routes name and the ClusterLoadAssignments of
 * those Clusters, ACKing every response. `canarykit mesh diff` runs it against src/mesh and against
 * istiod with each one's bootstrap node, so both answer the same client.
 *
 * Nested `google.protobuf.Any` values are unpacked (`{'@type': name, ...fields}`) when their type
 * is among the protos loaded here (those grpc-js-xds ships); others stay `{type_url, value}`.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ENVOY_PROTO_DIRS, TYPE_URL } from '../mesh/protos.ts';

/** The resources one client received, by type, each by its resource name. */
export interface FetchedResources {
  listeners: Record<string, unknown>;
  routeConfigurations: Record<string, unknown>;
  clusters: Record<string, unknown>;
  clusterLoadAssignments: Record<string, unknown>;
}

const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  'xds/type/v3/typed_struct.proto',
  'udpa/type/v1/typed_struct.proto',
];

type AdsClient = grpc.Client & { StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> };
interface DiscoveryRequest {
  node: object;
  type_url: string;
  resource_names: string[];
  version_info?: string;
  response_nonce?: string;
}
interface DiscoveryResponse {
  type_url: string;
  version_info: string;
  nonce: string;
  resources: Array<Record<string, unknown>>;
}

let adsConstructor: (new (address: string, credentials: grpc.ChannelCredentials) => AdsClient) | undefined;

function adsClientConstructor() {
  if (!adsConstructor) {
    // `json: true` makes protobuf.js unpack Any values whose type is loaded, as the xDS JSON form does.
    const definition = protoLoader.loadSync(PROTO_FILES, {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      json: true,
      includeDirs: [...ENVOY_PROTO_DIRS],
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: typeof adsConstructor } } } };
    };
    adsConstructor = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService;
  }
  return adsConstructor!;
}

const KEYS: Record<string, keyof FetchedResources> = {
  [TYPE_URL.listener]: 'listeners',
  [TYPE_URL.routeConfiguration]: 'routeConfigurations',
  [TYPE_URL.cluster]: 'clusters',
  [TYPE_URL.clusterLoadAssignment]: 'clusterLoadAssignments',
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- decoded protobuf JSON

/** The RouteConfiguration names a Listener's HttpConnectionManager fetches over RDS. */
function routeNamesOf(listener: Obj): string[] {
  const hcm = listener?.api_listener?.api_listener as Obj | undefined;
  const name = hcm?.rds?.route_config_name as string | undefined;
  return name ? [name] : [];
}

/** Every Cluster a RouteConfiguration's routes send to or mirror to. */
function clusterNamesOf(route: Obj): string[] {
  const names = new Set<string>();
  for (const vh of (route?.virtual_hosts ?? []) as Obj[]) {
    for (const r of (vh.routes ?? []) as Obj[]) {
      const action = r.route as Obj | undefined;
      if (!action) continue;
      if (action.cluster) names.add(action.cluster as string);
      for (const w of (action.weighted_clusters?.clusters ?? []) as Obj[]) names.add(w.name as string);
      for (const m of (action.request_mirror_policies ?? []) as Obj[]) if (m.cluster) names.add(m.cluster as string);
    }
  }
  return [...names];
}

/** The EDS service names of the Clusters that take their endpoints over EDS. */
function edsNamesOf(cluster: Obj): string[] {
  if (cluster?.type !== 'EDS') return [];
  return [(cluster.eds_cluster_config?.service_name as string) || (cluster.name as string)];
}

/**
 * A JSON value as a google.protobuf.Value: protobuf.js has no JSON wrapper for Struct, and its
 * built-in google/protobuf types name their fields in camelCase whatever `keepCase` says.
 */
function toValue(v: unknown): Obj {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v as Obj) };
}

function toStruct(o: Obj): Obj {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

/** A bootstrap's `node` as the DiscoveryRequest field: its JSON `metadata` becomes a Struct. */
function nodeMessage(node: Obj): Obj {
  return node.metadata ? { ...node, metadata: toStruct(node.metadata as Obj) } : node;
}

export class XdsFetchError extends Error {
  override name = 'XdsFetchError';
}

/**
 * Subscribes as one client to `listener` (e.g. `greeter-server:20000`, what grpc-js-xds asks for
 * target `xds:///greeter-server:20000`) and returns every resource it receives once the
 * subscriptions are complete and have stayed unchanged for `quietMs` (a control plane that
 * debounces, like istiod, may push again just after the first answer). `settled`, if given, is
 * awaited with the stream open once the subscriptions are complete (istiod's own view that this
 * client has the current config), then the resources must be quiet again.
 */
export async function fetchXds(
  address: string,
  bootstrapNode: object,
  listener: string,
  opts: { timeoutMs?: number; quietMs?: number; settled?: () => Promise<void> } = {},
): Promise<FetchedResources> {
  const Ads = adsClientConstructor();
  const client = new Ads(address, grpc.credentials.createInsecure());
  const call = client.StreamAggregatedResources();
  const node = nodeMessage(bootstrapNode as Obj);
  const got: FetchedResources = { listeners: {}, routeConfigurations: {}, clusters: {}, clusterLoadAssignments: {} };
  const subscribed = new Map<string, string[]>();
  let lastChange = Date.now();
  let failure: Error | undefined;

  const subscribe = (typeUrl: string, names: string[], ack?: DiscoveryResponse): void => {
    const sorted = [...new Set(names)].sort();
    const changed = JSON.stringify(subscribed.get(typeUrl)) !== JSON.stringify(sorted);
    if (!changed && !ack) return;
    subscribed.set(typeUrl, sorted);
    if (changed) {
      lastChange = Date.now();
      // Unsubscribed resources are forgotten, as a client forgets them.
      const key = KEYS[typeUrl]!;
      got[key] = Object.fromEntries(Object.entries(got[key]).filter(([name]) => sorted.includes(name)));
    }
    call.write({ node, type_url: typeUrl, resource_names: sorted, ...(ack ? { version_info: ack.version_info, response_nonce: ack.nonce } : {}) });
  };
  const follow = (): void => {
    subscribe(
      TYPE_URL.routeConfiguration,
      Object.values(got.listeners).flatMap((l) => routeNamesOf(l as Obj)),
    );
    subscribe(
      TYPE_URL.cluster,
      Object.values(got.routeConfigurations).flatMap((r) => clusterNamesOf(r as Obj)),
    );
    subscribe(
      TYPE_URL.clusterLoadAssignment,
      Object.values(got.clusters).flatMap((c) => edsNamesOf(c as Obj)),
    );
  };

  call.on('data', (response: DiscoveryResponse) => {
    const key = KEYS[response.type_url];
    if (!key) return;
    const wanted = new Set(subscribed.get(response.type_url) ?? []);
    const next: Record<string, unknown> = {};
    for (const any of response.resources) {
      const { '@type': _type, ...resource } = any as Obj;
      const name = (resource.name ?? resource.cluster_name) as string;
      if (wanted.has(name)) next[name] = resource;
    }
    // State of the world for Listener and Cluster; for the others a response carries what changed.
    got[key] = key === 'listeners' || key === 'clusters' ? next : { ...got[key], ...next };
    lastChange = Date.now();
    subscribe(response.type_url, subscribed.get(response.type_url) ?? [], response);
    follow();
  });
  call.on('error', (e: grpc.ServiceError) => {
    if (e.code !== grpc.status.CANCELLED) failure = new XdsFetchError(`xDS stream to ${address} failed: ${e.details || e.message}`);
  });

  subscribe(TYPE_URL.listener, [listener]);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const quietMs = opts.quietMs ?? 1_000;
  const deadline = Date.now() + timeoutMs;
  let settledWait = opts.settled;
  try {
    for (;;) {
      if (failure) throw failure;
      const complete = [...subscribed].every(([typeUrl, names]) => names.every((n) => n in got[KEYS[typeUrl]!]));
      if (complete && Object.keys(got.listeners).length > 0 && Date.now() - lastChange >= quietMs) {
        if (!settledWait) return got;
        await settledWait();
        settledWait = undefined;
        continue;
      }
      if (Date.now() > deadline) {
        const missing = [...subscribed].flatMap(([typeUrl, names]) =>
          names.filter((n) => !(n in got[KEYS[typeUrl]!])).map((n) => `${typeUrl.split('.').pop()} ${n}`),
        );
        throw new XdsFetchError(`${address} did not send ${missing.length ? missing.join(', ') : `Listener ${listener}`} within ${timeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    call.cancel();
    client.close();
  }
}
