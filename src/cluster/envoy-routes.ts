// "Has the new routing taken effect?" without `istioctl x wait` (removed from Istio): derive from
// a scenario's routing model (src/scenarios/model.ts) the routes Envoy should have, then compare them with what
// `istioctl proxy-config routes <workload> -o json` shows. Istio turns each VirtualService http
// route into one Envoy route, in order, with clusters named outbound|<port>|<subset>|<FQDN>.
import { durationMs } from '../scenarios/istio.ts';
import { clusterName, SERVICE_HOST, type Destination, type HttpRule, type RoutingModel } from '../scenarios/model.ts';

/** The features of one Envoy route that tell scenarios apart. */
export interface RouteSignature {
  /** Cluster name → weight (weight-0 destinations dropped; a single cluster is weight 100). */
  readonly clusters: Readonly<Record<string, number>>;
  /** Header names the route matches on, sorted. */
  readonly headers: readonly string[];
  /** Cluster receiving mirrored copies. */
  readonly mirror?: string;
  /** Route timeout in ms, when the VirtualService sets one. */
  readonly timeoutMs?: number;
  /** Retry attempts, when the VirtualService sets them (0 = no retries). */
  readonly retries?: number;
  /** Whether a fault (abort or delay) is injected. */
  readonly fault: boolean;
}

export interface RoutingContext {
  readonly namespace: string;
  readonly serverPort: number;
}

export function fqdn(host: string, namespace: string): string {
  return host.includes('.') ? host : `${host}.${namespace}.svc.cluster.local`;
}

/** The Envoy cluster of a destination: `outbound|<port>|<subset>|<FQDN>`. */
export function envoyClusterOf(destination: Destination, ctx: RoutingContext): string {
  return clusterName(fqdn(destination.host, ctx.namespace), destination.port ?? ctx.serverPort, destination.subset ?? '');
}

/** The route Envoy (or a proxyless client) gets for one http rule of the model. */
export function signatureOfRule(rule: HttpRule, ctx: RoutingContext): RouteSignature {
  const destinations = rule.destinations;
  const clusters: Record<string, number> = {};
  if (destinations.length === 1) {
    clusters[envoyClusterOf(destinations[0]!, ctx)] = 100;
  } else {
    for (const dst of destinations) if (dst.weight > 0) clusters[envoyClusterOf(dst, ctx)] = dst.weight;
  }
  const headers = [...new Set(rule.matches.flatMap((m) => Object.keys(m.headers)))].sort();
  // Istio's `mirror` (not the `mirrors` list) is the one Envoy shows as the first mirror policy.
  const mirror = rule.mirrors.find((m) => m.field === 'mirror');
  return {
    clusters,
    headers,
    ...(mirror ? { mirror: envoyClusterOf(mirror.destination, ctx) } : {}),
    ...(rule.timeoutMs !== undefined ? { timeoutMs: Math.round(rule.timeoutMs) } : {}),
    ...(rule.retries ? { retries: rule.retries.attempts } : {}),
    fault: rule.fault !== undefined,
  };
}

/** The routes a sidecar calling greeter-server should have while no VirtualService applies. */
export function defaultRoutes(ctx: RoutingContext, host = SERVICE_HOST): RouteSignature[] {
  return [{ clusters: { [envoyClusterOf({ host }, ctx)]: 100 }, headers: [], fault: false }];
}

export interface RoutingExpectation {
  /** Routes of sidecars for `host` (the mesh). */
  readonly mesh: RouteSignature[];
  /** Routes of the ingress gateway, when a VirtualService is bound to a Gateway. */
  readonly gateway?: RouteSignature[];
}

/** What Envoy should show once the scenario's routing model is in effect. */
export function expectedRouting(model: Pick<RoutingModel, 'routeTables'>, ctx: RoutingContext, host = SERVICE_HOST): RoutingExpectation {
  let mesh: RouteSignature[] | undefined;
  let gateway: RouteSignature[] | undefined;
  for (const table of model.routeTables) {
    const routes = table.rules.map((r) => signatureOfRule(r, ctx));
    if (table.gateways.includes('mesh') && table.hosts.some((h) => fqdn(h, ctx.namespace) === fqdn(host, ctx.namespace))) mesh = routes;
    if (table.gateways.some((g) => g !== 'mesh')) gateway = routes;
  }
  return { mesh: mesh ?? defaultRoutes(ctx, host), ...(gateway ? { gateway } : {}) };
}

// --- the Envoy side: istioctl proxy-config routes -o json (an array of RouteConfiguration, protobuf JSON)

