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
 * Match fields the model carries, with the reason each one that no mode evaluates is refused.
 * A new match field is added here, to {@link RequestMatch}, and to the projections that read it.
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
  /** Actions other than a route (redirect, directResponse, delegate, rewrite, headers, corsPolicy). */
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

export interface TrafficPolicy {
  /** connectionPool or outlierDetection set: the outcome depends on load. */
  loadDependent: boolean;
}

export interface Subset {
  name: string;
  labels: Record<string, string>;
  /** Display path of the DestinationRule's file. */
  file: string;
}

export interface RoutingModel {
  /** One per VirtualService, in file order. */
  routeTables: RouteTable[];
  /** Subsets of the kit's service, over every DestinationRule for it. */
  subsets: Subset[];
  /** True when a DestinationRule (or one of its subsets) limits connections or ejects hosts. */
  loadDependent: boolean;
  /** metadata.name of each Gateway object. */
  gateways: string[];
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
    loadDependent: objects.destinationRules.some(({ object }) => {
      const tp = object.spec?.trafficPolicy;
      return !!(tp?.connectionPool || tp?.outlierDetection || (object.spec?.subsets ?? []).some((s) => s.trafficPolicy?.connectionPool || s.trafficPolicy?.outlierDetection));
    }),
    gateways: objects.gateways.map(({ object }) => String(object.metadata?.name)),
  };
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

const RULE_FIELDS = new Set(['name', 'match', 'route', 'timeout', 'retries', 'fault', 'mirror', 'mirrors', 'mirrorPercentage', 'mirrorPercent']);

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
    other: Object.keys(r).filter((k) => !RULE_FIELDS.has(k) && r[k] !== undefined),
  };
  if (r.name !== undefined) rule.name = r.name;
  if (r.timeout !== undefined) rule.timeoutMs = durationMs(r.timeout);
  if (r.retries) {
    rule.retries = { attempts: r.retries.attempts ?? 0 };
    if (r.retries.perTryTimeout !== undefined) rule.retries.perTryTimeoutMs = durationMs(r.retries.perTryTimeout);
    if (r.retries.retryOn !== undefined) rule.retries.retryOn = r.retries.retryOn;
  }
  if (r.fault) {
    const fault: Fault = {};
    const { delay, abort } = r.fault;
    if (delay?.fixedDelay !== undefined) fault.delay = { fixedDelayMs: durationMs(delay.fixedDelay), percent: delay.percentage?.value ?? delay.percent ?? 100 };
    if (abort) {
      fault.abort = { percent: abort.percentage?.value ?? 100 };
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

// --- where a scenario can run

/**
 * Where a scenario runs: the local xDS mesh (src/mesh or istiod on loopback, proxyless clients),
 * kind with proxyless clients (istiod + grpc-agent, no Envoy) and kind with Envoy sidecars.
 */
export const RUN_MODES = ['local', 'kind-proxyless', 'kind-envoy'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** Something a scenario uses that a mode cannot do. */
export interface Limitation {
  /** The feature in words, e.g. `request mirroring`. */
  feature: string;
  /** Why the mode cannot do it. */
  why: string;
}

/** What the scenario needs beyond its routing model (expect.yaml's mirror check, ingress clients). */
export interface ScenarioNeeds {
  mirrorCheck: boolean;
  ingressClients: boolean;
}

const MIRRORING = 'request mirroring';
const GATEWAY = 'a Gateway';

/**
 * The single list of what each mode cannot run. Empty: the mode can run the scenario. The local
 * mesh and proxyless gRPC on kind share the limits of proxyless clients; the local mesh also has no
 * ingress gateway at all.
 */
export function limitations(model: RoutingModel, needs: ScenarioNeeds, mode: RunMode): Limitation[] {
  if (mode === 'kind-envoy') return [];
  const out: Limitation[] = [];
  const mirrors = model.routeTables.some((t) => t.rules.some((r) => r.mirrors.length > 0));
  if (mode === 'local') {
    if (model.gateways.length > 0) out.push({ feature: GATEWAY, why: 'the local mesh has no ingress gateway (proxyless clients route inside the mesh only)' });
    if (mirrors) out.push({ feature: MIRRORING, why: 'proxyless gRPC clients ignore mirror rules' });
    if (needs.mirrorCheck) out.push({ feature: 'a mirror check', why: 'proxyless gRPC clients ignore mirror rules, so nothing is mirrored' });
    return out;
  }
  if (mirrors || needs.mirrorCheck) out.push({ feature: `${MIRRORING} (proxyless gRPC ignores mirror rules)`, why: 'only an Envoy mirrors requests' });
  if (model.gateways.length > 0 || needs.ingressClients) out.push({ feature: 'the Istio ingress gateway (an Envoy)', why: 'proxyless gRPC has no Envoy' });
  return out;
}
