import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffXds, flatten, loadAllowList, normaliseNames, normaliseSemantics, type AllowEntry } from './xds-diff.ts';
import type { FetchedResources } from './xds-fetch.ts';

function routes(action: Record<string, unknown>, extra: Record<string, unknown> = {}): FetchedResources {
  return {
    listeners: {},
    routeConfigurations: {
      'outbound|20000||greeter-server': {
        name: 'outbound|20000||greeter-server',
        virtual_hosts: [{ domains: ['greeter-server:20000'], routes: [{ match: { prefix: '/', case_sensitive: null }, route: action, ...extra }] }],
      },
    },
    clusters: {},
    clusterLoadAssignments: {},
  };
}
const weighted = (...w: Array<[string, number]>) => ({
  cluster_specifier: 'weighted_clusters',
  weighted_clusters: { clusters: w.map(([name, weight]) => ({ name, weight: { value: weight } })) },
});

describe('diffXds', () => {
  it('reports a weight that differs, with both values and the path', () => {
    const d = diffXds(routes(weighted(['v1', 90], ['v2', 10])), routes(weighted(['v1', 80], ['v2', 20])), []);
    expect(d.map((x) => [x.path, x.istiod, x.mesh])).toEqual([
      ['virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].weight.value', '90', '80'],
      ['virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].weight.value', '10', '20'],
    ]);
    expect(d.every((x) => x.allowedBy === undefined)).toBe(true);
  });

  it('marks what an allow-list entry covers (any index, anything under the path), and only for its type', () => {
    const entry: AllowEntry = { type: 'RouteConfiguration', path: 'virtual_hosts[].routes[].decorator', reason: 'a reason long enough to pass' };
    const d = diffXds(routes({ cluster: 'a' }, { decorator: { operation: 'x' } }), routes({ cluster: 'a' }), [entry]);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ path: 'virtual_hosts[0].routes[0].decorator.operation', istiod: '"x"', mesh: 'absent', allowedBy: entry });
    const other = diffXds(routes({ cluster: 'a' }, { decorator: { operation: 'x' } }), routes({ cluster: 'a' }), [{ ...entry, type: 'Cluster' }]);
    expect(other[0]!.allowedBy).toBeUndefined();
    // A prefix of a field name is not its parent: `decorator` does not cover `decorator_x`.
    expect(diffXds(routes({ cluster: 'a' }, { decorator_x: 1 }), routes({ cluster: 'a' }), [entry])[0]!.allowedBy).toBeUndefined();
  });

  it('reports a resource only one plane sent', () => {
    const a = routes({ cluster: 'a' });
    const b = { ...routes({ cluster: 'a' }), clusters: { 'outbound|20000|v1|greeter-server': { name: 'outbound|20000|v1|greeter-server' } } };
    expect(diffXds(a, b, [])).toEqual([{ type: 'Cluster', name: 'outbound|20000|v1|greeter-server', path: '', istiod: 'absent', mesh: 'sent' }]);
  });
});

describe('normalisation', () => {
  it('reads names by the host the client dialled, not the FQDN istiod uses', () => {
    const r = normaliseNames(routes({ cluster: 'outbound|20000|v1|greeter-server.default.svc.cluster.local' }), 'greeter-server', 'default');
    expect(JSON.stringify(r)).not.toContain('svc.cluster.local');
  });

  it('spells alike what grpc-js-xds reads alike, and nothing else', () => {
    const target = 'greeter-server:20000';
    // one weighted cluster = that cluster; gRPC retry codes only, in any order; a zero max_stream_duration = none
    const istiod = normaliseSemantics(
      routes({
        ...weighted(['v2', 100]),
        retry_policy: { retry_on: 'connect-failure,unavailable,cancelled,retriable-status-codes' },
        max_stream_duration: { max_stream_duration: { seconds: '0', nanos: 0 }, grpc_timeout_header_max: null },
      }),
      target,
    );
    const mesh = normaliseSemantics(
      routes({ cluster_specifier: 'cluster', cluster: 'v2', retry_policy: { retry_on: 'cancelled,unavailable' }, max_stream_duration: null }),
      target,
    );
    expect(diffXds(istiod, mesh, [])).toEqual([]);
    // but two weighted clusters, a real timeout or another retry code still differ
    expect(diffXds(normaliseSemantics(routes(weighted(['v1', 0], ['v2', 100])), target), mesh, []).length).toBeGreaterThan(0);
    const timeout = normaliseSemantics(
      routes({
        cluster_specifier: 'cluster',
        cluster: 'v2',
        retry_policy: { retry_on: 'cancelled,unavailable' },
        max_stream_duration: { max_stream_duration: { seconds: '0', nanos: 500_000_000 } },
      }),
      target,
    );
    expect(diffXds(timeout, mesh, []).map((d) => d.path)).toContain('virtual_hosts[0].routes[0].route.max_stream_duration.max_stream_duration.nanos');
    const internal = normaliseSemantics(
      routes({ cluster_specifier: 'cluster', cluster: 'v2', retry_policy: { retry_on: 'cancelled,unavailable,internal' }, max_stream_duration: null }),
      target,
    );
    expect(diffXds(internal, mesh, []).map((d) => d.path)).toEqual(['virtual_hosts[0].routes[0].route.retry_policy.retry_on']);
  });

  it('keeps whether the virtual host matches the target, not which spellings it lists', () => {
    const vh = (domains: string[]) => {
      const r = routes({ cluster: 'a' });
      (r.routeConfigurations['outbound|20000||greeter-server'] as { virtual_hosts: Array<{ domains: string[] }> }).virtual_hosts[0]!.domains = domains;
      return normaliseSemantics(r, 'greeter-server:20000');
    };
    expect(diffXds(vh(['greeter-server', 'greeter-server:20000', 'greeter-server.default.svc']), vh(['greeter-server:20000']), [])).toEqual([]);
    expect(diffXds(vh(['greeter-server']), vh(['greeter-server:20000']), [])).toHaveLength(1);
  });
});

describe('the allow-list', () => {
  it('in the repo loads, and every entry says why', () => {
    const entries = loadAllowList();
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.reason.length).toBeGreaterThanOrEqual(20);
  });

  it('refuses an entry without a reason, naming the entry', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'allow-')), 'allow.yaml');
    writeFileSync(file, '- type: Cluster\n  path: alt_stat_name\n  reason: x\n');
    expect(() => loadAllowList(file)).toThrow(/entry 0\.reason: say why/);
    writeFileSync(file, '- type: Route\n  path: a\n  reason: a reason that is long enough\n');
    expect(() => loadAllowList(file)).toThrow(/entry 0\.type/);
  });
});

it('flatten gives leaf paths, empty containers as leaves', () => {
  expect([...flatten({ a: [{ b: 1 }, []], c: {} })]).toEqual([
    ['a[0].b', 1],
    ['a[1]', []],
    ['c', {}],
  ]);
});
