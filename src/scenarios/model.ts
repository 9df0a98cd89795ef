/**
 * The one routing model of a scenario: what its VirtualServices, DestinationRules and Gateways say,
 * typed, with defaults applied and durations in ms. Built by the loader (src/scenarios/load.ts)
 * from objects it has already validated, so building never fails; everything else (the expectation
 * cross-check, the local xDS translation, the cluster readiness check) is a projection of it.
 *
 * `limitations` is the single list of what a mode cannot run, and why.
 */
import type { DestinationRule, Gateway, VirtualService } from './istio.ts';
import { durationMs } from './istio.ts';

/** The service the kit deploys. */
export const SERVICE_HOST = 'greeter-server';
export const SERVICE_PORT = 20000;
/** The pod label `app` the chart puts on greeter-server pods. */
export const APP_LABEL = SERVICE_HOST;
/** The gRPC path of the greeter's unary call (HTTP/2 :path, what `uri` matches). */
export const SAYHELLO_PATH = '/api.Greeter/SayHello';

/** True when `host` names the kit's service (short name or FQDN). */
export function isServiceHost(host: string): boolean {
  return host === SERVICE_HOST || host.startsWith(`${SERVICE_HOST}.`);
}

/** The cluster name istiod uses: `outbound|<port>|<subset>|<host>` (empty subset = every endpoint). */
export function clusterName(host: string, port: number, subset = ''): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** Istio StringMatch; `present` is the empty match `{}` (the header is there, any value). */
export type StringMatch = { exact: string } | { prefix: string } | { regex: string } | { present: true };

/**
 * Match fields the model carries (into {@link RequestMatch}); any other one lands in
 * `RequestMatch.other`. A new match field is added here, to RequestMatch and its builder, and to
 * the projections that read it (shares.ts, mesh/translate.ts, cluster/envoy-routes.ts); or, to
 * refuse it in every mode, to {@link REFUSED_MATCH_FIELDS} only (docs/architecture.md).
 */
export const MATCH_FIELDS = ['name', 'headers', 'withoutHeaders', 'uri', 'method', 'ignoreUriCase', 'port', 'gateways'] as const;

/**
 * Match fields the kit refuses in every mode, with the reason and the fix. The loader reports them
 * on the field; no projection sees them.
 */
export const REFUSED_MATCH_FIELDS: Readonly<Record<string, { reason: string; fix: string }>> = {
  queryParams: {
    reason: 'gRPC requests have no query parameters (the :path of a call is /<package>.<Service>/<Method>), so queryParams would never match',
    fix: 'match on request metadata with headers instead',
  },
};

export interface RequestMatch {
  name?: string;
  /** Header name (lowercase) → match; every one must match. */
  headers: Record<string, StringMatch>;
  /** Header name (lowercase) → match; none may match. */
  withoutHeaders: Record<string, StringMatch>;
  uri?: StringMatch;
  ignoreUriCase: boolean;
  method?: StringMatch;
  port?: number;
  /** Gateways this match is limited to, when it names any. */
  gateways?: string[];
  /** Match fields present that no projection evaluates (sourceLabels, scheme...): kept so each
   * projection can say it makes no claim, or refuse. */
  other: string[];
}

export interface Destination {
  /** As written (short name or FQDN). */
  host: string;
  subset?: string;
  port?: number;
}

export interface WeightedDestination extends Destination {
  /** 0..100; a single destination without a weight gets 100. */
  weight: number;
}

export interface Fault {
  delay?: { fixedDelayMs: number; percent: number };
  abort?: { grpcStatus?: string; httpStatus?: number; percent: number };
}

export interface Retries {
  attempts: number;
  perTryTimeoutMs?: number;
  retryOn?: string;
  /** Other retry fields set (retryRemoteLocalities, retryIgnorePreviousHosts). */
  other: string[];
}

export interface Mirror {
  /** The field it was written in: `mirror` (one) or `mirrors` (a list). */
  field: 'mirror' | 'mirrors';
  destination: Destination;
  /** Share of calls mirrored, 0..100 (Istio's default is all of them). */
  percent: number;
}

