/**
 * End-to-end tests of the local mesh: a real control plane, two real greeter servers on
 * 127.0.0.1 and real @grpc/grpc-js-xds clients in child processes (the xDS bootstrap is read once
 * per process). One long-lived client sees every config change through ADS pushes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshControlPlane } from './control-plane.ts';
import { startGreeter, type GreeterFixture } from './testing/greeter-fixture.ts';
import type { ProbeResult } from './testing/xds-probe.ts';
import { UnsupportedFeatureError, type DestinationRule, type MeshEndpoint, type VirtualService } from './translate.ts';

const PROBE = fileURLToPath(new URL('./testing/xds-probe.ts', import.meta.url));

interface Batch {
  calls?: number;
  concurrency?: number;
  metadata?: Record<string, string>;
  deadlineMs?: number;
}

/** A long-lived xDS client process that runs one batch of calls per request. */
class Probe {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Interface;
  stderr = '';
  #pending: ((line: string) => void)[] = [];

  constructor(bootstrap: object, options: object) {
    this.child = spawn(process.execPath, [PROBE, JSON.stringify({ ...options, waitForStdin: true })], {
      env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) },
    });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.#pending.shift()?.(line));
  }

  #next(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`probe silent for ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.#pending.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  async ready(): Promise<void> {
    expect(JSON.parse(await this.#next(15_000))).toEqual({ ready: true });
  }

  async run(batch: Batch): Promise<ProbeResult> {
    const answer = this.#next(15_000);
    this.child.stdin.write(`${JSON.stringify(batch)}\n`);
    return JSON.parse(await answer) as ProbeResult;
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

const HOST = 'greeter-server';

function vs(name: string, http: unknown[]): VirtualService {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name }, spec: { hosts: [HOST], http } } as VirtualService;
}

const SUBSETS: DestinationRule = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: HOST },
  spec: {
    host: HOST,
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ],
  },
} as DestinationRule;

const to = (subset: string, weight?: number): object => ({ destination: { host: HOST, subset }, ...(weight === undefined ? {} : { weight }) });

