/**
 * What a scenario's rules do to each client, computed from the VirtualService the way Istio applies
 * it: the first http rule whose match fits the client's headers wins, its weights split the calls
 * over subsets, subsets select server versions by label, an abort fault turns a share of calls into
 * a gRPC status. The loader compares this with expect.yaml, so an expectation cannot contradict the
 * rules it is meant to check.
 *
 * It is deliberately partial: when the outcome also depends on the servers (failure rates, delays,
 * connection limits) or on a match field it does not evaluate, it says so and makes no claim.
 */
import type { Expect, ExpectClient } from './expect.ts';
import { ANY_ERROR, ANY_OK, ERROR_CODE_NAMES } from './expect.ts';
import { durationMs, isObject, type DestinationRule, type VirtualService } from './istio.ts';
import { re2FullMatch, re2Problem } from './re2.ts';

/** The service the kit deploys. */
export const SERVICE_HOST = 'greeter-server';
export const SERVICE_PORT = 20000;
/** The gRPC path of the greeter's unary call (HTTP/2 :path, what `uri` matches). */
export const SAYHELLO_PATH = '/api.Greeter/SayHello';
/** Pod labels the chart sets, and the app label's value. */
export const POD_LABEL_KEYS = ['app', 'version'] as const;
export const APP_LABEL = SERVICE_HOST;

export interface Located<T> {
  object: T;
  /** Display path of the file. */
  file: string;
}

export interface RoutingInput {
  virtualServices: ReadonlyArray<Located<VirtualService>>;
  destinationRules: ReadonlyArray<Located<DestinationRule>>;
  expect: Expect;
}

export type Routing =
  | { kind: 'shares'; shares: Map<string, number>; rule: string }
  | { kind: 'no-route'; rule: string }
  | { kind: 'unknown'; reason: string };

/** True when `host` names the kit's service (short name or FQDN). */
export function isServiceHost(host: string): boolean {
  return host === SERVICE_HOST || host.startsWith(`${SERVICE_HOST}.`);
}

/** The gateways a VirtualService applies to (`mesh` when none are named). */
export function gatewaysOf(vs: VirtualService): string[] {
  const g = vs.spec?.gateways;
  return g && g.length > 0 ? g : ['mesh'];
}

/** Versions (from expect.servers) that a subset's labels select, with their replica counts. */
export function versionsForLabels(labels: Record<string, string> | undefined, expect: Expect): Array<{ version: string; replicas: number }> {
  return expect.servers
    .filter((s) => Object.entries(labels ?? {}).every(([k, v]) => (k === 'app' ? v === APP_LABEL : k === 'version' ? v === s.version : false)))
    .map((s) => ({ version: s.version, replicas: s.replicas }));
}

/** Subset definitions for the service, over every DestinationRule for it. */
export function subsetsOf(input: Pick<RoutingInput, 'destinationRules'>): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const { object } of input.destinationRules) {
    if (!isServiceHost(object.spec?.host ?? '')) continue;
    for (const s of object.spec?.subsets ?? []) out.set(s.name, s.labels ?? {});
  }
  return out;
}

type MatchResult = boolean | { unknown: string };

function stringMatches(m: unknown, value: string | undefined): MatchResult {
  if (!isObject(m)) return { unknown: 'unreadable string match' };
  if (m['exact'] !== undefined) return value === m['exact'];
  if (m['prefix'] !== undefined) return value !== undefined && value.startsWith(String(m['prefix']));
  if (m['regex'] !== undefined) {
    if (value === undefined) return false;
    const pattern = String(m['regex']);
    if (re2Problem(pattern)) return { unknown: `regex ${JSON.stringify(pattern)} is not valid RE2` };
    return re2FullMatch(pattern, value);
  }
  return value !== undefined; // `{}`: presence
}