export interface HttpRule {
  /** `spec.http[<i>]`. */
  field: string;
  /** `<file> spec.http[<i>]`, for messages. */
  where: string;
  name?: string;
  /** Empty: the rule matches every call. */
  matches: RequestMatch[];
  destinations: WeightedDestination[];
  timeoutMs?: number;
  retries?: Retries;
  fault?: Fault;
  /** `mirror` and every entry of `mirrors`. */
  mirrors: Mirror[];
  /** Fields beyond a plain route, relative to the rule: `redirect`, `directResponse`, `delegate`,
   * `rewrite`, `headers`, `corsPolicy`, `mirrorPercentage`, `route[<k>].headers`,
   * `fault.abort.http2Error`... */
  other: string[];
}

export interface RouteTable {
  /** metadata.name of the VirtualService. */
  name: string;
  /** Display path of its file. */
  file: string;
  hosts: string[];
  /** `mesh` when the VirtualService names no gateway. */
  gateways: string[];
  rules: HttpRule[];
}

/** A DestinationRule's settings that proxyless clients cannot apply (a field each, e.g.
 * `spec.trafficPolicy.outlierDetection`, `spec.subsets[0].trafficPolicy.loadBalancer.simple`). */
export interface PolicyField {
  /** Display path of the DestinationRule's file. */
  file: string;
  field: string;
  /** loadBalancer.simple's value, when that is the field. */
  value?: string;
}

export interface Subset {
  name: string;
  labels: Record<string, string>;
  /** Display path of the DestinationRule's file. */
  file: string;
}

/** The connection pool of a traffic policy, as proxyless clients can apply it. */
export interface ConnectionPool {
  /** connectionPool.http.http2MaxRequests */
  maxRequests?: number;
  /** connectionPool.tcp.maxConnections */
  maxConnections?: number;
  /** Other connectionPool fields set, e.g. `http.http1MaxPendingRequests` (not enforced by proxyless gRPC). */
  ignored: string[];
}

export interface ClusterPolicy {
  /** `spec.trafficPolicy` or `spec.subsets[<i>].trafficPolicy`. */
  field: string;
  connectionPool?: ConnectionPool;
  /** tls.mode, when a tls block is set (`''` when it has no mode). */
  tlsMode?: string;
}

export interface DestinationRuleModel {
  /** metadata.name */
  name: string;
  file: string;
  /** As written (short name or FQDN). */
  host: string;
  policy?: ClusterPolicy;
  subsets: Array<{ name: string; labels: Record<string, string>; policy?: ClusterPolicy }>;
}

export interface RoutingModel {
  /** One per VirtualService, in file order. */
  routeTables: RouteTable[];
  /** Subsets of the kit's service, over every DestinationRule for it. */
  subsets: Subset[];
  /** Every DestinationRule, in file order, with its cluster policies. */
  destinationRules: DestinationRuleModel[];
  /** True when a DestinationRule (or one of its subsets) limits connections or ejects hosts. */
  loadDependent: boolean;
  /** metadata.name of each Gateway object. */
  gateways: string[];
  /** DestinationRule fields that are not plain subsets, connection pools or TLS (see {@link PolicyField}). */
  policyFields: PolicyField[];
}

export interface Located<T> {
  object: T;
  /** Display path of the file. */
  file: string;
}

export interface RoutingObjects {
  virtualServices: ReadonlyArray<Located<VirtualService>>;
  destinationRules: ReadonlyArray<Located<DestinationRule>>;
  gateways: ReadonlyArray<Located<Gateway>>;
}

