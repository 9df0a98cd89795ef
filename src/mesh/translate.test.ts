import { describe, expect, it } from 'vitest';
import { TYPE_URL } from './protos.ts';
import {
  clusterName,
  DEFAULT_RETRY_POLICY,
  FAULT_FILTER_NAME,
  duration,
  translate,
  UnsupportedFeatureError,
  type DestinationRule,
  type MeshConfig,
  type MeshEndpoint,
  type VirtualService,
  type XdsMessage,
} from './translate.ts';

const HOST = 'greeter-server';
const endpoints: MeshEndpoint[] = [
  { host: HOST, port: 20000, address: '127.0.0.1', endpointPort: 40001, labels: { app: HOST, version: 'v1' } },
  { host: HOST, port: 20000, address: '127.0.0.1', endpointPort: 40002, labels: { app: HOST, version: 'v2' } },
];
const dr = (spec: Record<string, unknown> = {}): DestinationRule =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: HOST },
    spec: {
      host: HOST,
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
      ...spec,
    },
  }) as DestinationRule;
const vsSpec = (spec: Record<string, unknown>): VirtualService =>
  ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: HOST }, spec: { hosts: [HOST], ...spec } }) as VirtualService;
const vs = (http: unknown[]): VirtualService => vsSpec({ http });
const to = (subset: string, weight?: number): object => ({ destination: { host: HOST, subset }, ...(weight === undefined ? {} : { weight }) });

function config(virtualServices: VirtualService[], destinationRules: DestinationRule[] = [dr()]): MeshConfig {
  return { virtualServices, destinationRules, endpoints };
}

function routes(c: MeshConfig): XdsMessage[] {
  const rc = translate(c).routeConfigurations.get(`outbound|20000||${HOST}`) as { virtual_hosts: { domains: string[]; routes: XdsMessage[] }[] };
  return rc.virtual_hosts[0]!.routes;
}

function refusal(c: MeshConfig): string {
  try {
    translate(c);
  } catch (e) {
    expect(e).toBeInstanceOf(UnsupportedFeatureError);
    return (e as Error).message;
  }
  throw new Error('translate() accepted the config');
}