interface EnvoyRoute {
  name?: string;
  match?: { headers?: Array<{ name?: string }> };
  route?: {
    cluster?: string;
    weightedClusters?: { clusters?: Array<{ name?: string; weight?: number }> };
    requestMirrorPolicies?: Array<{ cluster?: string }>;
    timeout?: string;
    retryPolicy?: { numRetries?: number };
  };
  typedPerFilterConfig?: Record<string, unknown>;
}
interface EnvoyVirtualHost {
  name?: string;
  domains?: string[];
  routes?: EnvoyRoute[];
}
interface EnvoyRouteConfig {
  name?: string;
  virtualHosts?: EnvoyVirtualHost[];
}

export function signatureOfEnvoyRoute(route: EnvoyRoute): RouteSignature {
  const action = route.route ?? {};
  const clusters: Record<string, number> = {};
  if (action.cluster) clusters[action.cluster] = 100;
  for (const c of action.weightedClusters?.clusters ?? []) {
    if (c.name && (c.weight ?? 0) > 0) clusters[c.name] = c.weight!;
  }
  const headers = [...new Set((route.match?.headers ?? []).map((h) => h.name ?? '').filter((n) => n && !n.startsWith(':')))].sort();
  const mirror = action.requestMirrorPolicies?.[0]?.cluster;
  return {
    clusters,
    headers,
    ...(mirror ? { mirror } : {}),
    ...(action.timeout ? { timeoutMs: Math.round(durationMs(action.timeout)) } : {}),
    ...(action.retryPolicy ? { retries: action.retryPolicy.numRetries ?? 1 } : {}),
    fault: Object.keys(route.typedPerFilterConfig ?? {}).includes('envoy.filters.http.fault'),
  };
}

function describe(sig: RouteSignature): string {
  const parts = [
    Object.entries(sig.clusters)
      .map(([c, w]) => `${c}=${w}`)
      .join(' + ') || '(no cluster)',
  ];
  if (sig.headers.length) parts.push(`headers[${sig.headers.join(',')}]`);
  if (sig.mirror) parts.push(`mirror ${sig.mirror}`);
  if (sig.timeoutMs !== undefined) parts.push(`timeout ${sig.timeoutMs}ms`);
  if (sig.retries !== undefined) parts.push(`retries ${sig.retries}`);
  if (sig.fault) parts.push('fault');
  return parts.join(', ');
}

/**
 * Compare one expected route with one actual route. Istio adds things on its own (a default retry
 * policy, a route timeout of 0s), so a field the VirtualService does not set is not compared.
 */
function sameRoute(expected: RouteSignature, actual: RouteSignature): boolean {
  const ec = Object.entries(expected.clusters).sort();
  const ac = Object.entries(actual.clusters).sort();
  if (JSON.stringify(ec) !== JSON.stringify(ac)) return false;
  if (JSON.stringify(expected.headers) !== JSON.stringify(actual.headers)) return false;
  if ((expected.mirror ?? '') !== (actual.mirror ?? '')) return false;
  if (expected.fault !== actual.fault) return false;
  if (expected.timeoutMs !== undefined && expected.timeoutMs !== actual.timeoutMs) return false;
  if (expected.retries !== undefined && expected.retries !== (actual.retries ?? 0)) return false;
  return true;
}

/** Parse `istioctl proxy-config routes -o json` output (one array of RouteConfiguration). */
export function parseRouteConfigs(json: string): EnvoyRouteConfig[] {
  const data = JSON.parse(json) as unknown;
  if (!Array.isArray(data)) throw new Error('istioctl proxy-config routes -o json did not print an array');
  return data as EnvoyRouteConfig[];
}

/**
 * Undefined when the routes for `domain` match the expectation; else a sentence saying what differs
 * (it ends up in the timeout error when the routing never takes effect).
 */
export function routingMismatch(configs: readonly EnvoyRouteConfig[], domain: string, expected: readonly RouteSignature[]): string | undefined {
  const hosts = configs
    .flatMap((c) => (c.virtualHosts ?? []).map((vh) => ({ config: c.name ?? '', vh })))
    // Sidecars list the bare host and host:port; proxyless (istiod's grpc generator) host:port.
    .filter(({ vh }) => (vh.domains ?? []).some((d) => d === domain || d.startsWith(`${domain}:`)));
  if (hosts.length === 0) return `no virtual host for ${domain} yet`;
  const problems: string[] = [];
  for (const { config, vh } of hosts) {
    const actual = (vh.routes ?? []).map(signatureOfEnvoyRoute);
    const same = actual.length === expected.length && expected.every((e, i) => sameRoute(e, actual[i]!));
    if (same) return undefined;
    problems.push(`route config ${config}, virtual host ${vh.name}: has [${actual.map(describe).join(' ; ')}], want [${expected.map(describe).join(' ; ')}]`);
  }
  return problems.join('\n');
}

