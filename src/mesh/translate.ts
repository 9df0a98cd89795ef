/**
 * Istio VirtualService + DestinationRule → xDS resources for proxyless @grpc/grpc-js-xds clients.
 *
 * The translation follows what istiod generates for proxyless gRPC:
 * - Listener `<host>:<port>` (and `<host>` when the service has one port): an `api_listener`
 *   HttpConnectionManager that fetches RouteConfiguration `outbound|<port>||<host>` over ADS
 *   (virtual host domains `<host>:<port>` and `<host>`), with the
 *   http filters `envoy.filters.http.fault` (always, or per-route faults are ignored by the client)
 *   and the router LAST;
 * - Clusters `outbound|<port>||<host>` (every endpoint of the service) and
 *   `outbound|<port>|<subset>|<host>` per DestinationRule subset, type EDS over ADS;
 * - one ClusterLoadAssignment per cluster, even an empty one, with one locality whose
 *   `load_balancing_weight` is set (grpc-js-xds drops localities without it).
 *
 * It is strict: any field that would change routing and that proxyless gRPC cannot honour is
 * refused with an {@link UnsupportedFeatureError} naming the field, never silently ignored.
 * Fields that do not change where a request goes, but are not enforced either (e.g. a DestinationRule
 * `tls` block), become warnings in the snapshot.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { clusterName, LOCAL_UNSUPPORTED, unmatchableHeader } from '../scenarios/model.ts';
import { RE2_FIX, re2Problem } from '../scenarios/re2.ts';
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

/** Everything the local mesh routes on. */
export interface MeshConfig {
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  endpoints: MeshEndpoint[];
  /** Istio Gateway objects of a scenario, if any: always refused (the local mesh has no ingress). */
  gateways?: unknown[];
}

/** A protobuf message in its JSON-like form (snake_case fields; nested Any as `{'@type': url, ...}`). */
export type XdsMessage = Record<string, unknown>;

/** The resources of one config, by resource name. */
export interface XdsSnapshot {
  listeners: Map<string, XdsMessage>;
  routeConfigurations: Map<string, XdsMessage>;
  clusters: Map<string, XdsMessage>;
  clusterLoadAssignments: Map<string, XdsMessage>;
  /** Fields accepted but not enforced by proxyless gRPC (they do not change routing). */
  warnings: string[];
}

/** A config field the local mesh cannot express. The message names the field and the reason. */
export class UnsupportedFeatureError extends Error {
  override name = 'UnsupportedFeatureError';
}

export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';

export { clusterName };

const CLUSTER_ONLY = 'run this scenario on the cluster driver';

/** Retry conditions grpc-js-xds honours (the one list: src/scenarios/model.ts). */
const GRPC_RETRY_ON = new Set(LOCAL_UNSUPPORTED.retryOn);
/** gRPC codes contained in Istio's default retryOn (`connect-failure,refused-stream,unavailable,cancelled,...`). */
const DEFAULT_RETRY_ON = 'unavailable,cancelled';
/**
 * The retry policy istiod puts on every route without `retries` (mesh default: 2 attempts), reduced
 * to what grpc-js-xds honours. istiod builds proxyless routes with the sidecar route builder, so
 * proxyless clients on a cluster retry UNAVAILABLE twice by default too; `retries: {attempts: 0}`
 * turns it off.
 */
export const DEFAULT_RETRY_POLICY: Readonly<XdsMessage> = Object.freeze({ retry_on: DEFAULT_RETRY_ON, num_retries: { value: 2 } });

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(where: string, field: string, reason: string): never {
  throw new UnsupportedFeatureError(`${where}: ${field}: ${reason}`);
}

/**
 * Refuses every key of `obj` that is not in `allowed`. `reasons` gives the specific reason for
 * keys known to be unsupported; any other unknown key is refused as unknown.
 */
function checkKeys(obj: Obj, where: string, path: string, allowed: readonly string[], reasons: Record<string, string> = {}): void {
  for (const key of Object.keys(obj)) {
    if (obj[key] === undefined || obj[key] === null) continue;
    if (allowed.includes(key)) continue;
    fail(where, `${path}.${key}`, reasons[key] ?? 'unknown or unsupported field for the local mesh');
  }
}