/** The model of validated objects (src/scenarios/load.ts checks them first). */
export function routingModel(objects: RoutingObjects): RoutingModel {
  return {
    routeTables: objects.virtualServices.map(({ object, file }) => routeTable(object, file)),
    subsets: objects.destinationRules.flatMap(({ object, file }) =>
      isServiceHost(object.spec?.host ?? '') ? (object.spec?.subsets ?? []).map((s) => ({ name: s.name, labels: { ...(s.labels ?? {}) }, file })) : [],
    ),
    destinationRules: objects.destinationRules.map(({ object, file }) => destinationRuleModel(object, file)),
    loadDependent: objects.destinationRules.some(({ object }) => {
      const tp = object.spec?.trafficPolicy;
      return !!(
        tp?.connectionPool ||
        tp?.outlierDetection ||
        (object.spec?.subsets ?? []).some((s) => s.trafficPolicy?.connectionPool || s.trafficPolicy?.outlierDetection)
      );
    }),
    gateways: objects.gateways.map(({ object }) => String(object.metadata?.name)),
    policyFields: objects.destinationRules.flatMap(({ object, file }) => policyFields(object, file)),
  };
}

function clusterPolicy(tp: unknown, field: string): ClusterPolicy | undefined {
  if (!tp || typeof tp !== 'object') return undefined;
  const policy = tp as { connectionPool?: { http?: Record<string, unknown>; tcp?: Record<string, unknown> }; tls?: { mode?: string } };
  const out: ClusterPolicy = { field };
  const cp = policy.connectionPool;
  if (cp) {
    const pool: ConnectionPool = { ignored: [] };
    for (const [key, value] of Object.entries(cp.tcp ?? {})) {
      if (key === 'maxConnections') pool.maxConnections = Number(value);
      else pool.ignored.push(`tcp.${key}`);
    }
    for (const [key, value] of Object.entries(cp.http ?? {})) {
      if (key === 'http2MaxRequests') pool.maxRequests = Number(value);
      else pool.ignored.push(`http.${key}`);
    }
    out.connectionPool = pool;
  }
  if (policy.tls !== undefined) out.tlsMode = policy.tls?.mode ?? '';
  return out;
}

function destinationRuleModel(dr: DestinationRule, file: string): DestinationRuleModel {
  const out: DestinationRuleModel = {
    name: String(dr.metadata?.name),
    file,
    host: dr.spec?.host ?? '',
    subsets: (dr.spec?.subsets ?? []).map((s, i) => {
      const policy = clusterPolicy(s.trafficPolicy, `spec.subsets[${i}].trafficPolicy`);
      return { name: s.name, labels: { ...(s.labels ?? {}) }, ...(policy ? { policy } : {}) };
    }),
  };
  const policy = clusterPolicy(dr.spec?.trafficPolicy, 'spec.trafficPolicy');
  if (policy) out.policy = policy;
  return out;
}

const POLICY_FIELDS = ['portLevelSettings', 'tunnel', 'proxyProtocol', 'outlierDetection'];
const LOAD_BALANCER_FIELDS = ['consistentHash', 'localityLbSetting', 'warmupDurationSecs', 'warmup'];

function policyFields(dr: DestinationRule, file: string): PolicyField[] {
  const out: PolicyField[] = [];
  const at = (field: string, value?: string) => out.push({ file, field, ...(value === undefined ? {} : { value }) });
  if ((dr.spec as Record<string, unknown> | undefined)?.['workloadSelector'] !== undefined) at('spec.workloadSelector');
  const policies: Array<[string, unknown]> = [
    ['spec.trafficPolicy', dr.spec?.trafficPolicy],
    ...(dr.spec?.subsets ?? []).map((s, i): [string, unknown] => [`spec.subsets[${i}].trafficPolicy`, s.trafficPolicy]),
  ];
  for (const [path, tp] of policies) {
    if (!tp || typeof tp !== 'object') continue;
    const policy = tp as Record<string, unknown>;
    for (const key of POLICY_FIELDS) if (policy[key] !== undefined) at(`${path}.${key}`);
    const lb = policy['loadBalancer'] as Record<string, unknown> | undefined;
    if (!lb) continue;
    for (const key of LOAD_BALANCER_FIELDS) if (lb[key] !== undefined) at(`${path}.loadBalancer.${key}`);
    const simple = lb['simple'];
    if (simple !== undefined && simple !== 'ROUND_ROBIN' && simple !== 'UNSPECIFIED') at(`${path}.loadBalancer.simple`, String(simple));
  }
  return out;
}