// --- endpoints: istioctl proxy-config endpoints <workload> --cluster <name> -o json
// (Envoy's ClusterStatus list: one entry per cluster, hostStatuses with an EDS health status)

interface EnvoyClusterStatus {
  name?: string;
  hostStatuses?: Array<{ healthStatus?: { edsHealthStatus?: string } }>;
}

/** Healthy endpoints of one cluster in `istioctl proxy-config endpoints -o json` output. */
export function healthyEndpoints(json: string, cluster: string): number {
  const data = JSON.parse(json) as unknown;
  if (!Array.isArray(data)) throw new Error('istioctl proxy-config endpoints -o json did not print an array');
  return (data as EnvoyClusterStatus[])
    .filter((c) => c.name === cluster)
    .flatMap((c) => c.hostStatuses ?? [])
    .filter((h) => (h.healthStatus?.edsHealthStatus ?? 'HEALTHY') === 'HEALTHY').length;
}

/**
 * The RouteConfigurations in istiod's `/debug/config_dump?proxyID=…&types=rds` answer for one proxy
 * (what istiod's generator for that proxy, grpc for proxyless clients, sends it). The answer nests
 * them as `Any` values; every object whose `@type` is a RouteConfiguration is taken.
 */
export function routeConfigsOfIstiodDump(json: string): EnvoyRouteConfig[] {
  const found: EnvoyRouteConfig[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record['@type'] === 'string' && record['@type'].endsWith('envoy.config.route.v3.RouteConfiguration')) found.push(record as EnvoyRouteConfig);
      else Object.values(record).forEach(walk);
    }
  };
  // pilot-discovery's own log lines ("2026/12/04 17:04:24 INFO GOMEMLIMIT ...") share its stdout.
  walk(
    JSON.parse(
      json
        .split('\n')
        .filter((line) => !/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} /.test(line))
        .join('\n'),
    ),
  );
  return found;
}

export interface ProxyXdsStatus {
  /** `<pod>.<namespace>` */
  readonly id: string;
  /** Per xDS type (LDS, RDS, CDS, EDS, ...): SYNCED, NOT_SENT, STALE, ERROR (a NACK) or UNKNOWN. */
  readonly types: Readonly<Record<string, string>>;
}

const SHORT_TYPE: Record<string, string> = {
  'envoy.config.listener.v3.Listener': 'LDS',
  'envoy.config.route.v3.RouteConfiguration': 'RDS',
  'envoy.config.cluster.v3.Cluster': 'CDS',
  'envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
};

/**
 * `istioctl proxy-status -o json`: one DiscoveryResponse per istiod whose resources are ClientConfigs
 * (envoy.service.status.v3), each with the sync status of every xDS type for one proxy. Since Istio
 * 1.26 the table no longer shows SYNCED/STALE; the JSON does.
 */
export function parseProxyStatus(output: string): ProxyXdsStatus[] {
  const docs: unknown[] = [];
  // Several istiods print several JSON documents one after the other.
  for (const chunk of output.trim().split(/\n(?=\{)/)) if (chunk.trim()) docs.push(JSON.parse(chunk));
  const statuses: ProxyXdsStatus[] = [];
  for (const doc of docs) {
    for (const resource of ((doc as { resources?: unknown[] }).resources ?? []) as Array<Record<string, unknown>>) {
      const id = (resource.node as { id?: string } | undefined)?.id;
      if (!id) continue;
      const types: Record<string, string> = {};
      for (const config of (resource.genericXdsConfigs ?? []) as Array<{ typeUrl?: string; configStatus?: string }>) {
        const name = (config.typeUrl ?? '').replace(/^type\.googleapis\.com\//, '');
        types[SHORT_TYPE[name] ?? name] = config.configStatus ?? 'UNKNOWN';
      }
      statuses.push({ id: id.replace(/^sidecar~[^~]*~/, '').replace(/~.*$/, ''), types });
    }
  }
  return statuses;
}

/** The NACKs in istiod's log ("ADS:RDS: ACK ERROR <proxy> <code>:<the client's reason>"), of one proxy when named. */
export function nacksInIstiodLog(log: string, proxy?: string): string[] {
  return log.split('\n').filter((line) => line.includes('ACK ERROR') && (proxy === undefined || line.includes(proxy)));
}
