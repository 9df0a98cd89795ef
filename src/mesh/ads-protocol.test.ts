/**
 * The ADS protocol as a raw client sees it: state-of-the-world responses, widening subscriptions,
 * ACK/NACK, pushes on apply(), and resilience to garbage requests.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshControlPlane } from './control-plane.ts';
import { envoyGrpcObject, TYPE_URL } from './protos.ts';
import type { MeshEndpoint } from './translate.ts';

interface Response {
  version_info: string;
  type_url: string;
  nonce: string;
  resources: { type_url: string; value: Buffer }[];
}

/** Field 1 (name / cluster_name) of an encoded Listener, RouteConfiguration, Cluster or ClusterLoadAssignment. */
function nameOf(value: Buffer): string {
  expect(value[0]).toBe(0x0a); // field 1, length-delimited
  let len = 0;
  let shift = 0;
  let i = 1;
  for (;;) {
    const b = value[i++]!;
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return value.subarray(i, i + len).toString('utf8');
}

class RawAdsClient {
  readonly call: grpc.ClientDuplexStream<object, Response>;
  readonly client: grpc.Client;
  #queue: Response[] = [];
  #waiters: ((r: Response) => void)[] = [];

  constructor(address: string) {
    const Ads = (envoyGrpcObject() as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } })
      .envoy.service.discovery.v3.AggregatedDiscoveryService;
    this.client = new Ads(address, grpc.credentials.createInsecure());
    this.call = (this.client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<object, Response> }).StreamAggregatedResources();
    this.call.on('data', (r: Response) => {
      const w = this.#waiters.shift();
      if (w) w(r);
      else this.#queue.push(r);
    });
    this.call.on('error', () => {});
  }

  send(req: object): void {
    this.call.write({ node: { id: 'raw', locality: {} }, ...req });
  }

  next(timeoutMs = 3000): Promise<Response> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter = (r: Response): void => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error('no response'));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Resolves true if no response arrives within `ms`. */
  async silent(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}

const endpoints: MeshEndpoint[] = [
  { host: 'greeter-server', port: 20000, address: '127.0.0.1', endpointPort: 40001, labels: { version: 'v1' } },
  { host: 'other', port: 7000, address: '127.0.0.1', endpointPort: 40003, labels: {} },
];