function routeTable(vs: VirtualService, file: string): RouteTable {
  const gateways = vs.spec?.gateways;
  return {
    name: String(vs.metadata?.name),
    file,
    hosts: [...(vs.spec?.hosts ?? [])],
    gateways: gateways && gateways.length > 0 ? [...gateways] : ['mesh'],
    rules: (vs.spec?.http ?? []).map((r, i) => httpRule(r as unknown as RawRule, `spec.http[${i}]`, file)),
  };
}

type RawStringMatch = { exact?: string; prefix?: string; regex?: string };
interface RawDestination {
  host: string;
  subset?: string;
  port?: { number?: number };
}
interface RawRule {
  name?: string;
  match?: Array<Record<string, unknown>>;
  route?: Array<{ destination: RawDestination; weight?: number }>;
  timeout?: string;
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
  fault?: {
    delay?: { fixedDelay?: string; percentage?: { value?: number }; percent?: number };
    abort?: { grpcStatus?: string; httpStatus?: number; percentage?: { value?: number } };
  };
  mirror?: RawDestination;
  mirrors?: Array<{ destination: RawDestination; percentage?: { value?: number } }>;
  mirrorPercentage?: { value?: number };
  [other: string]: unknown;
}

const RULE_FIELDS = new Set(['name', 'match', 'route', 'timeout', 'retries', 'fault', 'mirror', 'mirrors']);

function httpRule(r: RawRule, field: string, file: string): HttpRule {
  const dests = r.route ?? [];
  const rule: HttpRule = {
    field,
    where: `${file} ${field}`,
    matches: (r.match ?? []).map(requestMatch),
    destinations: dests.map((d) => ({ ...destination(d.destination), weight: dests.length === 1 && d.weight === undefined ? 100 : (d.weight ?? 0) })),
    mirrors: [
      ...(r.mirror ? [{ field: 'mirror' as const, destination: destination(r.mirror), percent: r.mirrorPercentage?.value ?? 100 }] : []),
      ...(r.mirrors ?? []).map((m) => ({ field: 'mirrors' as const, destination: destination(m.destination), percent: m.percentage?.value ?? 100 })),
    ],
    other: [
      ...Object.keys(r).filter((k) => !RULE_FIELDS.has(k) && r[k] !== undefined),
      ...dests.flatMap((d, k) => ((d as { headers?: unknown }).headers !== undefined ? [`route[${k}].headers`] : [])),
      ...((r.fault?.delay as { exponentialDelay?: unknown } | undefined)?.exponentialDelay !== undefined ? ['fault.delay.exponentialDelay'] : []),
      ...((r.fault?.abort as { http2Error?: unknown } | undefined)?.http2Error !== undefined ? ['fault.abort.http2Error'] : []),
    ],
  };
  if (r.name !== undefined) rule.name = r.name;
  if (r.timeout !== undefined) rule.timeoutMs = durationMs(r.timeout);
  if (r.retries) {
    rule.retries = { attempts: r.retries.attempts ?? 0, other: Object.keys(r.retries).filter((k) => !['attempts', 'perTryTimeout', 'retryOn'].includes(k)) };
    if (r.retries.perTryTimeout !== undefined) rule.retries.perTryTimeoutMs = durationMs(r.retries.perTryTimeout);
    if (r.retries.retryOn !== undefined) rule.retries.retryOn = r.retries.retryOn;
  }
  if (r.fault) {
    const fault: Fault = {};
    const { delay, abort } = r.fault;
    if (delay?.fixedDelay !== undefined) fault.delay = { fixedDelayMs: durationMs(delay.fixedDelay), percent: delay.percentage?.value ?? delay.percent ?? 100 };
    if (abort) {
      fault.abort = { percent: abort.percentage?.value ?? (abort as { percent?: number }).percent ?? 100 };
      if (abort.grpcStatus !== undefined) fault.abort.grpcStatus = abort.grpcStatus;
      if (abort.httpStatus !== undefined) fault.abort.httpStatus = abort.httpStatus;
    }
    rule.fault = fault;
  }
  return rule;
}

