import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from './load.ts';
import { clusterName } from './model.ts';

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
    expect(scenario('retries').routing.routeTables[0]!.rules.map((r) => r.retries)).toEqual([{ attempts: 0 }, { attempts: 4, perTryTimeoutMs: 2000, retryOn: 'unavailable' }]);
    expect(scenario('weighted-90-10').routing.subsets.map((s) => [s.name, s.labels])).toEqual([['v1', { version: 'v1' }], ['v2', { version: 'v2' }]]);
  });

  it('says per mode what cannot run there, and why', () => {
    const mirror = scenario('mirror-v2');
    expect(mirror.routing.routeTables[0]!.rules[0]!.mirrors).toEqual([{ field: 'mirror', destination: { host: 'greeter-server', subset: 'v2' }, percent: 100 }]);
    expect(mirror.limitations.local.map((l) => l.feature)).toEqual(['request mirroring', 'a mirror check']);
    expect(mirror.limitations['kind-proxyless'].map((l) => l.feature)).toEqual(['request mirroring (proxyless gRPC ignores mirror rules)']);
    expect(mirror.limitations['kind-envoy']).toEqual([]);
    const ingress = scenario('ingress-weighted-70-30');
    expect(ingress.limitations.local.map((l) => l.feature)).toEqual(['a Gateway']);
    expect(ingress.limitations['kind-proxyless'].map((l) => l.feature)).toEqual(['the Istio ingress gateway (an Envoy)']);
    for (const mode of ['local', 'kind-proxyless', 'kind-envoy'] as const) expect(scenario('header-user-admin').limitations[mode]).toEqual([]);
  });

  it('names clusters as istiod does', () => {
    expect(clusterName('greeter-server', 20000, 'v1')).toBe('outbound|20000|v1|greeter-server');
    expect(clusterName('greeter-server', 20000)).toBe('outbound|20000||greeter-server');
  });
});
