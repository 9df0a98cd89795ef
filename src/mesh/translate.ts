/**
 * The routing model of a scenario (src/scenarios/model.ts) → xDS resources for proxyless
 * @grpc/grpc-js-xds clients: a projection, one small builder per resource, no validation of its
 * own. The scenario loader has checked the objects; what the local mesh cannot do is the model's
 * `limitations(…, 'local')` list, which translate() refuses as a whole before building anything.
 *
 * The resources follow what istiod generates for proxyless gRPC:
 * - Listener `<host>:<port>` (and `<host>` when the service has one port): an `api_listener`
 *   HttpConnectionManager that fetches RouteConfiguration `outbound|<port>||<host>` over ADS
 *   (virtual host domains `<host>:<port>` and `<host>`), with the http filters
 *   `envoy.filters.http.fault` (always, or per-route faults are ignored by the client) and the
 *   router LAST;
 * - Clusters `outbound|<port>||<host>` (every endpoint of the service) and
 *   `outbound|<port>|<subset>|<host>` per DestinationRule subset, type EDS over ADS;
 * - one ClusterLoadAssignment per cluster, even an empty one, with one locality whose
 *   `load_balancing_weight` is set (grpc-js-xds drops localities without it).
 * Fields that do not change where a request goes, but are not enforced either (a DestinationRule
 * `tls` block, perTryTimeout), become warnings in the snapshot.
 */
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { GRPC_CODE_NAMES } from '../scenarios/expect.ts';
import {
  clusterName,
  limitations,
  refusedFields,
  routingModel,
  type ClusterPolicy,
  type Destination,
  type Fault,
  type HttpRule,
  type RequestMatch,
  type Retries,
  type RoutingModel,
  type StringMatch,
} from '../scenarios/model.ts';
import {
  packed,
  type Cluster,
  type ClusterLoadAssignment,
  type Duration,
  type FractionalPercent,
  type HeaderMatcher,
  type HTTPFault,
  type HttpConnectionManager,
  type Listener,
  type RetryPolicy,
  type Route,
  type RouteAction,
  type RouteConfiguration,
  type RouteMatch,
  type StringMatcher,
} from './envoy-types.ts';
import { TYPE_URL } from './protos.ts';

/** One local server process serving a mesh service. */
export interface MeshEndpoint {
  /** The service name clients use, e.g. `greeter-server` (target `xds:///greeter-server:20000`). */
  host: string;
  /** The service port, e.g. 20000. */
  port: number;
  /** IP literal the process listens on (grpc-js-xds refuses host names), e.g. `127.0.0.1`. */
  address: string;
  /** The real listening port of the process. */
  endpointPort: number;
  /** Pod-like labels, matched against DestinationRule subsets: `{app: 'greeter-server', version: 'v1'}`. */
  labels: Record<string, string>;
}

export type VirtualService = IVirtualService;
export type DestinationRule = IDestinationRule;

/**
 * Everything the local mesh routes on: a loaded scenario's objects (`scenario.resources`) and the
 * endpoints. istiod on loopback (src/istiod) applies the objects themselves; translate() projects
 * their routing model.
 */
export interface MeshConfig {
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  endpoints: MeshEndpoint[];
  /** Istio Gateway objects of a scenario, if any: always refused (the local mesh has no ingress). */
  gateways?: unknown[];
}

/** A protobuf message in its JSON-like form (snake_case fields; nested Any as `{'@type': url, ...}`). */
export type XdsMessage = Record<string, unknown>;

/** A typed message (src/mesh/envoy-types.ts) as the snapshot holds it, for the control plane to encode. */
const asXds = (message: object): XdsMessage => message as XdsMessage;

/** The resources of one config, by resource name. */
export interface XdsSnapshot {
  listeners: Map<string, XdsMessage>;
  routeConfigurations: Map<string, XdsMessage>;
  clusters: Map<string, XdsMessage>;
  clusterLoadAssignments: Map<string, XdsMessage>;
  /** Fields accepted but not enforced by proxyless gRPC (they do not change routing). */
  warnings: string[];
}

/** A config the local mesh cannot express. The message names each field and the reason. */
export class UnsupportedFeatureError extends Error {
  override name = 'UnsupportedFeatureError';
}

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';

export { clusterName };