function destination(d: RawDestination): Destination {
  const out: Destination = { host: d.host };
  if (d.subset !== undefined) out.subset = d.subset;
  if (d.port?.number !== undefined) out.port = d.port.number;
  return out;
}

function stringMatch(m: RawStringMatch): StringMatch {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { regex: m.regex };
  return { present: true };
}

function headerMap(map: unknown): Record<string, StringMatch> {
  const out: Record<string, StringMatch> = {};
  for (const [name, m] of Object.entries((map ?? {}) as Record<string, RawStringMatch>)) out[name.toLowerCase()] = stringMatch(m);
  return out;
}

function requestMatch(m: Record<string, unknown>): RequestMatch {
  const out: RequestMatch = {
    headers: headerMap(m['headers']),
    withoutHeaders: headerMap(m['withoutHeaders']),
    ignoreUriCase: m['ignoreUriCase'] === true,
    other: Object.keys(m).filter((k) => !(MATCH_FIELDS as readonly string[]).includes(k) && m[k] !== undefined),
  };
  if (typeof m['name'] === 'string') out.name = m['name'];
  if (m['uri'] !== undefined) out.uri = stringMatch(m['uri'] as RawStringMatch);
  if (m['method'] !== undefined) out.method = stringMatch(m['method'] as RawStringMatch);
  if (m['port'] !== undefined) out.port = Number(m['port']);
  if (Array.isArray(m['gateways'])) out.gateways = [...(m['gateways'] as string[])];
  return out;
}

/** Every use of a match field no mode accepts (REFUSED_MATCH_FIELDS), with its file and field. */
export function refusedFields(model: RoutingModel): Array<{ file: string; field: string; reason: string; fix: string }> {
  return model.routeTables.flatMap((table) =>
    table.rules.flatMap((rule) =>
      rule.matches.flatMap((m, j) =>
        m.other
          .filter((f) => f in REFUSED_MATCH_FIELDS)
          .map((f) => ({ file: table.file, field: `${rule.field}.match[${j}].${f}`, ...REFUSED_MATCH_FIELDS[f]! })),
      ),
    ),
  );
}

// --- where a scenario can run

/**
 * Where a scenario runs: the local xDS mesh (src/mesh or istiod on loopback, proxyless clients),
 * kind with proxyless clients (istiod + grpc-agent, no Envoy) and kind with Envoy sidecars.
 */