describe('local mesh end to end', () => {
  let cp: MeshControlPlane;
  let v1: GreeterFixture;
  let v2: GreeterFixture;
  let endpoints: MeshEndpoint[];
  let probe: Probe;
  const log: string[] = [];

  /** Applies a config with the two versions, waits until the client ACKed it. */
  async function applyAndSync(virtualServices: VirtualService[], destinationRules: DestinationRule[] = [SUBSETS]): Promise<void> {
    cp.apply({ virtualServices, destinationRules, endpoints });
    await cp.waitForSync({ minClients: 1 });
  }

  beforeAll(async () => {
    [v1, v2] = await Promise.all([startGreeter('v1.0.0'), startGreeter('v2.0.0')]);
    endpoints = [
      { host: HOST, port: 20000, address: '127.0.0.1', endpointPort: v1.port, labels: { app: HOST, version: 'v1' } },
      { host: HOST, port: 20000, address: '127.0.0.1', endpointPort: v2.port, labels: { app: HOST, version: 'v2' } },
    ];
    cp = await MeshControlPlane.start({ log: (l) => log.push(l) });
    cp.apply({ virtualServices: [], destinationRules: [], endpoints });
    probe = new Probe(cp.bootstrap('probe'), { calls: 100, concurrency: 10 });
    await probe.ready();
    await cp.waitForSync({ minClients: 1 });
  });

  afterAll(async () => {
    probe?.stop();
    await cp?.stop();
    await Promise.all([v1?.stop(), v2?.stop()]);
  });

  it('without a VirtualService, round-robins over every endpoint of the host', async () => {
    const r = await probe.run({ calls: 100 });
    expect(r.errors).toEqual({});
    // Round robin over 2 endpoints: each gets half, give or take the calls in flight.
    expect(r.versions['v1.0.0']).toBeGreaterThanOrEqual(35);
    expect(r.versions['v2.0.0']).toBeGreaterThanOrEqual(35);
    expect(cp.clients()[0]?.types['type.googleapis.com/envoy.config.cluster.v3.Cluster']?.subscribed).toEqual([`outbound|20000||${HOST}`]);
  });

  it('routes everything to v1 (push to a connected client)', async () => {
    await applyAndSync([vs('all-v1', [{ route: [to('v1')] }])]);
    const r = await probe.run({ calls: 60 });
    expect(r).toEqual({ versions: { 'v1.0.0': 60 }, errors: {}, total: 60 });
  });

  it('routes on request headers: user=admin (exact) and x-dark-launch (regex) to v2, others to v1', async () => {
    await applyAndSync([
      vs('by-header', [
        { match: [{ headers: { user: { exact: 'admin' } } }], route: [to('v2')] },
        { match: [{ headers: { 'x-dark-launch': { regex: 'v2|canary' } } }], route: [to('v2')] },
        { route: [to('v1')] },
      ]),
    ]);
    expect((await probe.run({ calls: 40, metadata: { user: 'admin' } })).versions).toEqual({ 'v2.0.0': 40 });
    expect((await probe.run({ calls: 40, metadata: { 'x-dark-launch': 'v2' } })).versions).toEqual({ 'v2.0.0': 40 });
    expect((await probe.run({ calls: 40, metadata: { user: 'laurence' } })).versions).toEqual({ 'v1.0.0': 40 });
    expect((await probe.run({ calls: 40, metadata: { 'x-dark-launch': 'v2x' } })).versions).toEqual({ 'v1.0.0': 40 });
  });

  it('splits by weight 90/10', async () => {
    await applyAndSync([vs('weights', [{ route: [to('v1', 90), to('v2', 10)] }])]);
    const n = 600;
    const r = await probe.run({ calls: n, concurrency: 20 });
    expect(r.errors).toEqual({});
    // Binomial(600, 0.1): mean 60, sd 7.3; +-5 sd keeps a false failure below 1e-6.
    const v2share = r.versions['v2.0.0'] ?? 0;
    expect(v2share).toBeGreaterThanOrEqual(60 - 37);
    expect(v2share).toBeLessThanOrEqual(60 + 37);
    expect((r.versions['v1.0.0'] ?? 0) + v2share).toBe(n);
  });

  it('injects aborts in about half of the calls with the configured gRPC code', async () => {
    await applyAndSync([vs('abort', [{ fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 50 } } }, route: [to('v1')] }])]);
    const before = v1.calls;
    const n = 400;
    const r = await probe.run({ calls: n, concurrency: 20 });
    const aborted = r.errors['UNAVAILABLE'] ?? 0;
    // Binomial(400, 0.5): mean 200, sd 10.
    expect(aborted).toBeGreaterThanOrEqual(150);
    expect(aborted).toBeLessThanOrEqual(250);
    expect(aborted + (r.versions['v1.0.0'] ?? 0)).toBe(n);
    // Aborted calls never reach the server.
    expect(v1.calls - before).toBe(n - aborted);
  });

  it('injects a fixed delay', async () => {
    await applyAndSync([vs('delay', [{ fault: { delay: { fixedDelay: '300ms', percentage: { value: 100 } } }, route: [to('v1')] }])]);
    const t0 = Date.now();
    const r = await probe.run({ calls: 5, concurrency: 5 });
    expect(r.versions).toEqual({ 'v1.0.0': 5 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('enforces the route timeout (max_stream_duration) on a slow server', async () => {
    await applyAndSync([vs('timeout', [{ timeout: '0.1s', route: [to('v1')] }])]);
    v1.delayMs = 400;
    try {
      const r = await probe.run({ calls: 10, concurrency: 10, deadlineMs: 5000 });
      expect(r.errors).toEqual({ DEADLINE_EXCEEDED: 10 });
    } finally {
      v1.delayMs = 0;
    }
    // The same server within the timeout answers.
    await applyAndSync([vs('timeout', [{ timeout: '2s', route: [to('v1')] }])]);
    expect((await probe.run({ calls: 10 })).versions).toEqual({ 'v1.0.0': 10 });
  });

  it('retries UNAVAILABLE on a flaky version', async () => {
    v1.failEvery = 2; // every other call fails
    try {
      await applyAndSync([vs('no-retries', [{ retries: { attempts: 0 }, route: [to('v1')] }])]);
      const without = await probe.run({ calls: 40, concurrency: 1 });
      expect(without.errors['UNAVAILABLE']).toBe(20);
      await applyAndSync([vs('retries', [{ retries: { attempts: 3, retryOn: 'unavailable' }, route: [to('v1')] }])]);
      const withRetries = await probe.run({ calls: 40, concurrency: 1 });
      expect(withRetries).toEqual({ versions: { 'v1.0.0': 40 }, errors: {}, total: 40 });
      // Istio's default (no `retries`): 2 retries on unavailable/cancelled, like istiod
      await applyAndSync([vs('default-retries', [{ route: [to('v1')] }])]);
      expect(await probe.run({ calls: 40, concurrency: 1 })).toEqual({ versions: { 'v1.0.0': 40 }, errors: {}, total: 40 });
    } finally {
      v1.failEvery = 0;
    }
  });

  it('limits concurrent requests (circuit breaker from connectionPool.http.http2MaxRequests)', async () => {
    const dr = structuredClone(SUBSETS) as DestinationRule & { spec: Record<string, unknown> };
    dr.spec.trafficPolicy = { connectionPool: { http: { http2MaxRequests: 1 } } };
    await applyAndSync([vs('cb', [{ route: [to('v1')] }])], [dr]);
    v1.delayMs = 100;
    try {
      const r = await probe.run({ calls: 20, concurrency: 10 });
      expect(r.errors['UNAVAILABLE'] ?? 0).toBeGreaterThan(0);
      expect(r.versions['v1.0.0'] ?? 0).toBeGreaterThan(0);
    } finally {
      v1.delayMs = 0;
    }
  });

  it('keeps the last good config when apply() is given an unsupported one', async () => {
    await applyAndSync([vs('all-v2', [{ route: [to('v2')] }])]);
    const version = cp.version;
    expect(() =>
      cp.apply({
        virtualServices: [vs('mirror', [{ route: [to('v1')], mirror: { host: HOST, subset: 'v2' } }])],
        destinationRules: [SUBSETS],
        endpoints,
      }),
    ).toThrow(UnsupportedFeatureError);
    expect(cp.version).toBe(version);
    expect((await probe.run({ calls: 30 })).versions).toEqual({ 'v2.0.0': 30 });
  });

  it('serves a fresh client (target without port) the current config, and logs no NACK', async () => {
    const fresh = new Probe(cp.bootstrap('fresh'), { target: `xds:///${HOST}` });
    try {
      await fresh.ready();
      expect((await fresh.run({ calls: 20 })).versions).toEqual({ 'v2.0.0': 20 });
      await cp.waitForSync({ minClients: 2 });
      expect(
        cp
          .clients()
          .map((c) => c.nodeId)
          .sort(),
      ).toEqual(['fresh', 'probe']);
    } finally {
      fresh.stop();
    }
    expect(log.filter((l) => l.includes('NACK'))).toEqual([]);
  });
});