describe('translate: resources', () => {
  it('without rules: listeners, RDS route to the all-endpoints cluster, EDS with weighted locality', () => {
    const s = translate({ virtualServices: [], destinationRules: [], endpoints });
    expect([...s.listeners.keys()].sort()).toEqual([HOST, `${HOST}:20000`]);
    const hcm = (s.listeners.get(`${HOST}:20000`) as { api_listener: { api_listener: Record<string, unknown> } }).api_listener.api_listener;
    expect(hcm['@type']).toBe(TYPE_URL.httpConnectionManager);
    expect(hcm['rds']).toEqual({ config_source: { ads: {} }, route_config_name: `outbound|20000||${HOST}` });
    // fault filter always present, router last
    expect((hcm['http_filters'] as { name: string; typed_config: { '@type': string } }[]).map((f) => f.typed_config['@type'])).toEqual([
      TYPE_URL.httpFault,
      TYPE_URL.router,
    ]);
    const rc = s.routeConfigurations.get(`outbound|20000||${HOST}`) as { virtual_hosts: { domains: string[]; routes: XdsMessage[] }[] };
    expect(rc.virtual_hosts[0]!.domains).toEqual([`${HOST}:20000`, HOST]);
    expect(rc.virtual_hosts[0]!.routes).toEqual([
      { name: 'default', match: { prefix: '/' }, route: { cluster: `outbound|20000||${HOST}`, retry_policy: DEFAULT_RETRY_POLICY } },
    ]);
    expect([...s.clusters.keys()]).toEqual([`outbound|20000||${HOST}`]);
    expect(s.clusters.get(`outbound|20000||${HOST}`)).toMatchObject({
      type: 'EDS',
      lb_policy: 'ROUND_ROBIN',
      eds_cluster_config: { eds_config: { ads: {} }, service_name: `outbound|20000||${HOST}` },
    });
    const cla = s.clusterLoadAssignments.get(`outbound|20000||${HOST}`) as { endpoints: Record<string, unknown>[] };
    expect(cla.endpoints).toHaveLength(1);
    expect(cla.endpoints[0]!['load_balancing_weight']).toEqual({ value: 1 });
    expect(
      (cla.endpoints[0]!['lb_endpoints'] as { endpoint: { address: { socket_address: unknown } } }[]).map((e) => e.endpoint.address.socket_address),
    ).toEqual([
      { address: '127.0.0.1', port_value: 40001 },
      { address: '127.0.0.1', port_value: 40002 },
    ]);
  });

  it('names subset clusters outbound|port|subset|host and selects endpoints by labels; empty subsets get an empty assignment', () => {
    const rule = dr({
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v3', labels: { version: 'v3' } },
      ],
    });
    const s = translate(config([], [rule]));
    expect([...s.clusters.keys()].sort()).toEqual([clusterName(HOST, 20000), clusterName(HOST, 20000, 'v1'), clusterName(HOST, 20000, 'v3')].sort());
    expect(clusterName(HOST, 20000, 'v1')).toBe('outbound|20000|v1|greeter-server');
    const v1 = s.clusterLoadAssignments.get('outbound|20000|v1|greeter-server') as { endpoints: { lb_endpoints: unknown[] }[] };
    expect(v1.endpoints[0]!.lb_endpoints).toHaveLength(1);
    expect(JSON.stringify(v1)).toContain('40001');
    expect(JSON.stringify(v1)).not.toContain('40002');
    expect(s.clusterLoadAssignments.get('outbound|20000|v3|greeter-server')).toEqual({ cluster_name: 'outbound|20000|v3|greeter-server', endpoints: [] });
  });

  it('translates header matches: exact, prefix, regex (grouped), withoutHeaders, and FQDN hosts', () => {
    const r = routes(
      config([
        vs([
          { match: [{ headers: { user: { exact: 'admin' } } }, { headers: { 'X-Dark-Launch': { prefix: 'v2' } } }], route: [to('v2')] },
          { name: 'rx', match: [{ name: 'canary', headers: { 'x-dark-launch': { regex: 'v2|canary' } } }], route: [to('v2')] },
          { match: [{ withoutHeaders: { user: { exact: 'bot' } } }], route: [{ destination: { host: `${HOST}.default.svc.cluster.local`, subset: 'v1' } }] },
        ]),
      ]),
    );
    expect(r.map((x) => x['name'])).toEqual(['route-0.match-0', 'route-0.match-1', 'rx.canary', 'route-2.match-0']);
    expect(r[0]).toEqual({
      name: 'route-0.match-0',
      match: { prefix: '/', headers: [{ name: 'user', string_match: { exact: 'admin' } }] },
      route: { cluster: 'outbound|20000|v2|greeter-server', retry_policy: DEFAULT_RETRY_POLICY },
    });
    expect((r[1]!['match'] as XdsMessage)['headers']).toEqual([{ name: 'x-dark-launch', string_match: { prefix: 'v2' } }]);
    expect((r[2]!['match'] as XdsMessage)['headers']).toEqual([{ name: 'x-dark-launch', string_match: { safe_regex: { regex: '(?:v2|canary)' } } }]);
    expect((r[3]!['match'] as XdsMessage)['headers']).toEqual([{ name: 'user', string_match: { exact: 'bot' }, invert_match: true }]);
    expect(r[3]!['route']).toEqual({ cluster: 'outbound|20000|v1|greeter-server', retry_policy: DEFAULT_RETRY_POLICY });
  });

  it("translates RE2-only syntax as written (the loader checked it with the clients' re2-wasm)", () => {
    for (const regex of ['(?i)admin', '(?P<who>admin)', '\\p{L}+']) {
      const r = routes(config([vs([{ match: [{ headers: { user: { regex } } }], route: [to('v2')] }, { route: [to('v1')] }])]));
      expect((r[0]!['match'] as XdsMessage)['headers']).toEqual([{ name: 'user', string_match: { safe_regex: { regex: `(?:${regex})` } } }]);
    }
  });

  it('translates uri matches on the gRPC path', () => {
    const r = routes(
      config([vs([{ match: [{ uri: { exact: '/api.Greeter/SayHello' } }, { uri: { prefix: '/api.' }, ignoreUriCase: true }], route: [to('v2')] }])]),
    );
    expect(r[0]!['match']).toEqual({ path: '/api.Greeter/SayHello' });
    expect(r[1]!['match']).toEqual({ prefix: '/api.', case_sensitive: { value: false } });
  });

  it('translates weights to weighted_clusters, drops zero weights, single destination to cluster', () => {
    expect(routes(config([vs([{ route: [to('v1', 90), to('v2', 10)] }])]))[0]!['route']).toEqual({
      weighted_clusters: {
        clusters: [
          { name: 'outbound|20000|v1|greeter-server', weight: { value: 90 } },
          { name: 'outbound|20000|v2|greeter-server', weight: { value: 10 } },
        ],
      },
      retry_policy: DEFAULT_RETRY_POLICY,
    });
    expect(routes(config([vs([{ route: [to('v1', 0), to('v2', 100)] }])]))[0]!['route']).toMatchObject({ cluster: 'outbound|20000|v2|greeter-server' });
    expect(routes(config([vs([{ route: [{ destination: { host: HOST } }] }])]))[0]!['route']).toMatchObject({ cluster: 'outbound|20000||greeter-server' });
  });

  it('translates fault abort (grpc and http) and delay into a per-route HTTPFault', () => {
    const r = routes(
      config([
        vs([
          { match: [{ headers: { user: { exact: 'a' } } }], fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 50 } } }, route: [to('v1')] },
          { match: [{ headers: { user: { exact: 'b' } } }], fault: { abort: { httpStatus: 503 } }, route: [to('v1')] },
          { fault: { delay: { fixedDelay: '1.5s', percentage: { value: 12.5 } } }, route: [to('v1')] },
        ]),
      ]),
    );
    expect(r[0]!['typed_per_filter_config']).toEqual({
      [FAULT_FILTER_NAME]: { '@type': TYPE_URL.httpFault, abort: { grpc_status: 14, percentage: { numerator: 500_000, denominator: 'MILLION' } } },
    });
    expect(r[1]!['typed_per_filter_config']).toEqual({
      [FAULT_FILTER_NAME]: { '@type': TYPE_URL.httpFault, abort: { http_status: 503, percentage: { numerator: 1_000_000, denominator: 'MILLION' } } },
    });
    expect(r[2]!['typed_per_filter_config']).toEqual({
      [FAULT_FILTER_NAME]: {
        '@type': TYPE_URL.httpFault,
        delay: { fixed_delay: { seconds: 1, nanos: 500_000_000 }, percentage: { numerator: 125_000, denominator: 'MILLION' } },
      },
    });
  });

  it('translates timeout to max_stream_duration and retries to a gRPC retry_policy', () => {
    const s = translate(
      config([vs([{ timeout: '0.5s', retries: { attempts: 3, retryOn: 'unavailable,cancelled', perTryTimeout: '2s' }, route: [to('v1')] }])]),
    );
    const route = (s.routeConfigurations.get(`outbound|20000||${HOST}`) as { virtual_hosts: { routes: XdsMessage[] }[] }).virtual_hosts[0]!.routes[0]!;
    expect(route['route']).toEqual({
      cluster: 'outbound|20000|v1|greeter-server',
      max_stream_duration: { max_stream_duration: { seconds: 0, nanos: 500_000_000 } },
      retry_policy: { retry_on: 'unavailable,cancelled', num_retries: { value: 3 }, per_try_timeout: { seconds: 2, nanos: 0 } },
    });
    expect(s.warnings.join('\n')).toContain('perTryTimeout');
    // attempts 0 disables retries; default retryOn is the gRPC part of Istio's default
    expect(routes(config([vs([{ retries: { attempts: 0 }, route: [to('v1')] }])]))[0]!['route']).toEqual({ cluster: 'outbound|20000|v1|greeter-server' });
    expect((routes(config([vs([{ retries: { attempts: 2 }, route: [to('v1')] }])]))[0]!['route'] as XdsMessage)['retry_policy']).toEqual({
      retry_on: 'unavailable,cancelled',
      num_retries: { value: 2 },
    });
  });

  it('translates connectionPool limits to circuit_breakers max_requests (subset policy overrides host policy)', () => {
    const s = translate(
      config(
        [],
        [
          dr({
            trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: { http: { http2MaxRequests: 10, http1MaxPendingRequests: 1 } } },
            subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } } }],
          }),
        ],
      ),
    );
    expect(s.clusters.get('outbound|20000||greeter-server')!['circuit_breakers']).toEqual({
      thresholds: [{ priority: 'DEFAULT', max_requests: { value: 10 } }],
    });
    expect(s.clusters.get('outbound|20000|v1|greeter-server')!['circuit_breakers']).toEqual({
      thresholds: [{ priority: 'DEFAULT', max_requests: { value: 1 } }],
    });
    expect(s.warnings.join('\n')).toContain('http1MaxPendingRequests');
  });

  it('writes durations (ms in the model) as protobuf Durations', () => {
    expect(duration(100)).toEqual({ seconds: 0, nanos: 100_000_000 });
    expect(duration(90_000)).toEqual({ seconds: 90, nanos: 0 });
    expect(duration(1500)).toEqual({ seconds: 1, nanos: 500_000_000 });
  });

  it('is deterministic', () => {
    const c = config([vs([{ route: [to('v1', 70), to('v2', 30)] }])]);
    expect(JSON.stringify([...translate(c).routeConfigurations])).toBe(JSON.stringify([...translate(c).routeConfigurations]));
  });
});