/** gRPC codes contained in Istio's default retryOn (`connect-failure,refused-stream,unavailable,cancelled,...`). */
const DEFAULT_RETRY_ON = 'unavailable,cancelled';
/**
 * The retry policy istiod puts on every route without `retries` (mesh default: 2 attempts), reduced
 * to what grpc-js-xds honours. istiod builds proxyless routes with the sidecar route builder, so
 * proxyless clients on a cluster retry UNAVAILABLE twice by default too; `retries: {attempts: 0}`
 * turns it off.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ retry_on: DEFAULT_RETRY_ON, num_retries: { value: 2 } });

/** The routing model of a MeshConfig's objects, each named `<Kind> <name>` in messages. */
export function meshRoutingModel(config: MeshConfig): RoutingModel {
  const named = <T extends { metadata?: { name?: string } }>(kind: string, objects: readonly T[]) =>
    objects.map((object, i) => ({ object, file: `${kind} ${object.metadata?.name ?? `#${i}`}` }));
  return routingModel({
    virtualServices: named('VirtualService', config.virtualServices),
    destinationRules: named('DestinationRule', config.destinationRules),
    gateways: named('Gateway', (config.gateways ?? []) as Array<{ metadata?: { name?: string } }>) as never,
  });
}

/**
 * Translates a mesh config into xDS resources. Pure: no I/O, same input → same output.
 * @throws UnsupportedFeatureError listing what no mode accepts and what the local mesh cannot do
 * (the model's lists), or an endpoint grpc-js-xds cannot use.
 */
export function translate(config: MeshConfig): XdsSnapshot {
  const model = meshRoutingModel(config);
  const refused = refusedFields(model).map((r) => `${r.file}: ${r.field}: ${r.reason} (${r.fix})`);
  const cannot = limitations(model, { mirrorCheck: false, ingressClients: false }, 'local').map((l) =>
    l.file && l.field ? `${l.file}: ${l.field}: ${l.why}` : `${l.feature}: ${l.why}; run this scenario on the cluster driver`,
  );
  if (refused.length + cannot.length > 0) throw new UnsupportedFeatureError([...refused, ...cannot].join('\n'));
  checkEndpoints(config.endpoints);
  return buildSnapshot(model, config.endpoints);
}

/** Endpoints come from the driver, not from a scenario: the one input checked here. */
function checkEndpoints(endpoints: readonly MeshEndpoint[]): void {
  endpoints.forEach((ep, i) => {
    const where = `endpoint #${i} (${ep.host})`;
    const fail = (field: string, reason: string) => {
      throw new UnsupportedFeatureError(`${where}: ${field}: ${reason}`);
    };
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(ep.host)) fail('host', `not a valid service name: ${JSON.stringify(ep.host)}`);
    if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/.test(ep.address)) {
      fail('address', `must be an IP literal (grpc-js-xds does not resolve names), got ${JSON.stringify(ep.address)}`);
    }
    for (const [f, v] of [
      ['port', ep.port],
      ['endpointPort', ep.endpointPort],
    ] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 65535) fail(f, `not a port: ${JSON.stringify(v)}`);
    }
  });
}

interface Service {
  host: string;
  ports: number[];
}

/** The service a host names: `greeter-server`, `greeter-server.default`, `greeter-server.default.svc.cluster.local`. */
function serviceOf(host: string, services: ReadonlyMap<string, Service>): Service | undefined {
  return services.get(host) ?? services.get(host.split('.')[0]!);
}

