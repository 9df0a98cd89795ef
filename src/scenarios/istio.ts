/**
 * Checks on the Istio objects of a scenario, one object at a time: the Istio CRD schema (through
 * the @kubernetes-models/istio classes and their `.validate()`), then what the schema cannot say
 * (it has no unknown-field check, no minimum on weights, no duration or RE2 syntax).
 */
import { DestinationRule as DestinationRuleV1 } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { Gateway as GatewayV1 } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { VirtualService as VirtualServiceV1 } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { DestinationRule as DestinationRuleV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { Gateway as GatewayV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway';
import { VirtualService as VirtualServiceV1beta1 } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { DestinationRule as DestinationRuleV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/DestinationRule';
import { Gateway as GatewayV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/Gateway';
import { VirtualService as VirtualServiceV1alpha3 } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/VirtualService';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { fieldPath } from './errors.ts';
import { GRPC_CODE_NAMES } from './expect.ts';
import { RE2_FIX, re2Problem } from './re2.ts';

export { re2Problem } from './re2.ts';

export type VirtualService = IVirtualService;
export type DestinationRule = IDestinationRule;
export type Gateway = IGateway;
export type IstioKind = 'VirtualService' | 'DestinationRule' | 'Gateway';

/** A problem inside one object; the loader adds the file. */
export interface ObjectProblem {
  field: string;
  reason: string;
  fix: string;
}

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: never) => Validatable;

const MODELS: Record<string, Record<IstioKind, ModelCtor>> = {
  'networking.istio.io/v1': { VirtualService: VirtualServiceV1, DestinationRule: DestinationRuleV1, Gateway: GatewayV1 },
  'networking.istio.io/v1beta1': { VirtualService: VirtualServiceV1beta1, DestinationRule: DestinationRuleV1beta1, Gateway: GatewayV1beta1 },
  'networking.istio.io/v1alpha3': { VirtualService: VirtualServiceV1alpha3, DestinationRule: DestinationRuleV1alpha3, Gateway: GatewayV1alpha3 },
};

export const SUPPORTED_API_VERSIONS = Object.keys(MODELS);

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params?: Record<string, unknown>;
}

/** Which kind a document is, or a problem saying why it is not one the kit knows. */
export function identify(doc: unknown): { kind: IstioKind } | { problem: ObjectProblem } {
  if (!isObject(doc)) {
    return {
      problem: {
        field: '',
        reason: 'the document is not a YAML mapping (a Kubernetes object)',
        fix: 'write an object with apiVersion, kind, metadata and spec',
      },
    };
  }
  const apiVersion = doc['apiVersion'];
  const kind = doc['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return {
      problem: {
        field: typeof apiVersion !== 'string' ? 'apiVersion' : 'kind',
        reason: 'missing apiVersion or kind',
        fix: 'start the object with `apiVersion: networking.istio.io/v1` and its kind',
      },
    };
  }
  const models = MODELS[apiVersion];
  if (!models) {
    return {
      problem: {
        field: 'apiVersion',
        reason: `apiVersion ${apiVersion} is not a routing API the kit handles`,
        fix: `use networking.istio.io/v1 (also accepted: ${SUPPORTED_API_VERSIONS.slice(1).join(', ')})`,
      },
    };
  }
  if (!(kind in models)) {
    return {
      problem: {
        field: 'kind',
        reason: `kind ${kind} is not one a scenario may contain`,
        fix: 'a scenario holds VirtualService, DestinationRule and Gateway objects only',
      },
    };
  }
  return { kind: kind as IstioKind };
}

/** Validate against the Istio CRD schema; one problem per failing field. */
export function schemaProblems(doc: Record<string, unknown>, kind: IstioKind): ObjectProblem[] {
  const Model = MODELS[doc['apiVersion'] as string]![kind];
  const { apiVersion: _a, kind: _k, ...data } = doc;
  try {
    new Model(data as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    const seen = new Set<string>();
    const out: ObjectProblem[] = [];
    for (const e of errors) {
      const field = fieldPath(
        e.instancePath
          .split('/')
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      );
      const reason = ajvReason(e);
      const key = `${field}\u0000${reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ field, reason, fix: `see the Istio ${kind} reference for this field` });
    }
    return out;
  }
}

function ajvReason(e: AjvError): string {
  if (e.keyword === 'required' && e.params && typeof e.params['missingProperty'] === 'string') {
    return `required field ${String(e.params['missingProperty'])} is missing`;
  }
  if (e.keyword === 'not' || e.keyword === 'oneOf') return 'give exactly one of the alternatives (e.g. one of exact, prefix, regex)';
  return `does not match the Istio schema: ${e.message ?? e.keyword}`;
}

// Known fields, for the typo check the schema does not do (kubectl's strict field validation would
// reject these objects, and a dropped `weigth` silently changes routing).
const KNOWN: Record<string, readonly string[]> = {
  vsSpec: ['hosts', 'gateways', 'http', 'tls', 'tcp', 'exportTo'],
  httpRoute: [
    'name',
    'match',
    'route',
    'redirect',
    'directResponse',
    'delegate',
    'rewrite',
    'timeout',
    'retries',
    'fault',
    'mirror',
    'mirrors',
    'mirrorPercentage',
    'mirrorPercent',
    'corsPolicy',
    'headers',
  ],
  httpRouteDestination: ['destination', 'weight', 'headers'],
  destination: ['host', 'subset', 'port'],
  match: [
    'name',
    'uri',
    'scheme',
    'method',
    'authority',
    'headers',
    'port',
    'sourceLabels',
    'gateways',
    'queryParams',
    'ignoreUriCase',
    'withoutHeaders',
    'sourceNamespace',
    'sourceSubnet',
    'statPrefix',
  ],
  stringMatch: ['exact', 'prefix', 'regex'],
  drSpec: ['host', 'trafficPolicy', 'subsets', 'exportTo', 'workloadSelector'],
  subset: ['name', 'labels', 'trafficPolicy'],
};

function unknownKeys(obj: unknown, known: readonly string[], at: string, out: ObjectProblem[]): void {
  if (!isObject(obj)) return;
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      const guess = known.find((k) => editDistance(k, key) <= 2);
      out.push({
        field: `${at}.${key}`,
        reason: `unknown field ${key}`,
        fix: guess ? `did you mean ${guess}?` : `known fields here: ${known.join(', ')}`,
      });
    }
  }
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

const DURATION = /^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/;

function checkDuration(value: unknown, field: string, out: ObjectProblem[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !DURATION.test(value)) {
    out.push({ field, reason: `${JSON.stringify(value)} is not a duration`, fix: 'write a duration such as 500ms, 1s or 1.5s' });
    return;
  }
  if (durationMs(value) < 1) out.push({ field, reason: `${value} is shorter than 1ms`, fix: 'Istio durations must be at least 1ms' });
}

/**
 * A Go-style duration in milliseconds (`1.5s` → 1500; also protobuf JSON's `0.500s`), the one
 * duration parser of the kit. Throws on anything else (scenario files are checked before this).
 */
export function durationMs(value: string): number {
  if (!DURATION.test(value)) throw new Error(`not a duration: ${value}`);
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

function checkPercentage(p: unknown, field: string, out: ObjectProblem[]): void {
  if (!isObject(p) || p['value'] === undefined) return;
  const v = p['value'];
  if (typeof v !== 'number' || v < 0 || v > 100)
    out.push({ field: `${field}.value`, reason: `percentage ${String(v)} is outside 0..100`, fix: 'a percentage is a number from 0 to 100' });
}

function checkStringMatch(m: unknown, field: string, out: ObjectProblem[]): void {
  if (!isObject(m)) return;
  unknownKeys(m, KNOWN['stringMatch']!, field, out);
  if (typeof m['regex'] === 'string') {
    const bad = re2Problem(m['regex']);
    if (bad) out.push({ field: `${field}.regex`, reason: `regex ${JSON.stringify(m['regex'])}: ${bad}`, fix: RE2_FIX });
  }
}

/** The checks the schema does not do, on a VirtualService. */
export function virtualServiceProblems(vs: VirtualService): ObjectProblem[] {
  const out: ObjectProblem[] = [];
  const spec = vs.spec;
  if (!spec) return [{ field: 'spec', reason: 'a VirtualService needs a spec', fix: 'add spec.hosts and spec.http' }];
  unknownKeys(spec, KNOWN['vsSpec']!, 'spec', out);
  if (!spec.hosts || spec.hosts.length === 0)
    out.push({ field: 'spec.hosts', reason: 'no hosts', fix: 'list the service the rule is for, e.g. greeter-server' });
  if (Array.isArray(spec.http) && spec.http.length === 0 && !spec.tcp && !spec.tls) {
    out.push({
      field: 'spec.http',
      reason: 'an empty list of http rules routes no call: every call to the host would fail',
      fix: 'add the rules, ending with one without match (the default route); or delete the VirtualService for no rules at all',
    });
  }
  if (spec.tcp || spec.tls)
    out.push({
      field: spec.tcp ? 'spec.tcp' : 'spec.tls',
      reason: 'gRPC is routed by http rules; tcp/tls rules do not apply to it',
      fix: 'write the rules under spec.http',
    });
  (spec.http ?? []).forEach((route, i) => {
    const at = `spec.http[${i}]`;
    unknownKeys(route, KNOWN['httpRoute']!, at, out);
    (route.match ?? []).forEach((m, j) => {
      unknownKeys(m, KNOWN['match']!, `${at}.match[${j}]`, out);
      for (const key of ['uri', 'scheme', 'method', 'authority'] as const) checkStringMatch(m[key], `${at}.match[${j}].${key}`, out);
      for (const key of ['headers', 'withoutHeaders', 'queryParams'] as const) {
        const map = m[key];
        if (isObject(map)) for (const [h, sm] of Object.entries(map)) checkStringMatch(sm, `${at}.match[${j}].${key}.${h}`, out);
      }
      if (isObject(m.headers)) {
        for (const h of Object.keys(m.headers)) {
          if (h !== h.toLowerCase())
            out.push({
              field: `${at}.match[${j}].headers.${h}`,
              reason: `header name ${h} has capitals; gRPC metadata keys are lowercase and would never match`,
              fix: `write ${h.toLowerCase()}`,
            });
        }
      }
    });
    const dests = route.route ?? [];
    if (dests.length === 0 && !route.redirect && !route.directResponse && !route.delegate) {
      out.push({ field: `${at}.route`, reason: 'the rule has no route', fix: 'add at least one destination under route' });
    }
    let sum = 0;
    let missing = 0;
    dests.forEach((d, k) => {
      unknownKeys(d, KNOWN['httpRouteDestination']!, `${at}.route[${k}]`, out);
      unknownKeys(d.destination, KNOWN['destination']!, `${at}.route[${k}].destination`, out);
      const w = d.weight;
      if (w === undefined) missing++;
      else if (w < 0) out.push({ field: `${at}.route[${k}].weight`, reason: `weight ${w} is negative`, fix: 'weights are whole numbers from 0 to 100' });
      else if (w > 100) out.push({ field: `${at}.route[${k}].weight`, reason: `weight ${w} is more than 100`, fix: 'weights are whole numbers from 0 to 100' });
      sum += w ?? 0;
    });
    if (dests.length > 1 && missing > 0) {
      out.push({
        field: `${at}.route`,
        reason: `${missing} of ${dests.length} destinations have no weight`,
        fix: 'give every destination a weight; the weights must sum to 100',
      });
    } else if (dests.length > 1 || (dests.length === 1 && missing === 0)) {
      if (sum !== 100) out.push({ field: `${at}.route`, reason: `weights sum to ${sum}, they must sum to 100`, fix: 'fix the weights' });
    }
    checkDuration(route.timeout, `${at}.timeout`, out);
    if (route.retries) {
      checkDuration(route.retries.perTryTimeout, `${at}.retries.perTryTimeout`, out);
      if (route.retries.attempts !== undefined && route.retries.attempts < 0) {
        out.push({ field: `${at}.retries.attempts`, reason: `attempts ${route.retries.attempts} is negative`, fix: 'use 0 (no retries) or more' });
      }
    }
    const fault = route.fault;
    if (fault?.delay) {
      checkDuration(fault.delay.fixedDelay, `${at}.fault.delay.fixedDelay`, out);
      checkPercentage(fault.delay.percentage, `${at}.fault.delay.percentage`, out);
    }
    if (fault?.abort) {
      checkPercentage(fault.abort.percentage, `${at}.fault.abort.percentage`, out);
      const g = fault.abort.grpcStatus;
      if (g !== undefined && !(GRPC_CODE_NAMES as readonly string[]).includes(g)) {
        out.push({
          field: `${at}.fault.abort.grpcStatus`,
          reason: `${g} is not a gRPC status name`,
          fix: 'use a name in capitals such as UNAVAILABLE (not the number 14)',
        });
      }
    }
    checkPercentage(route.mirrorPercentage, `${at}.mirrorPercentage`, out);
  });
  return out;
}

/** The checks the schema does not do, on a DestinationRule. */
export function destinationRuleProblems(dr: DestinationRule): ObjectProblem[] {
  const out: ObjectProblem[] = [];
  const spec = dr.spec;
  if (!spec) return [{ field: 'spec', reason: 'a DestinationRule needs a spec', fix: 'add spec.host and spec.subsets' }];
  unknownKeys(spec, KNOWN['drSpec']!, 'spec', out);
  const names = new Set<string>();
  (spec.subsets ?? []).forEach((s, i) => {
    unknownKeys(s, KNOWN['subset']!, `spec.subsets[${i}]`, out);
    if (names.has(s.name)) out.push({ field: `spec.subsets[${i}].name`, reason: `subset ${s.name} is defined twice`, fix: 'give each subset its own name' });
    names.add(s.name);
  });
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
