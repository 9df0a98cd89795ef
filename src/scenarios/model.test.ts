import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from './load.ts';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { DestinationRule, VirtualService } from './istio.ts';
import { clusterName, LOCAL_UNSUPPORTED, limitations, REFUSED_MATCH_FIELDS, routingModel } from './model.ts';
import { routingFor } from './shares.ts';

const scenario = (name: string) => loadScenario(join(import.meta.dirname, '..', '..', 'scenarios', name));

describe('the routing model', () => {
  it('carries weights, durations in ms, faults and retries, typed', () => {
    expect(scenario('weighted-90-10').routing.routeTables[0]!.rules[0]!.destinations).toEqual([
      { host: 'greeter-server', subset: 'v1', weight: 90 },
      { host: 'greeter-server', subset: 'v2', weight: 10 },
    ]);
    expect(scenario('all-v1').routing.routeTables[0]!.rules.map((r) => r.destinations)).toEqual([[{ host: 'greeter-server', subset: 'v1', weight: 100 }]]);
    expect(scenario('timeout').routing.routeTables[0]!.rules[0]!.timeoutMs).toBe(500);
    expect(scenario('fault-delay').routing.routeTables[0]!.rules[0]!.fault?.delay?.fixedDelayMs).toBe(1000);
    expect(scenario('retries').routing.routeTables[0]!.rules.map((r) => r.retries)).toEqual([
      { attempts: 0, other: [] },
      { attempts: 4, perTryTimeoutMs: 2000, retryOn: 'unavailable', other: [] },
    ]);
    expect(scenario('weighted-90-10').routing.subsets.map((s) => [s.name, s.labels])).toEqual([
      ['v1', { version: 'v1' }],
      ['v2', { version: 'v2' }],
    ]);
  });

  it('says per mode what cannot run there, and why', () => {
    const mirror = scenario('mirror-v2');
    expect(mirror.routing.routeTables[0]!.rules[0]!.mirrors).toEqual([
      { field: 'mirror', destination: { host: 'greeter-server', subset: 'v2' }, percent: 100 },
    ]);
    expect(mirror.limitations.local.map((l) => l.feature)).toEqual([
      'request mirroring',
      'a mirror check',
      'spec.http[0].mirror in scenarios/mirror-v2/virtual-service.yaml',
      'spec.http[0].mirrorPercentage in scenarios/mirror-v2/virtual-service.yaml',
    ]);
    expect(mirror.limitations['kind-proxyless'].map((l) => l.feature)).toEqual(['request mirroring (proxyless gRPC ignores mirror rules)']);
    expect(mirror.limitations['kind-envoy']).toEqual([]);
    const ingress = scenario('ingress-weighted-70-30');
    expect(ingress.limitations.local.map((l) => l.feature)).toEqual(['a Gateway', 'spec.gateways in scenarios/ingress-weighted-70-30/virtual-service.yaml']);
    expect(ingress.limitations['kind-proxyless'].map((l) => l.feature)).toEqual(['the Istio ingress gateway (an Envoy)']);
    for (const mode of ['local', 'kind-proxyless', 'kind-envoy'] as const) expect(scenario('header-user-admin').limitations[mode]).toEqual([]);
  });

  it('names clusters as istiod does', () => {
    expect(clusterName('greeter-server', 20000, 'v1')).toBe('outbound|20000|v1|greeter-server');
    expect(clusterName('greeter-server', 20000)).toBe('outbound|20000||greeter-server');
  });
});