function buildSnapshot(model: RoutingModel, endpoints: readonly MeshEndpoint[]): XdsSnapshot {
  const warnings: string[] = [];
  const services = new Map<string, Service>();
  for (const ep of endpoints) {
    const s = services.get(ep.host) ?? { host: ep.host, ports: [] };
    if (!s.ports.includes(ep.port)) s.ports.push(ep.port);
    services.set(ep.host, s);
  }

  const clusters = new Map<string, XdsMessage>();
  const clusterLoadAssignments = new Map<string, XdsMessage>();
  for (const s of services.values()) {
    const dr = model.destinationRules.find((d) => serviceOf(d.host, services) === s);
    const hostPolicy = dr?.policy ? clusterLimits(dr.policy, `DestinationRule ${dr.name}`, warnings) : {};
    const subsets = (dr?.subsets ?? []).map((sub) => ({
      ...sub,
      limits: sub.policy ? clusterLimits(sub.policy, `DestinationRule ${dr!.name}`, warnings) : {},
    }));
    for (const port of s.ports) {
      const all = clusterName(s.host, port);
      clusters.set(all, asXds(cluster(all, hostPolicy.maxRequests)));
      clusterLoadAssignments.set(
        all,
        asXds(
          loadAssignment(
            all,
            endpoints.filter((ep) => ep.host === s.host && ep.port === port),
          ),
        ),
      );
      for (const sub of subsets) {
        const name = clusterName(s.host, port, sub.name);
        clusters.set(name, asXds(cluster(name, sub.limits.maxRequests ?? hostPolicy.maxRequests)));
        clusterLoadAssignments.set(
          name,
          asXds(
            loadAssignment(
              name,
              endpoints.filter((ep) => ep.host === s.host && ep.port === port && labelsMatch(sub.labels, ep.labels)),
            ),
          ),
        );
      }
    }
  }

  const listeners = new Map<string, XdsMessage>();
  const routeConfigurations = new Map<string, XdsMessage>();
  for (const s of services.values()) {
    const table = model.routeTables.find((t) => t.hosts.some((h) => serviceOf(h, services) === s));
    for (const port of s.ports) {
      const name = `${s.host}:${port}`;
      const routes: Route[] =
        table && table.rules.length > 0
          ? table.rules.flatMap((rule, i) => routesOf(rule, i, port, services, `VirtualService ${table.name}`, warnings))
          : [{ name: 'default', match: { prefix: '/' }, route: { cluster: clusterName(s.host, port), retry_policy: { ...DEFAULT_RETRY_POLICY } } }];
      // istiod names the route configuration of a proxyless listener like its default cluster.
      const routeConfigName = clusterName(s.host, port);
      routeConfigurations.set(routeConfigName, asXds(routeConfiguration(routeConfigName, name, s.ports.length === 1 ? [name, s.host] : [name], routes)));
      listeners.set(name, asXds(httpListener(name, routeConfigName)));
      if (s.ports.length === 1) listeners.set(s.host, asXds(httpListener(s.host, routeConfigName)));
    }
  }
  return { listeners, routeConfigurations, clusters, clusterLoadAssignments, warnings };
}

// --- Listener

/** A client-side (api_listener) Listener whose routes come over ADS (RDS). */
function httpListener(name: string, routeConfigName: string): Listener {
  const manager: HttpConnectionManager = {
    stat_prefix: name,
    rds: { config_source: { ads: {} }, route_config_name: routeConfigName },
    http_filters: [
      { name: FAULT_FILTER_NAME, typed_config: packed(TYPE_URL.httpFault, {}) },
      { name: ROUTER_FILTER_NAME, typed_config: packed(TYPE_URL.router, {}) },
    ],
  };
  return { name, api_listener: { api_listener: packed(TYPE_URL.httpConnectionManager, manager) } };
}

// --- RouteConfiguration

function routeConfiguration(name: string, virtualHost: string, domains: string[], routes: Route[]): RouteConfiguration {
  return { name, virtual_hosts: [{ name: virtualHost, domains, routes }] };
}

/** One Istio HTTPRoute → envoy routes (one per `match` entry, as Istio does). */
function routesOf(rule: HttpRule, index: number, port: number, services: ReadonlyMap<string, Service>, where: string, warnings: string[]): Route[] {
  const base: Route = { route: routeAction(rule, port, services, where, warnings) };
  if (rule.fault) base.typed_per_filter_config = { [FAULT_FILTER_NAME]: packed(TYPE_URL.httpFault, httpFault(rule.fault)) };
  const routeName = rule.name ? rule.name : `route-${index}`;
  if (rule.matches.length === 0) return [{ name: routeName, match: { prefix: '/' }, ...base }];
  return rule.matches.flatMap((m, j) => {
    if (m.port !== undefined && m.port !== port) return []; // this match is for another port
    return [{ name: m.name ? `${routeName}.${m.name}` : `${routeName}.match-${j}`, match: routeMatch(m), ...base }];
  });
}