function matchFits(match: Record<string, unknown>, client: ExpectClient): MatchResult {
  for (const key of Object.keys(match)) {
    if (!['name', 'headers', 'withoutHeaders', 'uri', 'method', 'ignoreUriCase'].includes(key)) {
      return { unknown: `match field ${key} is not evaluated by the kit` };
    }
  }
  const headers = (match['headers'] ?? {}) as Record<string, unknown>;
  for (const [name, sm] of Object.entries(headers)) {
    const r = stringMatches(sm, client.headers[name.toLowerCase()]);
    if (r !== true) return r;
  }
  const without = (match['withoutHeaders'] ?? {}) as Record<string, unknown>;
  for (const [name, sm] of Object.entries(without)) {
    const r = stringMatches(sm, client.headers[name.toLowerCase()]);
    if (typeof r !== 'boolean') return r;
    if (r) return false;
  }
  if (match['uri'] !== undefined) {
    const r = stringMatches(match['uri'], SAYHELLO_PATH);
    if (r !== true) return r;
  }
  if (match['method'] !== undefined) {
    const r = stringMatches(match['method'], 'POST');
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

/** What the rules do to one client's calls. */
export function routingFor(input: RoutingInput, client: ExpectClient): Routing {
  const { expect } = input;
  if (expect.servers.some((s) => s.failRate > 0 || s.delayMs > 0)) {
    return { kind: 'unknown', reason: 'servers with a failure rate or a delay: the outcome depends on them, not only on the rules' };
  }
  for (const { object } of input.destinationRules) {
    const tp = object.spec?.trafficPolicy;
    if (tp?.connectionPool || tp?.outlierDetection || (object.spec?.subsets ?? []).some((s) => s.trafficPolicy?.connectionPool || s.trafficPolicy?.outlierDetection)) {
      return { kind: 'unknown', reason: 'connection limits or outlier detection: the outcome depends on load' };
    }
  }
  const candidates = input.virtualServices.filter(({ object }) => {
    const gws = gatewaysOf(object);
    if (client.via === 'ingress') return gws.some((g) => g !== 'mesh');
    return gws.includes('mesh') && (object.spec?.hosts ?? []).some(isServiceHost);
  });
  const shares = new Map<string, number>();
  if (candidates.length === 0) {
    if (client.via === 'ingress') return { kind: 'unknown', reason: 'no VirtualService is bound to a Gateway' };
    byReplicas(expect.servers.map((s) => ({ version: s.version, replicas: s.replicas })), 1, shares);
    return { kind: 'shares', shares, rule: 'no VirtualService: calls are balanced over every pod' };
  }
  const { object: vs, file } = candidates[0]!;
  const subsets = subsetsOf(input);
  const http = vs.spec?.http ?? [];
  for (let i = 0; i < http.length; i++) {
    const rule = http[i]!;
    const matches = rule.match ?? [];
    let fits: MatchResult = matches.length === 0;
    for (const m of matches) {
      const r = matchFits(m as Record<string, unknown>, client);
      if (r === true) {
        fits = true;
        break;
      }
      if (r !== false) fits = r;
    }
    if (typeof fits === 'object') return { kind: 'unknown', reason: fits.unknown };
    if (!fits) continue;
    const where = `${file} spec.http[${i}]`;
    if (rule.redirect || rule.directResponse || rule.delegate) return { kind: 'unknown', reason: `${where} is not a plain route` };
    let served = 1;
    const abort = rule.fault?.abort;
    if (abort) {
      const p = (abort.percentage?.value ?? 100) / 100;
      const code = abort.grpcStatus ?? grpcCodeForHttpStatus(abort.httpStatus ?? 503);
      add(shares, code, p);
      served = 1 - p;
    }
    const delay = rule.fault?.delay;
    if (delay?.fixedDelay && durationMs(delay.fixedDelay) >= client.deadlineMs) {
      return { kind: 'unknown', reason: `${where} delays calls past the client's deadline` };
    }
    const dests = rule.route ?? [];
    for (const d of dests) {
      const w = (dests.length === 1 && d.weight === undefined ? 100 : (d.weight ?? 0)) / 100;
      if (!isServiceHost(d.destination.host)) return { kind: 'unknown', reason: `${where} routes to ${d.destination.host}` };
      const versions = d.destination.subset === undefined
        ? expect.servers.map((s) => ({ version: s.version, replicas: s.replicas }))
        : versionsForLabels(subsets.get(d.destination.subset), expect);
      if (versions.length === 0) {
        add(shares, 'UNAVAILABLE', served * w); // a subset without pods: no healthy upstream
      } else {
        byReplicas(versions, served * w, shares);
      }
    }
    return { kind: 'shares', shares, rule: where };
  }
  return { kind: 'no-route', rule: `${file} spec.http` };
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