/** Parses an Istio/Go/protobuf duration string ("1.5s", "100ms", "1m30s") into a protobuf Duration. */
export function parseDuration(text: unknown, where: string, field: string): { seconds: number; nanos: number } {
  if (typeof text !== 'string' || text.trim() === '') fail(where, field, `not a duration: ${JSON.stringify(text)}`);
  const units: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/y;
  let total = 0;
  let pos = 0;
  const s = text.trim();
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) fail(where, field, `not a duration: ${JSON.stringify(text)} (use e.g. "0.5s", "100ms", "1m")`);
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  const nanosTotal = Math.round(total);
  return { seconds: Math.floor(nanosTotal / 1e9), nanos: nanosTotal % 1e9 };
}

/** Istio percentage (0..100, double) → envoy FractionalPercent (per million). */
function fractionalPercent(value: unknown, where: string, field: string): XdsMessage {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    fail(where, field, `must be a number between 0 and 100, got ${JSON.stringify(value)}`);
  }
  return { numerator: Math.round(value * 10_000), denominator: 'MILLION' };
}

function faultPercentage(spec: Obj, where: string, path: string): XdsMessage {
  if (isObj(spec['percentage'])) {
    checkKeys(spec['percentage'], where, `${path}.percentage`, ['value']);
    return fractionalPercent(spec['percentage']['value'] ?? 0, where, `${path}.percentage.value`);
  }
  if (spec['percent'] !== undefined) return fractionalPercent(spec['percent'], where, `${path}.percent`);
  // Istio: no percentage = every request.
  return fractionalPercent(100, where, `${path}.percentage`);
}

function grpcStatusCode(value: unknown, where: string, field: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 16) return value;
  if (typeof value === 'string') {
    const byName = (GrpcStatus as unknown as Record<string, number>)[value.toUpperCase()];
    if (typeof byName === 'number' && byName > 0) return byName;
    if (/^\d+$/.test(value) && Number(value) > 0 && Number(value) <= 16) return Number(value);
  }
  fail(where, field, `not a gRPC status (name such as "UNAVAILABLE" or code 1..16): ${JSON.stringify(value)}`);
}

/** VirtualService `fault` → envoy HTTPFault (per-route override of the fault filter). */
function translateFault(fault: Obj, where: string, path: string): XdsMessage {
  checkKeys(fault, where, path, ['delay', 'abort']);
  const out: XdsMessage = { '@type': TYPE_URL.httpFault };
  if (isObj(fault['delay'])) {
    const d = fault['delay'];
    checkKeys(d, where, `${path}.delay`, ['fixedDelay', 'percentage', 'percent'], {
      exponentialDelay: LOCAL_UNSUPPORTED.exponentialDelay,
    });
    if (d['fixedDelay'] === undefined) fail(where, `${path}.delay.fixedDelay`, 'required');
    out['delay'] = {
      fixed_delay: parseDuration(d['fixedDelay'], where, `${path}.delay.fixedDelay`),
      percentage: faultPercentage(d, where, `${path}.delay`),
    };
  }
  if (isObj(fault['abort'])) {
    const a = fault['abort'];
    checkKeys(a, where, `${path}.abort`, ['httpStatus', 'grpcStatus', 'percentage'], {
      http2Error: LOCAL_UNSUPPORTED.http2Error,
    });
    const abort: XdsMessage = { percentage: faultPercentage(a, where, `${path}.abort`) };
    if (a['grpcStatus'] !== undefined && a['httpStatus'] !== undefined) {
      fail(where, `${path}.abort`, 'set either httpStatus or grpcStatus, not both');
    }
    if (a['grpcStatus'] !== undefined) {
      abort['grpc_status'] = grpcStatusCode(a['grpcStatus'], where, `${path}.abort.grpcStatus`);
    } else if (a['httpStatus'] !== undefined) {
      const code = a['httpStatus'];
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 200 || code >= 600) {
        fail(where, `${path}.abort.httpStatus`, `not an HTTP status: ${JSON.stringify(code)}`);
      }
      abort['http_status'] = code;
    } else {
      fail(where, `${path}.abort`, 'needs grpcStatus or httpStatus');
    }
    out['abort'] = abort;
  }
  return out;
}