function routeAction(rule: HttpRule, port: number, services: ReadonlyMap<string, Service>, where: string, warnings: string[]): RouteAction {
  const action: RouteAction = {};
  const weighted = rule.destinations.filter((d) => d.weight > 0).map((d) => ({ name: destinationCluster(d, port, services), weight: d.weight }));
  if (weighted.length === 1) action.cluster = weighted[0]!.name;
  else action.weighted_clusters = { clusters: weighted.map((w) => ({ name: w.name, weight: { value: w.weight } })) };
  // grpc-js-xds ignores RouteAction.timeout; max_stream_duration is the gRPC deadline (gRFC A31).
  if (rule.timeoutMs !== undefined) action.max_stream_duration = { max_stream_duration: duration(rule.timeoutMs) };
  if (!rule.retries) action.retry_policy = { ...DEFAULT_RETRY_POLICY };
  else {
    const policy = retryPolicy(rule.retries, `${where}: ${rule.field}.retries`, warnings);
    if (policy) action.retry_policy = policy;
  }
  return action;
}

/** The cluster a destination names: its service, its port (or the listener's), its subset. */
function destinationCluster(d: Destination, listenerPort: number, services: ReadonlyMap<string, Service>): string {
  const service = serviceOf(d.host, services);
  const host = service?.host ?? d.host;
  let port = d.port ?? listenerPort;
  if (service && !service.ports.includes(port) && d.port === undefined && service.ports.length === 1) port = service.ports[0]!;
  return clusterName(host, port, d.subset ?? '');
}

function routeMatch(m: RequestMatch): RouteMatch {
  const match: RouteMatch = {};
  // gRPC request paths are `/<package>.<Service>/<Method>`, e.g. /api.Greeter/SayHello.
  const uri = m.uri === undefined || 'present' in m.uri ? { prefix: '/' } : m.uri;
  if ('exact' in uri) match.path = uri.exact;
  else if ('prefix' in uri) match.prefix = uri.prefix;
  else match.safe_regex = { regex: fullMatch(uri.regex) };
  if (m.uri !== undefined && m.ignoreUriCase) match.case_sensitive = { value: false };
  const headers = [
    ...Object.entries(m.headers).map(([name, sm]) => headerMatcher(name, sm, false)),
    ...Object.entries(m.withoutHeaders).map(([name, sm]) => headerMatcher(name, sm, true)),
  ];
  if (headers.length > 0) match.headers = headers;
  return match;
}

function headerMatcher(name: string, sm: StringMatch, invert: boolean): HeaderMatcher {
  const hm: HeaderMatcher = { name };
  if ('present' in sm) hm.present_match = true;
  else hm.string_match = stringMatcher(sm);
  if (invert) hm.invert_match = true;
  return hm;
}

/** Istio StringMatch → envoy StringMatcher. */
function stringMatcher(m: Exclude<StringMatch, { present: true }>): StringMatcher {
  if ('regex' in m) return { safe_regex: { regex: fullMatch(m.regex) } };
  return 'exact' in m ? { exact: m.exact } : { prefix: m.prefix };
}

/**
 * Envoy matches safe_regex against the whole value. grpc-js-xds 1.14 builds `^${regex}$`, so an
 * alternation `a|b` would match "ax"; a group gives the full-match meaning to both.
 */
function fullMatch(regex: string): string {
  return `(?:${regex})`;
}

function retryPolicy(retries: Retries, where: string, warnings: string[]): RetryPolicy | undefined {
  if (retries.attempts === 0) return undefined; // Istio: attempts 0 disables retries.
  if (retries.attempts > 4) warnings.push(`${where}.attempts: ${retries.attempts} retries; grpc-js caps a call at 5 attempts (4 retries)`);
  const conditions = (retries.retryOn ?? DEFAULT_RETRY_ON)
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const policy: RetryPolicy = { retry_on: conditions.join(','), num_retries: { value: retries.attempts } };
  if (retries.perTryTimeoutMs !== undefined) {
    policy.per_try_timeout = duration(retries.perTryTimeoutMs);
    warnings.push(
      `${where}.perTryTimeout: sent to the client but not enforced by grpc-js-xds (gRPC retries have no per-attempt timeout); the route timeout still applies`,
    );
  }
  if (retries.other.includes('retryRemoteLocalities')) warnings.push(`${where}.retryRemoteLocalities: ignored (the local mesh has one locality)`);
  if (retries.other.includes('retryIgnorePreviousHosts'))
    warnings.push(`${where}.retryIgnorePreviousHosts: not supported by grpc-js-xds; retries may reach the same host`);
  return policy;
}