export const RUN_MODES = ['local', 'kind-proxyless', 'kind-envoy'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** Something a scenario uses that a mode cannot do. */
export interface Limitation {
  /** The feature in words, e.g. `request mirroring`, or the field, e.g. `spec.http[0].rewrite`. */
  feature: string;
  /** Why the mode cannot do it. */
  why: string;
  /** For a single field: the display path of its file and the field. */
  file?: string;
  field?: string;
}

/** What the scenario needs beyond its routing model (expect.yaml's mirror check, ingress clients). */
export interface ScenarioNeeds {
  mirrorCheck: boolean;
  ingressClients: boolean;
}

const MIRRORING = 'request mirroring';
const GATEWAY = 'a Gateway';
const RUN_ON_KIND = 'run this scenario on the cluster driver';
const MIRROR_WHY = 'request mirroring is not supported by proxyless gRPC clients (grpc-js-xds ignores it)';

/**
 * What proxyless gRPC clients (grpc-js-xds, the local mesh) cannot do, by field: the reasons the
 * local translation (src/mesh/translate.ts) and the loader give, written once.
 */
export const LOCAL_UNSUPPORTED = {
  /** HTTPRoute fields. */
  rule: {
    mirror: `${MIRROR_WHY}; ${RUN_ON_KIND}`,
    mirrors: `${MIRROR_WHY}; ${RUN_ON_KIND}`,
    mirrorPercentage: `${MIRROR_WHY}; ${RUN_ON_KIND}`,
    mirrorPercent: `${MIRROR_WHY}; ${RUN_ON_KIND}`,
    mirror_percent: `${MIRROR_WHY}; ${RUN_ON_KIND}`,
    rewrite: `URI/authority rewrite is not supported by proxyless gRPC clients; ${RUN_ON_KIND}`,
    redirect: `redirects are not supported by proxyless gRPC clients; ${RUN_ON_KIND}`,
    directResponse: `direct responses are not supported by proxyless gRPC clients; ${RUN_ON_KIND}`,
    delegate: 'delegate VirtualServices are not supported by the local mesh',
    corsPolicy: 'CORS is a browser concern that proxyless gRPC clients do not implement',
    headers: `header manipulation is not supported by proxyless gRPC clients; ${RUN_ON_KIND}`,
  } as Readonly<Record<string, string>>,
  /** HTTPMatchRequest fields. */
  match: {
    sourceLabels: 'the local mesh has no client workloads with labels; matching on the caller is not supported',
    sourceNamespace: 'the local mesh has no namespaces; matching on the caller is not supported',
    scheme: 'proxyless gRPC clients do not match on the scheme',
    method: 'gRPC always uses POST; proxyless gRPC clients do not match on the HTTP method',
    authority: 'proxyless gRPC clients do not match on the authority',
    statPrefix: 'stats are not produced by the local mesh',
  } as Readonly<Record<string, string>>,
  destinationHeaders: `header manipulation is not supported by proxyless gRPC clients; ${RUN_ON_KIND}`,
  exponentialDelay: 'exponential delays are not supported by Envoy nor grpc-js-xds',
  http2Error: 'HTTP/2 error injection is not supported by grpc-js-xds',
  /** Header names a proxyless client cannot match on. */
  headerName: 'pseudo-headers, grpc- and binary (-bin) headers cannot be matched by proxyless gRPC clients',
  /** Retry conditions grpc-js-xds honours (gRPC status codes); Envoy's HTTP conditions are ignored by it. */
  retryOn: ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'] as readonly string[],
  gateway: `the local mesh has no ingress gateway, only "mesh" (client-side routing) is supported; ${RUN_ON_KIND}`,
  policy: {
    portLevelSettings: 'per-port traffic policies are not supported by the local mesh; set the policy for the whole host',
    tunnel: 'tunneling is not supported by proxyless gRPC clients',
    proxyProtocol: 'PROXY protocol is not supported by proxyless gRPC clients',
    outlierDetection:
      "Istio's outlier detection ejects on consecutive errors, which grpc-js-xds does not implement (it only has success-rate and failure-percentage ejection, gRFC A50); remove it for the local mesh or run this scenario on the cluster driver",
    workloadSelector: 'the local mesh has no client workloads to select',
    consistentHash: 'consistent hashing needs route hash policies the local mesh does not generate',
    localityLbSetting: 'the local mesh has a single locality',
    warmupDurationSecs: 'slow start is not supported by grpc-js-xds',
    warmup: 'slow start is not supported by grpc-js-xds',
    simple: 'is not supported by grpc-js-xds 1.14 (only ROUND_ROBIN, and RING_HASH which Istio expresses as consistentHash)',
  } as Readonly<Record<string, string>>,
} as const;

/** True for a header name proxyless gRPC cannot match (pseudo-headers, grpc-*, binary). */
export function unmatchableHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith(':') || lower.startsWith('grpc-') || lower.endsWith('-bin');
}