/** Istio StringMatch → envoy StringMatcher. */
function stringMatcher(m: unknown, where: string, field: string): XdsMessage {
  if (!isObj(m)) fail(where, field, 'must be a StringMatch object ({exact|prefix|regex: ...})');
  checkKeys(m, where, field, ['exact', 'prefix', 'regex']);
  const kinds = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined && m[k] !== null);
  if (kinds.length !== 1) fail(where, field, 'needs exactly one of exact, prefix, regex');
  const kind = kinds[0]!;
  const value = m[kind];
  if (typeof value !== 'string') fail(where, `${field}.${kind}`, 'must be a string');
  if (kind === 'regex') {
    // Checked by the clients' own engine (re2-wasm): a pattern it refuses would make every client
    // throw on the pushed RouteConfiguration, so it is refused here, before anything is pushed.
    const bad = re2Problem(value);
    if (bad) fail(where, `${field}.regex`, `${JSON.stringify(value)}: ${bad}; ${RE2_FIX}`);
    // Envoy matches safe_regex against the whole value. grpc-js-xds 1.14 builds `^${regex}$`, so an
    // alternation `a|b` would match "ax"; a group gives the full-match meaning to both.
    return { safe_regex: { regex: `(?:${value})` } };
  }
  return { [kind]: value };
}

interface Service {
  host: string;
  ports: number[];
}

interface RouteSource {
  where: string;
}

/** A resolved Istio destination: the cluster a request goes to. */
function resolveDestination(
  dest: Obj,
  listenerPort: number,
  services: Map<string, Service>,
  subsets: Map<string, Set<string>>,
  where: string,
  path: string,
): string {
  checkKeys(dest, where, path, ['host', 'subset', 'port']);
  const host = resolveHost(dest['host'], services, where, `${path}.host`);
  const service = services.get(host)!;
  let port = listenerPort;
  if (dest['port'] !== undefined) {
    if (!isObj(dest['port'])) fail(where, `${path}.port`, 'must be {number: <port>}');
    checkKeys(dest['port'], where, `${path}.port`, ['number']);
    port = Number(dest['port']['number']);
  }
  if (!service.ports.includes(port)) {
    if (dest['port'] === undefined && service.ports.length === 1) port = service.ports[0]!;
    else fail(where, `${path}.port`, `service ${host} has no port ${port} (ports: ${service.ports.join(', ')})`);
  }
  const subset = dest['subset'];
  if (subset !== undefined && subset !== null && subset !== '') {
    if (typeof subset !== 'string') fail(where, `${path}.subset`, 'must be a string');
    if (!subsets.get(host)?.has(subset)) {
      fail(where, `${path}.subset`, `subset "${subset}" is not defined by any DestinationRule for host ${host}`);
    }
    return clusterName(host, port, subset);
  }
  return clusterName(host, port);
}

/** Maps `greeter-server`, `greeter-server.default`, `greeter-server.default.svc.cluster.local` to the known host. */
function resolveHost(value: unknown, services: Map<string, Service>, where: string, field: string): string {
  if (typeof value !== 'string' || value === '') fail(where, field, 'must be a non-empty host name');
  if (services.has(value)) return value;
  const short = value.split('.')[0]!;
  if (value.includes('*')) fail(where, field, `wildcard hosts (${value}) are not supported by the local mesh; name the service`);
  if (services.has(short)) return short;
  fail(where, field, `unknown host ${value}: no local endpoint serves it (known: ${[...services.keys()].join(', ') || 'none'})`);
}

function translateRetries(retries: Obj, where: string, path: string, warnings: string[]): XdsMessage | undefined {
  checkKeys(retries, where, path, ['attempts', 'perTryTimeout', 'retryOn', 'retryRemoteLocalities', 'retryIgnorePreviousHosts']);
  const attempts = retries['attempts'] ?? 0;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) {
    fail(where, `${path}.attempts`, `must be a non-negative integer, got ${JSON.stringify(attempts)}`);
  }
  if (attempts === 0) return undefined; // Istio: attempts 0 disables retries.
  if (attempts > 4) {
    warnings.push(`${where}: ${path}.attempts: ${attempts} retries; grpc-js caps a call at 5 attempts (4 retries)`);
  }
  const retryOn = retries['retryOn'] ?? DEFAULT_RETRY_ON;
  if (typeof retryOn !== 'string') fail(where, `${path}.retryOn`, 'must be a comma-separated string');
  const conditions = retryOn.split(',').map((c) => c.trim()).filter((c) => c !== '');
  for (const c of conditions) {
    if (!GRPC_RETRY_ON.has(c)) {
      fail(
        where,
        `${path}.retryOn`,
        `"${c}" is not a gRPC status condition; proxyless gRPC retries only on ${[...GRPC_RETRY_ON].join(', ')}`,
      );
    }
  }
  if (conditions.length === 0) fail(where, `${path}.retryOn`, 'empty');
  const policy: XdsMessage = { retry_on: conditions.join(','), num_retries: { value: attempts } };
  if (retries['perTryTimeout'] !== undefined) {
    policy['per_try_timeout'] = parseDuration(retries['perTryTimeout'], where, `${path}.perTryTimeout`);
    warnings.push(
      `${where}: ${path}.perTryTimeout: sent to the client but not enforced by grpc-js-xds (gRPC retries have no per-attempt timeout); the route timeout still applies`,
    );
  }
  if (retries['retryRemoteLocalities'] !== undefined) {
    warnings.push(`${where}: ${path}.retryRemoteLocalities: ignored (the local mesh has one locality)`);
  }
  if (retries['retryIgnorePreviousHosts'] !== undefined) {
    warnings.push(`${where}: ${path}.retryIgnorePreviousHosts: not supported by grpc-js-xds; retries may reach the same host`);
  }
  return policy;
}

