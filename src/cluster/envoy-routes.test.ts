import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationMs } from '../scenarios/istio.ts';
import { loadScenario } from '../scenarios/load.ts';
import {
  defaultRoutes,
  expectedRouting,
  healthyEndpoints,
  parseProxyStatus,
  parseRouteConfigs,
  routeConfigsOfIstiodDump,
  routingMismatch,
} from './envoy-routes.ts';
import { REPO_ROOT } from './settings.ts';

const ctx = { namespace: 'canarykit', serverPort: 20000 };
const FQDN = 'greeter-server.canarykit.svc.cluster.local';
const fixtures = join(import.meta.dirname, 'testdata');
const routes = (file: string) => parseRouteConfigs(readFileSync(join(fixtures, 'proxy-config', file), 'utf8'));
const manifests = (name: string) => loadScenario(join(fixtures, 'scenarios', name)).routing;

describe('expected routes from a scenario', () => {
  it('weights become weighted clusters named outbound|port|subset|FQDN', () => {
    expect(expectedRouting(manifests('weighted-90-10'), ctx).mesh).toEqual([
      {
        clusters: { [`outbound|20000|v1|${FQDN}`]: 90, [`outbound|20000|v2|${FQDN}`]: 10 },
        headers: [],
        fault: false,
      },
    ]);
  });

  it('header matches keep their order and their header names', () => {
    expect(expectedRouting(manifests('header-user-admin'), ctx).mesh).toEqual([
      { clusters: { [`outbound|20000|v2|${FQDN}`]: 100 }, headers: ['user'], fault: false },
      { clusters: { [`outbound|20000|v1|${FQDN}`]: 100 }, headers: [], fault: false },
    ]);
  });

  it('a VirtualService bound to a Gateway changes the gateway, not the sidecars', () => {
    const expected = expectedRouting(manifests('ingress-70-30'), ctx);
    expect(expected.mesh).toEqual(defaultRoutes(ctx));
    expect(expected.gateway?.[0]?.clusters).toEqual({ [`outbound|20000|v1|${FQDN}`]: 70, [`outbound|20000|v2|${FQDN}`]: 30 });
  });

  it('no VirtualService means the default route to the whole Service', () => {
    expect(expectedRouting({ routeTables: [] }, ctx).mesh).toEqual([{ clusters: { [`outbound|20000||${FQDN}`]: 100 }, headers: [], fault: false }]);
  });

  it('reads Istio durations', () => {
    expect(durationMs('1s')).toBe(1000);
    expect(durationMs('0.500s')).toBe(500);
    expect(durationMs('250ms')).toBe(250);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(() => durationMs('1 second')).toThrow(/not a duration/);
  });
});

describe('routingMismatch against istioctl proxy-config routes -o json', () => {
  const weighted = expectedRouting(manifests('weighted-90-10'), ctx).mesh;
  const header = expectedRouting(manifests('header-user-admin'), ctx).mesh;

  it('is satisfied when the sidecar has the scenario routes', () => {
    expect(routingMismatch(routes('client-default-weighted-90-10.json'), FQDN, weighted)).toBeUndefined();
    expect(routingMismatch(routes('client-admin-header-user-admin.json'), FQDN, header)).toBeUndefined();
    expect(routingMismatch(routes('client-default-no-rules.json'), FQDN, defaultRoutes(ctx))).toBeUndefined();
  });

  it('says what differs while the old routes are still there', () => {
    const message = routingMismatch(routes('client-default-no-rules.json'), FQDN, weighted);
    expect(message).toContain(`has [outbound|20000||${FQDN}=100, timeout 0ms, retries 2]`);
    expect(message).toContain(`want [outbound|20000|v1|${FQDN}=90 + outbound|20000|v2|${FQDN}=10]`);
    expect(routingMismatch(routes('client-admin-header-user-admin.json'), FQDN, weighted)).toBeDefined();
    expect(routingMismatch(routes('client-default-weighted-90-10.json'), FQDN, defaultRoutes(ctx))).toBeDefined();
  });

  it('tells a weight change apart (70/30 is not 90/10)', () => {
    const seventy = [{ ...weighted[0]!, clusters: { [`outbound|20000|v1|${FQDN}`]: 70, [`outbound|20000|v2|${FQDN}`]: 30 } }];
    expect(routingMismatch(routes('client-default-weighted-90-10.json'), FQDN, seventy)).toBeDefined();
  });

  it('reads the gateway routes by the * virtual host', () => {
    const gateway = expectedRouting(manifests('ingress-70-30'), ctx).gateway!;
    expect(routingMismatch(routes('gateway-ingress-weighted-70-30.json'), '*', gateway)).toBeUndefined();
    expect(routingMismatch(routes('client-default-no-rules.json'), 'greeter-server.other.svc.cluster.local', gateway)).toMatch(/no virtual host/);
  });

  it('sees mirroring, fault injection and timeouts, which leave the clusters unchanged', () => {
    const v1Only = { clusters: { [`outbound|20000|v1|${FQDN}`]: 100 }, headers: [], fault: false };
    expect(routingMismatch(routes('client-default-mirror-v2.json'), FQDN, [{ ...v1Only, mirror: `outbound|20000|v2|${FQDN}` }])).toBeUndefined();
    expect(routingMismatch(routes('client-default-mirror-v2.json'), FQDN, [v1Only])).toBeDefined();
    expect(routingMismatch(routes('client-default-fault-abort.json'), FQDN, [{ ...v1Only, fault: true }])).toBeUndefined();
    expect(routingMismatch(routes('client-default-fault-abort.json'), FQDN, [v1Only])).toBeDefined();
    const split = { clusters: { [`outbound|20000|v1|${FQDN}`]: 50, [`outbound|20000|v2|${FQDN}`]: 50 }, headers: [], fault: false };
    expect(routingMismatch(routes('client-default-timeout.json'), FQDN, [{ ...split, timeoutMs: 1000 }])).toBeUndefined();
    expect(routingMismatch(routes('client-default-timeout.json'), FQDN, [{ ...split, timeoutMs: 2000 }])).toBeDefined();
  });

  it('refuses output that is not a list of route configurations', () => {
    expect(() => parseRouteConfigs('{"error": "pod not found"}')).toThrow(/did not print an array/);
  });
});