describe('the local list: what proxyless clients cannot do, said once', () => {
  const vs = (rule: Record<string, unknown>): VirtualService =>
    ({
      metadata: { name: 'vs' },
      spec: { hosts: ['greeter-server'], http: [{ route: [{ destination: { host: 'greeter-server' } }], ...rule }] },
    }) as VirtualService;
  const local = (v: VirtualService, dr?: DestinationRule) =>
    limitations(
      routingModel({ virtualServices: [{ object: v, file: 'vs.yaml' }], destinationRules: dr ? [{ object: dr, file: 'dr.yaml' }] : [], gateways: [] }),
      { mirrorCheck: false, ingressClients: false },
      'local',
    );

  it('names the field, its file and the reason', () => {
    expect(local(vs({ rewrite: { uri: '/x' } }))).toEqual([
      { feature: 'spec.http[0].rewrite in vs.yaml', why: LOCAL_UNSUPPORTED.rule['rewrite'], file: 'vs.yaml', field: 'spec.http[0].rewrite' },
    ]);
    expect(local(vs({ match: [{ method: { exact: 'POST' } }] })).map((l) => l.field)).toEqual(['spec.http[0].match[0].method']);
    expect(local(vs({ match: [{ headers: { 'trace-bin': { exact: 'x' } } }] })).map((l) => l.field)).toEqual(['spec.http[0].match[0].headers.trace-bin']);
    expect(local(vs({ retries: { attempts: 2, retryOn: '5xx,unavailable' } }))[0]!.why).toMatch(/"5xx" is not a gRPC status condition/);
    expect(local(vs({ mirrorPercentage: { value: 10 } })).map((l) => l.feature)).toEqual(['request mirroring', 'spec.http[0].mirrorPercentage in vs.yaml']);
    const dr = {
      metadata: { name: 'dr' },
      spec: { host: 'greeter-server', trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' }, outlierDetection: {} } },
    } as DestinationRule;
    expect(local(vs({}), dr).map((l) => [l.field, l.why.slice(0, 20)])).toEqual([
      ['spec.trafficPolicy.outlierDetection', "Istio's outlier dete"],
      ['spec.trafficPolicy.loadBalancer.simple', 'LEAST_REQUEST is not'],
    ]);
    expect(local(vs({}))).toEqual([]);
  });

  it('the loader refuses such a field in a scenario that lists mode local, on the field itself', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'canarykit-model-')), 'rewrite');
    cpSync(join(import.meta.dirname, '..', '..', 'scenarios', 'all-v1'), dir, { recursive: true });
    const file = join(dir, 'virtual-service.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    - route:', '    - rewrite: {uri: /x}\n      route:'));
    expect(() => loadScenario(dir)).toThrow(/virtual-service\.yaml: spec\.http\[0\]\.rewrite: the local mesh .*URI\/authority rewrite is not supported/);
  });
});

describe('queryParams: refused in every mode, from one place (REFUSED_MATCH_FIELDS)', () => {
  const withQueryParams = (name: string, marker: string): string => {
    const dir = join(mkdtempSync(join(tmpdir(), 'canarykit-qp-')), name);
    cpSync(join(import.meta.dirname, '..', '..', 'scenarios', name), dir, { recursive: true });
    const file = join(dir, 'virtual-service.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(marker);
    writeFileSync(file, text.replace(marker, `${marker}\n      match:\n        - queryParams: {debug: {exact: "1"}}`));
    return dir;
  };

  it('the loader refuses it on its file and field, whatever the modes (local and cluster, cluster only)', () => {
    for (const [name, marker] of [
      ['weighted-90-10', '    - name: canary'],
      ['mirror-v2', '    - name: mirror-to-v2'],
    ] as const) {
      const dir = withQueryParams(name, marker);
      expect(() => loadScenario(dir), name).toThrow(
        /virtual-service\.yaml: spec\.http\[0\]\.match\[0\]\.queryParams: gRPC requests have no query parameters.*\(match on request metadata with headers instead\)/,
      );
    }
  });

  it('the projections that see one anyway say the same: translate refuses with the same reason, routingFor makes no claim', async () => {
    const vs = {
      metadata: { name: 'vs' },
      spec: { hosts: ['greeter-server'], http: [{ match: [{ queryParams: { a: { exact: '1' } } }], route: [{ destination: { host: 'greeter-server' } }] }] },
    } as unknown as VirtualService;
    const model = routingModel({ virtualServices: [{ object: vs, file: 'vs.yaml' }], destinationRules: [], gateways: [] });
    const { translate } = await import('../mesh/translate.ts');
    expect(() => translate({ virtualServices: [vs], destinationRules: [], endpoints: [] })).toThrow(
      `VirtualService vs: spec.http[0].match[0].queryParams: ${REFUSED_MATCH_FIELDS['queryParams']!.reason}`,
    );
    const r = routingFor(model, [{ version: 'v1', replicas: 1, failRate: 0, delayMs: 0 }], { headers: {}, via: 'mesh', deadlineMs: 5000 });
    expect(r).toEqual({ kind: 'unknown', reason: 'match field queryParams is not evaluated by the kit' });
  });
});