// What proxyless clients cannot do is listed once, in src/scenarios/model.ts (LOCAL_UNSUPPORTED).
const HTTP_ROUTE_UNSUPPORTED = LOCAL_UNSUPPORTED.rule;
const MATCH_UNSUPPORTED = LOCAL_UNSUPPORTED.match;

/** One Istio HTTPRoute → envoy routes (one per `match` entry, as Istio does). */
function translateHttpRoute(
  r: Obj,
  index: number,
  listenerPort: number,
  services: Map<string, Service>,
  subsets: Map<string, Set<string>>,
  where: string,
  warnings: string[],
): XdsMessage[] {
  const path = `spec.http[${index}]`;
  checkKeys(r, where, path, ['name', 'match', 'route', 'timeout', 'retries', 'fault'], HTTP_ROUTE_UNSUPPORTED);
  const action: XdsMessage = {};
  const routeList = r['route'];
  if (!Array.isArray(routeList) || routeList.length === 0) fail(where, `${path}.route`, 'needs at least one destination');
  const weighted: { name: string; weight: number }[] = [];
  routeList.forEach((d: unknown, i: number) => {
    const dpath = `${path}.route[${i}]`;
    if (!isObj(d)) fail(where, dpath, 'must be an object');
    checkKeys(d, where, dpath, ['destination', 'weight'], { headers: LOCAL_UNSUPPORTED.destinationHeaders });
    if (!isObj(d['destination'])) fail(where, `${dpath}.destination`, 'required');
    const name = resolveDestination(d['destination'], listenerPort, services, subsets, where, `${dpath}.destination`);
    let weight = d['weight'];
    if (weight === undefined || weight === null) weight = routeList.length === 1 ? 100 : undefined;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) {
      fail(where, `${dpath}.weight`, routeList.length > 1 ? 'each of several destinations needs an integer weight >= 0' : 'must be an integer >= 0');
    }
    weighted.push({ name, weight });
  });
  const sum = weighted.reduce((s, w) => s + w.weight, 0);
  if (weighted.length > 1 && sum !== 100) {
    fail(where, `${path}.route[*].weight`, `weights must sum to 100, got ${sum}`);
  }
  if (weighted.length === 1 && weighted[0]!.weight === 0) fail(where, `${path}.route[0].weight`, 'the only destination has weight 0');
  const nonZero = weighted.filter((w) => w.weight > 0);
  const names = new Set(nonZero.map((w) => w.name));
  if (names.size !== nonZero.length) fail(where, `${path}.route`, 'the same destination appears twice');
  if (nonZero.length === 1) {
    action['cluster'] = nonZero[0]!.name;
  } else {
    action['weighted_clusters'] = { clusters: nonZero.map((w) => ({ name: w.name, weight: { value: w.weight } })) };
  }
  if (r['timeout'] !== undefined) {
    // grpc-js-xds ignores RouteAction.timeout; max_stream_duration is the gRPC deadline (gRFC A31).
    action['max_stream_duration'] = { max_stream_duration: parseDuration(r['timeout'], where, `${path}.timeout`) };
  }
  if (r['retries'] !== undefined && r['retries'] !== null) {
    if (!isObj(r['retries'])) fail(where, `${path}.retries`, 'must be an object');
    const policy = translateRetries(r['retries'], where, `${path}.retries`, warnings);
    if (policy) action['retry_policy'] = policy;
  } else {
    action['retry_policy'] = { ...DEFAULT_RETRY_POLICY };
  }
  const base: XdsMessage = { route: action };
  if (r['fault'] !== undefined) {
    if (!isObj(r['fault'])) fail(where, `${path}.fault`, 'must be an object');
    base['typed_per_filter_config'] = { [FAULT_FILTER_NAME]: translateFault(r['fault'], where, `${path}.fault`) };
  }
  const routeName = typeof r['name'] === 'string' && r['name'] !== '' ? r['name'] : `route-${index}`;

  const matches = r['match'];
  if (matches === undefined || matches === null || (Array.isArray(matches) && matches.length === 0)) {
    return [{ name: routeName, match: { prefix: '/' }, ...base }];
  }
  if (!Array.isArray(matches)) fail(where, `${path}.match`, 'must be a list');
  const out: XdsMessage[] = [];
  matches.forEach((m: unknown, j: number) => {
    const mpath = `${path}.match[${j}]`;
    if (!isObj(m)) fail(where, mpath, 'must be an object');
    checkKeys(m, where, mpath, ['name', 'headers', 'withoutHeaders', 'uri', 'ignoreUriCase', 'port', 'gateways'], MATCH_UNSUPPORTED);
    if (m['gateways'] !== undefined) checkGateways(m['gateways'], where, `${mpath}.gateways`);
    if (m['port'] !== undefined && Number(m['port']) !== listenerPort) return; // this match is for another port
    const match: XdsMessage = {};
    if (m['uri'] !== undefined) {
      // gRPC request paths are `/<package>.<Service>/<Method>`, e.g. /api.Greeter/SayHello.
      const sm = stringMatcher(m['uri'], where, `${mpath}.uri`);
      if ('exact' in sm) match['path'] = sm['exact'];
      else if ('prefix' in sm) match['prefix'] = sm['prefix'];
      else match['safe_regex'] = sm['safe_regex'];
      if (m['ignoreUriCase'] === true) match['case_sensitive'] = { value: false };
    } else {
      match['prefix'] = '/';
    }
    const headers: XdsMessage[] = [];
    for (const [key, invert] of [['headers', false], ['withoutHeaders', true]] as const) {
      const hs = m[key];
      if (hs === undefined || hs === null) continue;
      if (!isObj(hs)) fail(where, `${mpath}.${key}`, 'must be a map of header name to StringMatch');
      for (const [name, sm] of Object.entries(hs)) {
        const lower = name.toLowerCase();
        if (unmatchableHeader(name)) fail(where, `${mpath}.${key}.${name}`, LOCAL_UNSUPPORTED.headerName);
        const hm: XdsMessage = { name: lower };
        if (isObj(sm) && Object.keys(sm).length === 0) hm['present_match'] = true;
        else hm['string_match'] = stringMatcher(sm, where, `${mpath}.${key}.${name}`);
        if (invert) hm['invert_match'] = true;
        headers.push(hm);
      }
    }
    if (headers.length > 0) match['headers'] = headers;
    const name = typeof m['name'] === 'string' && m['name'] !== '' ? `${routeName}.${m['name']}` : `${routeName}.match-${j}`;
    out.push({ name, match, ...base });
  });
  return out;
}