// The real scenarios: every one yields an expectation, and the ones with mirror/fault/timeout say so.
describe.runIf(existsSync(join(REPO_ROOT, 'scenarios/mirror-v2')))('expected routes of scenarios/', () => {
  const real = (name: string) => expectedRouting(loadScenario(join(REPO_ROOT, 'scenarios', name)).routing, ctx);
  it('mirror-v2 mirrors to v2, fault-abort injects a fault, timeout sets one, retries sets attempts', () => {
    expect(real('mirror-v2').mesh[0]?.mirror).toBe(`outbound|20000|v2|${FQDN}`);
    expect(real('fault-abort').mesh[0]?.fault).toBe(true);
    expect(real('timeout').mesh[0]?.timeoutMs).toBeGreaterThan(0);
    expect(real('retries').mesh.map((r) => r.retries)).toEqual([0, 4]);
    expect(real('ingress-weighted-70-30').gateway).toHaveLength(1);
  });
});

describe('healthyEndpoints', () => {
  const cluster = `outbound|20000||${FQDN}`;
  const json = (file: string) => readFileSync(join(fixtures, 'proxy-config', file), 'utf8');
  it('counts HEALTHY hosts of one cluster, not draining ones', () => {
    expect(healthyEndpoints(json('client-default-endpoints-v1-v2.json'), cluster)).toBe(2);
    expect(healthyEndpoints(json('client-default-endpoints-rollout.json'), cluster)).toBe(1);
    expect(healthyEndpoints(json('client-default-endpoints-replicas.json'), cluster)).toBe(4);
    expect(healthyEndpoints(json('client-default-endpoints-replicas.json'), `outbound|20000|v1|${FQDN}`)).toBe(0);
  });
});

// Recorded on the real offline kind + Istio cluster (2026-12-04, istiod 1.31-dev, proxyless clients).
describe('istiod output recorded from a real proxyless run', () => {
  const istiod = (name: string) => readFileSync(join(import.meta.dirname, 'testdata/istiod', name), 'utf8');

  it('proxy-status -o json: every proxyless client and its per-type sync status', () => {
    const statuses = parseProxyStatus(istiod('proxy-status-no-rules.json'));
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(statuses.map((s) => s.id.replace(/-[a-z0-9]+-[a-z0-9]+\.canarykit$/, ''))).toEqual(
      expect.arrayContaining(['greeter-client-default-v1', 'greeter-client-admin-v1']),
    );
    for (const s of statuses) expect(s.types).toMatchObject({ LDS: 'SYNCED', RDS: 'SYNCED', CDS: 'SYNCED', EDS: 'SYNCED' });
  });

  it("istiod's config_dump for a client (its own log line on stdout included) matches the default route, and not a weighted one", () => {
    const configs = routeConfigsOfIstiodDump(istiod('config-dump-rds-no-rules.txt'));
    expect(configs).toHaveLength(1);
    expect(routingMismatch(configs, 'greeter-server.canarykit.svc.cluster.local', defaultRoutes(ctx))).toBeUndefined();
    const weighted = [
      {
        ...defaultRoutes(ctx)[0]!,
        clusters: { 'outbound|20000|v1|greeter-server.canarykit.svc.cluster.local': 90, 'outbound|20000|v2|greeter-server.canarykit.svc.cluster.local': 10 },
      },
    ];
    expect(routingMismatch(configs, 'greeter-server.canarykit.svc.cluster.local', weighted)).toMatch(/want/);
  });
});