/** Every field of the model the local mesh cannot express, with its reason. */
function localFields(model: RoutingModel): Limitation[] {
  const out: Limitation[] = [];
  const add = (file: string, field: string, why: string) => out.push({ feature: `${field} in ${file}`, why, file, field });
  for (const table of model.routeTables) {
    for (const g of table.gateways) if (g !== 'mesh') add(table.file, 'spec.gateways', `gateway "${g}": ${LOCAL_UNSUPPORTED.gateway}`);
    for (const rule of table.rules) {
      for (const field of new Set(rule.mirrors.map((m) => m.field))) add(table.file, `${rule.field}.${field}`, LOCAL_UNSUPPORTED.rule[field]!);
      for (const field of rule.other) {
        const last = field.split('.').pop()!;
        const why = field.startsWith('route[')
          ? LOCAL_UNSUPPORTED.destinationHeaders
          : (LOCAL_UNSUPPORTED.rule[field] ?? (LOCAL_UNSUPPORTED as unknown as Record<string, string>)[last]);
        if (why) add(table.file, `${rule.field}.${field}`, why);
      }
      rule.matches.forEach((m, j) => {
        const at = `${rule.field}.match[${j}]`;
        for (const field of [...m.other, ...(m.method ? ['method'] : [])]) {
          const why = LOCAL_UNSUPPORTED.match[field];
          if (why) add(table.file, `${at}.${field}`, why);
        }
        for (const g of m.gateways ?? []) if (g !== 'mesh') add(table.file, `${at}.gateways`, LOCAL_UNSUPPORTED.gateway);
        for (const key of ['headers', 'withoutHeaders'] as const) {
          for (const name of Object.keys(m[key])) if (unmatchableHeader(name)) add(table.file, `${at}.${key}.${name}`, LOCAL_UNSUPPORTED.headerName);
        }
      });
      for (const c of (rule.retries?.retryOn ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)) {
        if (!LOCAL_UNSUPPORTED.retryOn.includes(c))
          add(
            table.file,
            `${rule.field}.retries.retryOn`,
            `"${c}" is not a gRPC status condition; proxyless gRPC retries only on ${LOCAL_UNSUPPORTED.retryOn.join(', ')}`,
          );
      }
    }
  }
  for (const p of model.policyFields) {
    const key = p.field.split('.').pop()!;
    add(p.file, p.field, key === 'simple' ? `${p.value} ${LOCAL_UNSUPPORTED.policy['simple']}` : LOCAL_UNSUPPORTED.policy[key]!);
  }
  return out;
}

/**
 * The single list of what each mode cannot run. Empty: the mode can run the scenario. The local
 * mesh and proxyless gRPC on kind share the limits of proxyless clients; the local mesh also has no
 * ingress gateway at all, and refuses (rather than ignores) every field its clients cannot honour.
 */
export function limitations(model: RoutingModel, needs: ScenarioNeeds, mode: RunMode): Limitation[] {
  if (mode === 'kind-envoy') return [];
  const out: Limitation[] = [];
  // mirrorPercentage without a mirror mirrors nothing, but it asks for mirroring all the same.
  const mirrors = model.routeTables.some((t) => t.rules.some((r) => r.mirrors.length > 0 || r.other.some((f) => f.startsWith('mirror'))));
  if (mode === 'local') {
    if (model.gateways.length > 0) out.push({ feature: GATEWAY, why: 'the local mesh has no ingress gateway (proxyless clients route inside the mesh only)' });
    if (mirrors) out.push({ feature: MIRRORING, why: 'proxyless gRPC clients ignore mirror rules' });
    if (needs.mirrorCheck) out.push({ feature: 'a mirror check', why: 'proxyless gRPC clients ignore mirror rules, so nothing is mirrored' });
    out.push(...localFields(model));
    return out;
  }
  if (mirrors || needs.mirrorCheck) out.push({ feature: `${MIRRORING} (proxyless gRPC ignores mirror rules)`, why: 'only an Envoy mirrors requests' });
  if (model.gateways.length > 0 || needs.ingressClients) out.push({ feature: 'the Istio ingress gateway (an Envoy)', why: 'proxyless gRPC has no Envoy' });
  return out;
}