function checkGateways(gateways: unknown, where: string, field: string): void {
  if (!Array.isArray(gateways)) fail(where, field, 'must be a list');
  for (const g of gateways) {
    if (g !== 'mesh') {
      fail(
        where,
        field,
        `gateway "${String(g)}": ${LOCAL_UNSUPPORTED.gateway}`,
      );
    }
  }
}

interface ClusterPolicy {
  lbPolicy: string;
  maxRequests?: number;
}

/** DestinationRule trafficPolicy → the cluster fields grpc-js-xds honours. */
function translateTrafficPolicy(tp: unknown, where: string, path: string, warnings: string[]): Partial<ClusterPolicy> {
  if (tp === undefined || tp === null) return {};
  if (!isObj(tp)) fail(where, path, 'must be an object');
  checkKeys(tp, where, path, ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'], {
    portLevelSettings: 'per-port traffic policies are not supported by the local mesh; set the policy for the whole host',
    tunnel: 'tunneling is not supported by proxyless gRPC clients',
    proxyProtocol: 'PROXY protocol is not supported by proxyless gRPC clients',
  });
  const out: Partial<ClusterPolicy> = {};
  if (tp['loadBalancer'] !== undefined) {
    const lb = tp['loadBalancer'];
    if (!isObj(lb)) fail(where, `${path}.loadBalancer`, 'must be an object');
    checkKeys(lb, where, `${path}.loadBalancer`, ['simple'], LOCAL_UNSUPPORTED.policy);
    const simple = lb['simple'];
    if (simple === 'ROUND_ROBIN' || simple === 'UNSPECIFIED' || simple === undefined) out.lbPolicy = 'ROUND_ROBIN';
    else {
      fail(where, `${path}.loadBalancer.simple`, `${String(simple)} ${LOCAL_UNSUPPORTED.policy['simple']}`);
    }
  }
  if (tp['connectionPool'] !== undefined) {
    const cp = tp['connectionPool'];
    if (!isObj(cp)) fail(where, `${path}.connectionPool`, 'must be an object');
    checkKeys(cp, where, `${path}.connectionPool`, ['http', 'tcp']);
    let fromTcp: number | undefined;
    if (isObj(cp['tcp'])) {
      const tcp = cp['tcp'];
      for (const key of Object.keys(tcp)) {
        if (key === 'maxConnections') fromTcp = positiveInt(tcp[key], where, `${path}.connectionPool.tcp.maxConnections`);
        else warnings.push(`${where}: ${path}.connectionPool.tcp.${key}: not enforced by proxyless gRPC clients`);
      }
    }
    if (isObj(cp['http'])) {
      const http = cp['http'];
      for (const key of Object.keys(http)) {
        if (key === 'http2MaxRequests') out.maxRequests = positiveInt(http[key], where, `${path}.connectionPool.http.http2MaxRequests`);
        else warnings.push(`${where}: ${path}.connectionPool.http.${key}: not enforced by proxyless gRPC clients`);
      }
    }
    if (out.maxRequests !== undefined && fromTcp !== undefined) {
      warnings.push(`${where}: ${path}.connectionPool.tcp.maxConnections: not enforced; http2MaxRequests (${out.maxRequests}) limits concurrent requests`);
    } else if (out.maxRequests === undefined && fromTcp !== undefined) {
      // One HTTP/2 connection carries every call of a gRPC channel: the closest gRPC limit to
      // "at most N connections" is "at most N concurrent calls" (circuit_breakers.max_requests).
      out.maxRequests = fromTcp;
      warnings.push(
        `${where}: ${path}.connectionPool.tcp.maxConnections: enforced as at most ${fromTcp} concurrent requests (circuit_breakers max_requests), since gRPC multiplexes calls on one connection`,
      );
    }
  }
  if (tp['outlierDetection'] !== undefined) {
    fail(where, `${path}.outlierDetection`, LOCAL_UNSUPPORTED.policy['outlierDetection']!);
  }
  if (tp['tls'] !== undefined) {
    const mode = isObj(tp['tls']) ? tp['tls']['mode'] : undefined;
    if (mode !== 'DISABLE') {
      warnings.push(`${where}: ${path}.tls: the local mesh is plaintext; TLS mode ${String(mode)} is not applied`);
    }
  }
  return out;
}