/** VirtualService `fault` → envoy HTTPFault (per-route override of the fault filter). */
function httpFault(fault: Fault): HTTPFault {
  const out: HTTPFault = {};
  if (fault.delay) out.delay = { fixed_delay: duration(fault.delay.fixedDelayMs), percentage: fractionalPercent(fault.delay.percent) };
  if (fault.abort) {
    const { grpcStatus, httpStatus, percent } = fault.abort;
    out.abort = { percentage: fractionalPercent(percent) };
    if (grpcStatus !== undefined) out.abort.grpc_status = GRPC_CODE_NAMES.indexOf(grpcStatus as (typeof GRPC_CODE_NAMES)[number]);
    else if (httpStatus !== undefined) out.abort.http_status = httpStatus;
  }
  return out;
}

/** Istio percentage (0..100, double) → envoy FractionalPercent (per million). */
function fractionalPercent(value: number): FractionalPercent {
  return { numerator: Math.round(value * 10_000), denominator: 'MILLION' };
}

/** Milliseconds → protobuf Duration. */
export function duration(ms: number): Duration & { seconds: number; nanos: number } {
  const nanosTotal = Math.round(ms * 1e6);
  return { seconds: Math.floor(nanosTotal / 1e9), nanos: nanosTotal % 1e9 };
}

// --- Cluster and ClusterLoadAssignment

interface ClusterLimits {
  maxRequests?: number;
}

/** A DestinationRule traffic policy → the cluster fields grpc-js-xds honours (the rest: warnings). */
function clusterLimits(policy: ClusterPolicy, where: string, warnings: string[]): ClusterLimits {
  const out: ClusterLimits = {};
  const path = policy.field;
  const pool = policy.connectionPool;
  if (pool) {
    for (const field of pool.ignored) warnings.push(`${where}: ${path}.connectionPool.${field}: not enforced by proxyless gRPC clients`);
    if (pool.maxRequests !== undefined) {
      out.maxRequests = pool.maxRequests;
      if (pool.maxConnections !== undefined) {
        warnings.push(`${where}: ${path}.connectionPool.tcp.maxConnections: not enforced; http2MaxRequests (${pool.maxRequests}) limits concurrent requests`);
      }
    } else if (pool.maxConnections !== undefined) {
      // One HTTP/2 connection carries every call of a gRPC channel: the closest gRPC limit to
      // "at most N connections" is "at most N concurrent calls" (circuit_breakers.max_requests).
      out.maxRequests = pool.maxConnections;
      warnings.push(
        `${where}: ${path}.connectionPool.tcp.maxConnections: enforced as at most ${pool.maxConnections} concurrent requests (circuit_breakers max_requests), since gRPC multiplexes calls on one connection`,
      );
    }
  }
  if (policy.tlsMode !== undefined && policy.tlsMode !== 'DISABLE') {
    warnings.push(`${where}: ${path}.tls: the local mesh is plaintext; TLS mode ${policy.tlsMode || 'undefined'} is not applied`);
  }
  return out;
}

function cluster(name: string, maxRequests: number | undefined): Cluster {
  const out: Cluster = { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: name }, lb_policy: 'ROUND_ROBIN' };
  if (maxRequests !== undefined) out.circuit_breakers = { thresholds: [{ priority: 'DEFAULT', max_requests: { value: maxRequests } }] };
  return out;
}

function loadAssignment(name: string, endpoints: readonly MeshEndpoint[]): ClusterLoadAssignment {
  const lbEndpoints = endpoints.map((ep) => ({
    endpoint: { address: { socket_address: { address: ep.address, port_value: ep.endpointPort } } },
    health_status: 'HEALTHY' as const,
    load_balancing_weight: { value: 1 },
  }));
  return {
    cluster_name: name,
    endpoints: lbEndpoints.length === 0 ? [] : [{ locality: {}, load_balancing_weight: { value: 1 }, priority: 0, lb_endpoints: lbEndpoints }],
  };
}

function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