describe('ADS protocol', () => {
  let cp: MeshControlPlane;
  const log: string[] = [];
  beforeAll(async () => {
    cp = await MeshControlPlane.start({ log: (l) => log.push(l) });
    cp.apply({ virtualServices: [], destinationRules: [], endpoints });
  });
  afterAll(() => cp.stop());

  it('answers, widens subscriptions by name, logs NACKs, ignores garbage and pushes on apply', async () => {
    const c = new RawAdsClient(cp.address);
    try {
      // garbage first: unknown type URL; the stream must survive it
      c.send({ type_url: 'type.googleapis.com/no.such.Type', resource_names: ['x'] });
      expect(await c.silent(150)).toBe(true);

      c.send({ type_url: TYPE_URL.listener, resource_names: ['greeter-server:20000'] });
      const r1 = await c.next();
      expect(r1.type_url).toBe(TYPE_URL.listener);
      expect(r1.version_info).toBe('1');
      expect(r1.resources.map((r) => r.type_url)).toEqual([TYPE_URL.listener]);
      expect(r1.resources.map((r) => nameOf(r.value))).toEqual(['greeter-server:20000']);

      // ACK with the same names: nothing new to say
      c.send({ type_url: TYPE_URL.listener, resource_names: ['greeter-server:20000'], version_info: '1', response_nonce: r1.nonce });
      expect(await c.silent(150)).toBe(true);

      // widen (state of the world: all subscribed names, including a missing one which is left out)
      c.send({ type_url: TYPE_URL.listener, resource_names: ['greeter-server:20000', 'other:7000', 'missing:1'], version_info: '1', response_nonce: r1.nonce });
      const r2 = await c.next();
      expect(r2.version_info).toBe('1');
      expect(r2.resources.map((r) => nameOf(r.value)).sort()).toEqual(['greeter-server:20000', 'other:7000']);

      // a stale/bogus nonce with unchanged names causes no resend and no error
      c.send({ type_url: TYPE_URL.listener, resource_names: ['greeter-server:20000', 'other:7000', 'missing:1'], version_info: '1', response_nonce: 'bogus' });
      expect(await c.silent(150)).toBe(true);

      // unsubscribe, then subscribe again to the same name: answered again
      c.send({ type_url: TYPE_URL.routeConfiguration, resource_names: ['outbound|7000||other'] });
      const rds = await c.next();
      expect(rds.resources.map((r) => nameOf(r.value))).toEqual(['outbound|7000||other']);
      c.send({ type_url: TYPE_URL.routeConfiguration, resource_names: [], version_info: '1', response_nonce: rds.nonce });
      expect(await c.silent(100)).toBe(true);
      c.send({ type_url: TYPE_URL.routeConfiguration, resource_names: ['outbound|7000||other'], version_info: '1', response_nonce: rds.nonce });
      expect((await c.next()).resources.map((r) => nameOf(r.value))).toEqual(['outbound|7000||other']);

      // CDS and EDS, every cluster has an assignment
      c.send({ type_url: TYPE_URL.cluster, resource_names: ['outbound|20000||greeter-server', 'outbound|7000||other'] });
      const cds = await c.next();
      expect(cds.resources.map((r) => nameOf(r.value)).sort()).toEqual(['outbound|20000||greeter-server', 'outbound|7000||other']);

      // NACK: logged with its error detail, not resent
      c.send({
        type_url: TYPE_URL.cluster,
        resource_names: ['outbound|20000||greeter-server', 'outbound|7000||other'],
        version_info: '',
        response_nonce: cds.nonce,
        error_detail: { code: 3, message: 'cluster is broken' },
      });
      expect(await c.silent(150)).toBe(true);
      expect(log.some((l) => l.includes('NACK CDS') && l.includes('cluster is broken'))).toBe(true);
      await expect(cp.waitForSync({ timeoutMs: 300 })).rejects.toThrow(/rejected version 1: CDS: cluster is broken/);

      // apply pushes a new version of every subscribed type
      cp.apply({ virtualServices: [], destinationRules: [], endpoints: endpoints.slice(0, 1) });
      const pushed = [await c.next(), await c.next(), await c.next()];
      expect(pushed.map((p) => p.type_url).sort()).toEqual([TYPE_URL.listener, TYPE_URL.routeConfiguration, TYPE_URL.cluster].sort());
      for (const p of pushed) expect(p.version_info).toBe('2');
      const lds = pushed.find((p) => p.type_url === TYPE_URL.listener)!;
      expect(lds.resources.map((r) => nameOf(r.value))).toEqual(['greeter-server:20000']); // other:7000 is gone
      expect(cp.clients()).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it('answers a Cluster subscription with every cluster, so a flapping subscription never reads as a deletion', async () => {
    const plane = await MeshControlPlane.start();
    plane.apply({ virtualServices: [], destinationRules: [], endpoints });
    const c = new RawAdsClient(plane.address);
    try {
      c.send({ type_url: TYPE_URL.cluster, resource_names: ['outbound|7000||other'] });
      const cds = await c.next();
      expect(cds.resources.map((r) => nameOf(r.value)).sort()).toEqual(['outbound|20000||greeter-server', 'outbound|7000||other']);
      // A later config without `other` still serves it: a Cluster once served is never deleted.
      plane.apply({ virtualServices: [], destinationRules: [], endpoints: endpoints.slice(0, 1) });
      const pushed = await c.next();
      expect(pushed.version_info).toBe('2');
      expect(pushed.resources.map((r) => nameOf(r.value)).sort()).toEqual(['outbound|20000||greeter-server', 'outbound|7000||other']);
    } finally {
      c.close();
      await plane.stop();
    }
  });

  it('bootstrap() names this server and carries what grpc-js-xds needs', () => {
    expect(cp.bootstrap('n1')).toEqual({
      xds_servers: [{ server_uri: cp.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'n1', cluster: 'canarykit', locality: {} },
    });
    expect(cp.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