function positiveInt(v: unknown, where: string, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(where, field, `must be an integer >= 1, got ${JSON.stringify(v)}`);
  return v;
}

function resourceName(obj: Obj, kind: string, index: number): string {
  const md = obj['metadata'];
  const name = isObj(md) && typeof md['name'] === 'string' ? md['name'] : `#${index}`;
  return `${kind} ${name}`;
}

function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Translates a mesh config into xDS resources. Pure: no I/O, same input → same output.
 * @throws UnsupportedFeatureError naming the first field the local mesh cannot express.
 */
export function translate(config: MeshConfig): XdsSnapshot {
  const warnings: string[] = [];
  (config.gateways ?? []).forEach((g, i) => {
    fail(
      resourceName(isObj(g) ? g : {}, 'Gateway', i),
      'kind',
      `Gateway resources configure an ingress gateway, which the local mesh does not have (proxyless clients route inside the mesh only); ${CLUSTER_ONLY}`,
    );
  });
  const services = new Map<string, Service>();
  config.endpoints.forEach((ep, i) => {
    const where = `endpoint #${i} (${ep.host})`;
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(ep.host)) fail(where, 'host', `not a valid service name: ${JSON.stringify(ep.host)}`);
    if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/.test(ep.address)) {
      fail(where, 'address', `must be an IP literal (grpc-js-xds does not resolve names), got ${JSON.stringify(ep.address)}`);
    }
    for (const [f, v] of [['port', ep.port], ['endpointPort', ep.endpointPort]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 65535) fail(where, f, `not a port: ${JSON.stringify(v)}`);
    }
    const s = services.get(ep.host) ?? { host: ep.host, ports: [] };
    if (!s.ports.includes(ep.port)) s.ports.push(ep.port);
    services.set(ep.host, s);
  });

  // DestinationRules: subsets and cluster policies per host.
  const subsets = new Map<string, Set<string>>();
  const subsetLabels = new Map<string, Map<string, Record<string, string>>>();
  const hostPolicy = new Map<string, Partial<ClusterPolicy>>();
  const subsetPolicy = new Map<string, Partial<ClusterPolicy>>(); // key host|subset
  config.destinationRules.forEach((drIn, i) => {
    const dr = drIn as unknown as Obj;
    const where = resourceName(dr, 'DestinationRule', i);
    if (dr['kind'] !== undefined && dr['kind'] !== 'DestinationRule') fail(where, 'kind', `expected DestinationRule, got ${String(dr['kind'])}`);
    const spec = dr['spec'];
    if (!isObj(spec)) fail(where, 'spec', 'required');
    checkKeys(spec, where, 'spec', ['host', 'trafficPolicy', 'subsets', 'exportTo'], { workloadSelector: LOCAL_UNSUPPORTED.policy['workloadSelector']! });
    const host = resolveHost(spec['host'], services, where, 'spec.host');
    if (subsets.has(host)) fail(where, 'spec.host', `a second DestinationRule for host ${host}; merge them into one`);
    const names = new Set<string>();
    const labelsBySubset = new Map<string, Record<string, string>>();
    hostPolicy.set(host, translateTrafficPolicy(spec['trafficPolicy'], where, 'spec.trafficPolicy', warnings));
    const list = spec['subsets'] ?? [];
    if (!Array.isArray(list)) fail(where, 'spec.subsets', 'must be a list');
    list.forEach((s: unknown, j: number) => {
      const spath = `spec.subsets[${j}]`;
      if (!isObj(s)) fail(where, spath, 'must be an object');
      checkKeys(s, where, spath, ['name', 'labels', 'trafficPolicy']);
      const name = s['name'];
      if (typeof name !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) {
        fail(where, `${spath}.name`, `not a valid subset name: ${JSON.stringify(name)}`);
      }
      if (names.has(name)) fail(where, `${spath}.name`, `duplicate subset ${name}`);
      names.add(name);
      const labels = s['labels'] ?? {};
      if (!isObj(labels) || !Object.values(labels).every((v) => typeof v === 'string')) {
        fail(where, `${spath}.labels`, 'must be a map of strings');
      }
      labelsBySubset.set(name, labels as Record<string, string>);
      subsetPolicy.set(`${host}|${name}`, translateTrafficPolicy(s['trafficPolicy'], where, `${spath}.trafficPolicy`, warnings));
    });
    subsets.set(host, names);
    subsetLabels.set(host, labelsBySubset);
  });

  // Clusters and endpoints: one all-endpoints cluster per host:port, one per subset.
  const clusters = new Map<string, XdsMessage>();
  const clusterLoadAssignments = new Map<string, XdsMessage>();
  const addCluster = (host: string, port: number, subset: string, selector: Record<string, string>): void => {
    const name = clusterName(host, port, subset);
    const policy: Partial<ClusterPolicy> = { ...hostPolicy.get(host), ...(subset ? subsetPolicy.get(`${host}|${subset}`) : {}) };
    const cluster: XdsMessage = {
      name,
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {} }, service_name: name },
      lb_policy: policy.lbPolicy ?? 'ROUND_ROBIN',
    };
    if (policy.maxRequests !== undefined) {
      cluster['circuit_breakers'] = { thresholds: [{ priority: 'DEFAULT', max_requests: { value: policy.maxRequests } }] };
    }
    clusters.set(name, cluster);
    const lbEndpoints = config.endpoints
      .filter((ep) => ep.host === host && ep.port === port && labelsMatch(selector, ep.labels))
      .map((ep) => ({
        endpoint: { address: { socket_address: { address: ep.address, port_value: ep.endpointPort } } },
        health_status: 'HEALTHY',
        load_balancing_weight: { value: 1 },
      }));
    clusterLoadAssignments.set(name, {
      cluster_name: name,
      endpoints: lbEndpoints.length === 0 ? [] : [{ locality: {}, load_balancing_weight: { value: 1 }, priority: 0, lb_endpoints: lbEndpoints }],
    });
  };
  for (const s of services.values()) {
    for (const port of s.ports) {
      addCluster(s.host, port, '', {});
      for (const [subset, labels] of subsetLabels.get(s.host) ?? []) addCluster(s.host, port, subset, labels);
    }
  }

  // VirtualServices by host.
  const vsByHost = new Map<string, { vs: Obj; where: string }>();
  config.virtualServices.forEach((vsIn, i) => {
    const vs = vsIn as unknown as Obj;
    const where = resourceName(vs, 'VirtualService', i);
    if (vs['kind'] !== undefined && vs['kind'] !== 'VirtualService') fail(where, 'kind', `expected VirtualService, got ${String(vs['kind'])}`);
    const spec = vs['spec'];
    if (!isObj(spec)) fail(where, 'spec', 'required');
    checkKeys(spec, where, 'spec', ['hosts', 'gateways', 'http', 'exportTo'], {
      tcp: 'TCP routes are not supported by proxyless gRPC clients',
      tls: 'TLS routes are not supported by proxyless gRPC clients',
    });
    if (spec['gateways'] !== undefined) checkGateways(spec['gateways'], where, 'spec.gateways');
    const hosts = spec['hosts'];
    if (!Array.isArray(hosts) || hosts.length === 0) fail(where, 'spec.hosts', 'needs at least one host');
    hosts.forEach((h: unknown, j: number) => {
      const host = resolveHost(h, services, where, `spec.hosts[${j}]`);
      const prev = vsByHost.get(host);
      if (prev) fail(where, `spec.hosts[${j}]`, `host ${host} is already routed by ${prev.where}; merge them into one`);
      vsByHost.set(host, { vs: spec, where });
    });
    if (spec['http'] !== undefined && !Array.isArray(spec['http'])) fail(where, 'spec.http', 'must be a list');
  });

  // Listeners and route configurations: one per host:port.
  const listeners = new Map<string, XdsMessage>();
  const routeConfigurations = new Map<string, XdsMessage>();
  for (const s of services.values()) {
    for (const port of s.ports) {
      const name = `${s.host}:${port}`;
      const entry = vsByHost.get(s.host);
      let routes: XdsMessage[];
      if (entry && Array.isArray(entry.vs['http']) && entry.vs['http'].length > 0) {
        routes = (entry.vs['http'] as unknown[]).flatMap((r, i) => {
          if (!isObj(r)) fail(entry.where, `spec.http[${i}]`, 'must be an object');
          return translateHttpRoute(r, i, port, services, subsets, entry.where, warnings);
        });
      } else {
        routes = [{ name: 'default', match: { prefix: '/' }, route: { cluster: clusterName(s.host, port), retry_policy: { ...DEFAULT_RETRY_POLICY } } }];
      }
      // istiod names the route configuration of a proxyless listener like its default cluster.
      const routeConfigName = clusterName(s.host, port);
      routeConfigurations.set(routeConfigName, {
        name: routeConfigName,
        virtual_hosts: [{ name, domains: s.ports.length === 1 ? [name, s.host] : [name], routes }],
      });
      listeners.set(name, httpListener(name, routeConfigName));
      if (s.ports.length === 1) listeners.set(s.host, httpListener(s.host, routeConfigName));
    }
  }
  return { listeners, routeConfigurations, clusters, clusterLoadAssignments, warnings };
}

/** A client-side (api_listener) Listener whose routes come over ADS (RDS). */
function httpListener(name: string, routeConfigName: string): XdsMessage {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': TYPE_URL.httpConnectionManager,
        stat_prefix: name,
        rds: { config_source: { ads: {} }, route_config_name: routeConfigName },
        http_filters: [
          { name: FAULT_FILTER_NAME, typed_config: { '@type': TYPE_URL.httpFault } },
          { name: ROUTER_FILTER_NAME, typed_config: { '@type': TYPE_URL.router } },
        ],
      },
    },
  };
}
