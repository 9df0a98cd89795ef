/**
 * What a scenario's rules do to each client, a projection of the routing model (model.ts) the way
 * Istio applies it: the first http rule whose match fits the client's headers wins, its weights
 * split the calls over subsets, subsets select server versions by label, an abort fault turns a
 * share of calls into a gRPC status. The loader compares this with expect.yaml, so an expectation
 * cannot contradict the rules it is meant to check.
 *
 * It is deliberately partial: when the outcome also depends on the servers (failure rates, delays,
 * connection limits) or on a match field it does not evaluate, it says so and makes no claim.
 */
import type { ExpectClient, ExpectServer } from './expect.ts';
import { ANY_ERROR, ANY_OK, ERROR_CODE_NAMES } from './expect.ts';
import { APP_LABEL, SAYHELLO_PATH, isServiceHost, type RequestMatch, type RoutingModel, type StringMatch } from './model.ts';
import { re2FullMatch, re2Problem } from './re2.ts';

export type Routing = { kind: 'shares'; shares: Map<string, number>; rule: string } | { kind: 'no-route'; rule: string } | { kind: 'unknown'; reason: string };

type Server = Pick<ExpectServer, 'version' | 'replicas' | 'failRate' | 'delayMs'>;

/** Versions (of `servers`) that a subset's labels select, with their replica counts. */
export function versionsForLabels(labels: Record<string, string> | undefined, servers: readonly Server[]): Array<{ version: string; replicas: number }> {
  return servers
    .filter((s) => Object.entries(labels ?? {}).every(([k, v]) => (k === 'app' ? v === APP_LABEL : k === 'version' ? v === s.version : false)))
    .map((s) => ({ version: s.version, replicas: s.replicas }));
}

type MatchResult = boolean | { unknown: string };

function stringMatches(m: StringMatch, value: string | undefined): MatchResult {
  if ('exact' in m) return value === m.exact;
  if ('prefix' in m) return value?.startsWith(m.prefix) === true;
  if ('regex' in m) {
    if (value === undefined) return false;
    if (re2Problem(m.regex)) return { unknown: `regex ${JSON.stringify(m.regex)} is not valid RE2` };
    return re2FullMatch(m.regex, value);
  }
  return value !== undefined; // `{}`: presence
}

function matchFits(match: RequestMatch, client: Pick<ExpectClient, 'headers'>): MatchResult {
  const unevaluated = [...(match.port !== undefined ? ['port'] : []), ...(match.gateways ? ['gateways'] : []), ...match.other];
  if (unevaluated.length > 0) return { unknown: `match field ${unevaluated[0]} is not evaluated by the kit` };
  for (const [name, sm] of Object.entries(match.headers)) {
    const r = stringMatches(sm, client.headers[name]);
    if (r !== true) return r;
  }
  for (const [name, sm] of Object.entries(match.withoutHeaders)) {
    const r = stringMatches(sm, client.headers[name]);
    if (typeof r !== 'boolean') return r;
    if (r) return false;
  }
  if (match.uri !== undefined) {
    const r = stringMatches(match.uri, SAYHELLO_PATH);
    if (r !== true) return r;
  }
  if (match.method !== undefined) {
    const r = stringMatches(match.method, 'POST');
    if (r !== true) return r;
  }
  return true;
}

/** gRPC code a client sees for an HTTP status from the mesh (the gRPC HTTP-to-status mapping). */
export function grpcCodeForHttpStatus(status: number): string {
  if (status === 400) return 'INTERNAL';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'UNIMPLEMENTED';
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'UNAVAILABLE';
  return 'UNKNOWN';
}

function add(shares: Map<string, number>, key: string, value: number): void {
  if (value === 0 && shares.has(key)) return;
  shares.set(key, (shares.get(key) ?? 0) + value);
}

function byReplicas(versions: Array<{ version: string; replicas: number }>, weight: number, shares: Map<string, number>): void {
  const total = versions.reduce((a, v) => a + v.replicas, 0);
  for (const v of versions) add(shares, v.version, (weight * v.replicas) / total);
}

const NOT_A_ROUTE = ['redirect', 'directResponse', 'delegate'];

/** What the rules do to one client's calls. */
export function routingFor(model: RoutingModel, servers: readonly Server[], client: Pick<ExpectClient, 'headers' | 'via' | 'deadlineMs'>): Routing {
  if (servers.some((s) => s.failRate > 0 || s.delayMs > 0)) {
    return { kind: 'unknown', reason: 'servers with a failure rate or a delay: the outcome depends on them, not only on the rules' };
  }
  if (model.loadDependent) return { kind: 'unknown', reason: 'connection limits or outlier detection: the outcome depends on load' };
  const candidates = model.routeTables.filter((t) => {
    if (client.via === 'ingress') return t.gateways.some((g) => g !== 'mesh');
    return t.gateways.includes('mesh') && t.hosts.some(isServiceHost);
  });
  const shares = new Map<string, number>();
  const everyPod = servers.map((s) => ({ version: s.version, replicas: s.replicas }));
  if (candidates.length === 0) {
    if (client.via === 'ingress') return { kind: 'unknown', reason: 'no VirtualService is bound to a Gateway' };
    byReplicas(everyPod, 1, shares);
    return { kind: 'shares', shares, rule: 'no VirtualService: calls are balanced over every pod' };
  }
  const table = candidates[0]!;
  const subsets = new Map(model.subsets.map((s) => [s.name, s.labels]));
  for (const rule of table.rules) {
    let fits: MatchResult = rule.matches.length === 0;
    for (const m of rule.matches) {
      const r = matchFits(m, client);
      if (r === true) {
        fits = true;
        break;
      }
      if (r !== false) fits = r;
    }
    if (typeof fits === 'object') return { kind: 'unknown', reason: fits.unknown };
    if (!fits) continue;
    if (rule.other.some((o) => NOT_A_ROUTE.includes(o))) return { kind: 'unknown', reason: `${rule.where} is not a plain route` };
    let served = 1;
    const abort = rule.fault?.abort;
    if (abort) {
      const p = abort.percent / 100;
      add(shares, abort.grpcStatus ?? grpcCodeForHttpStatus(abort.httpStatus ?? 503), p);
      served = 1 - p;
    }
    const delay = rule.fault?.delay;
    if (delay && delay.fixedDelayMs >= client.deadlineMs) return { kind: 'unknown', reason: `${rule.where} delays calls past the client's deadline` };
    for (const d of rule.destinations) {
      const w = d.weight / 100;
      if (!isServiceHost(d.host)) return { kind: 'unknown', reason: `${rule.where} routes to ${d.host}` };
      const versions = d.subset === undefined ? everyPod : versionsForLabels(subsets.get(d.subset), servers);
      if (versions.length === 0)
        add(shares, 'UNAVAILABLE', served * w); // a subset without pods: no healthy upstream
      else byReplicas(versions, served * w, shares);
    }
    return { kind: 'shares', shares, rule: rule.where };
  }
  return { kind: 'no-route', rule: `${table.file} spec.http` };
}

/** The share an outcome key gets under computed shares (`ok`, `error` and unions add up). */
export function shareOfKey(key: string, shares: ReadonlyMap<string, number>, versions: ReadonlySet<string>): number {
  let total = 0;
  for (const part of key.split('|')) {
    if (part === ANY_OK) {
      for (const [k, v] of shares) if (versions.has(k)) total += v;
    } else if (part === ANY_ERROR) {
      for (const [k, v] of shares) if (ERROR_CODE_NAMES.includes(k)) total += v;
    } else {
      total += shares.get(part) ?? 0;
    }
  }
  return total;
}