// Malformed objects (weights that do not sum to 100, unknown subsets or fields, RE2 errors) are the
// loader's to refuse (src/scenarios/load.test.ts); translate() refuses what the local mesh cannot do.
describe("translate: refusals name the field and the reason (the model's local list)", () => {
  it('refuses mirroring', () => {
    const msg = refusal(config([vs([{ route: [to('v1')], mirror: { host: HOST, subset: 'v2' }, mirrorPercentage: { value: 100 } }])]));
    expect(msg).toContain('VirtualService greeter-server: spec.http[0].mirror');
    expect(msg).toContain('mirroring is not supported by proxyless gRPC');
    expect(msg).toContain('cluster driver');
    expect(refusal(config([vs([{ route: [to('v1')], mirrorPercentage: { value: 10 } }])]))).toContain('spec.http[0].mirrorPercentage');
  });

  it('refuses gateways other than mesh, at the VirtualService and at the match', () => {
    expect(refusal(config([vsSpec({ gateways: ['greeter-gateway'], http: [{ route: [to('v1')] }] })]))).toMatch(
      /spec\.gateways: gateway "greeter-gateway": the local mesh has no ingress gateway/,
    );
    expect(refusal(config([vs([{ match: [{ gateways: ['mesh', 'gw'] }], route: [to('v1')] }])]))).toContain('spec.http[0].match[0].gateways');
    expect(() => translate(config([vsSpec({ gateways: ['mesh'], http: [{ route: [to('v1')] }] })]))).not.toThrow();
  });

  it('refuses rewrite, corsPolicy, redirect and header manipulation', () => {
    expect(refusal(config([vs([{ rewrite: { uri: '/x' }, route: [to('v1')] }])]))).toContain('spec.http[0].rewrite: URI/authority rewrite');
    expect(refusal(config([vs([{ corsPolicy: {}, route: [to('v1')] }])]))).toContain('spec.http[0].corsPolicy');
    expect(refusal(config([vs([{ redirect: { uri: '/' } }])]))).toContain('spec.http[0].redirect');
    expect(refusal(config([vs([{ headers: { request: { set: { a: 'b' } } }, route: [to('v1')] }])]))).toContain('spec.http[0].headers');
    expect(refusal(config([vs([{ route: [{ ...to('v1'), headers: { request: { set: { a: 'b' } } } }] }])]))).toContain(
      'spec.http[0].route[0].headers: header manipulation',
    );
  });

  it('refuses matches the client cannot evaluate', () => {
    expect(refusal(config([vs([{ match: [{ sourceLabels: { app: 'x' } }], route: [to('v1')] }])]))).toContain('spec.http[0].match[0].sourceLabels');
    expect(refusal(config([vs([{ match: [{ method: { exact: 'GET' } }], route: [to('v1')] }])]))).toContain('match[0].method');
    expect(refusal(config([vs([{ match: [{ headers: { 'trace-bin': { exact: 'x' } } }], route: [to('v1')] }])]))).toContain(
      'headers.trace-bin: pseudo-headers, grpc- and binary',
    );
  });

  it('refuses faults and retries the client cannot honour', () => {
    expect(refusal(config([vs([{ fault: { abort: { http2Error: 'x' } }, route: [to('v1')] }])]))).toContain('fault.abort.http2Error');
    expect(refusal(config([vs([{ retries: { attempts: 2, retryOn: '5xx,unavailable' }, route: [to('v1')] }])]))).toContain(
      'spec.http[0].retries.retryOn: "5xx" is not a gRPC status condition',
    );
  });

  it('refuses unsupported DestinationRule policies', () => {
    expect(refusal(config([], [dr({ trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } })]))).toContain(
      'DestinationRule greeter-server: spec.trafficPolicy.loadBalancer.simple: LEAST_REQUEST is not supported by grpc-js-xds',
    );
    expect(refusal(config([], [dr({ trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1 } } })]))).toContain('outlierDetection');
    expect(refusal(config([], [dr({ trafficPolicy: { portLevelSettings: [] } })]))).toContain('portLevelSettings');
  });

  it('refuses endpoints that grpc-js-xds cannot use', () => {
    expect(refusal({ virtualServices: [], destinationRules: [], endpoints: [{ ...endpoints[0]!, address: 'localhost' }] })).toContain('IP literal');
  });
});
