import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverConfigSchema } from '../src/config.ts';
import type { Logger } from '../src/logger.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { greeterClient, runServerProcess, sayHello, startServerProcess, waitForOutput } from './helpers.ts';
import type { GreeterClient } from '../src/generated/api/Greeter.ts';

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (msg: string, fields?: object) => lines.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, info: push, warn: push, error: push };
}

describe('greeter server (in process, real gRPC on loopback)', () => {
  const log = memoryLogger();
  let running: RunningServer;
  let client: GreeterClient;

  beforeAll(async () => {
    const cfg = serverConfigSchema.parse({ version: 'v2.0.0', host: '127.0.0.1', port: 0, maxNameLength: 16, shutdownDrainMs: 0 });
    running = await startServer(cfg, log);
    client = greeterClient(running.port);
  });
  afterAll(async () => {
    client.close();
    await running.shutdown('test done');
  });

  it('answers Hello <name> with its configured version', async () => {
    await expect(sayHello(client, 'laurence')).resolves.toMatchObject({ name: 'Hello laurence', id: 'v2.0.0' });
  });

  it('receives the caller metadata and logs it with the request', async () => {
    const md = new grpc.Metadata();
    md.set('user', 'admin');
    md.set('x-dark-launch', 'v2');
    await sayHello(client, 'meta-check', md);
    const line = log.lines.find((l) => l.includes('"meta-check"'));
    expect(line).toContain('"headers":"user=admin,x-dark-launch=v2"');
  });

  it('refuses an empty name with INVALID_ARGUMENT', async () => {
    await expect(sayHello(client, '')).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'name must not be empty' });
  });

  it('refuses a name over maxNameLength with INVALID_ARGUMENT naming the limit', async () => {
    await expect(sayHello(client, 'x'.repeat(17))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('the limit is 16'),
    });
  });

  it('counts a name in characters (code points), not UTF-16 units: 16 emoji pass a limit of 16', async () => {
    await expect(sayHello(client, '😀'.repeat(16))).resolves.toMatchObject({ name: `Hello ${'😀'.repeat(16)}` });
    await expect(sayHello(client, '😀'.repeat(17))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'name is 17 characters long; the limit is 16 (maxNameLength)',
    });
  });

  it('refuses a name that is not valid UTF-8 with INVALID_ARGUMENT, and answers valid multi-byte names', async () => {
    // HelloRequest{name} encoded by hand: field 1, length 2, bytes FF FE (never valid UTF-8).
    const raw = (bytes: number[]) =>
      new Promise<grpc.ServiceError | Buffer>((resolve) =>
        client.makeUnaryRequest('/api.Greeter/SayHello', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, bytes.length, ...bytes]), (err, out) => resolve(err ?? out!)),
      );
    expect(await raw([0xff, 0xfe])).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'name is not valid UTF-8 (proto3 strings must be)' });
    const ok = await raw([...Buffer.from('é😀')]);
    expect(Buffer.isBuffer(ok) && ok.toString('utf8')).toContain('Hello é😀');
  });

  it('logs a long header value cut to 128 characters, with its length', async () => {
    const md = new grpc.Metadata();
    md.set('x-big', 'b'.repeat(64 * 1024));
    await sayHello(client, 'big-header', md);
    const line = log.lines.find((l) => l.includes('"big-header"'))!;
    expect(line).toContain(`"headers":"x-big=${'b'.repeat(128)}…(65536 chars)"`);
    expect(line.length).toBeLessThan(1000);
  });

  it('refuses a message over the gRPC size limit with RESOURCE_EXHAUSTED and keeps serving', async () => {
    await expect(sayHello(client, 'y'.repeat(5 * 1024 * 1024))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    await expect(sayHello(client, 'after')).resolves.toMatchObject({ id: 'v2.0.0' });
  });

  // A header block over about 100 KB never reaches gRPC: Node's HTTP/2 layer (nghttp2) resets the
  // stream with COMPRESSION_ERROR, which grpc-js reports as INTERNAL, not RESOURCE_EXHAUSTED as
  // C-core or grpc-go would. grpc-js has no server option for the header list size
  // (docs/contracts.md). What the server owes is that only that call fails.
  it('a 1 MB metadata value fails that call only (HTTP/2 resets the stream); the connection keeps serving', async () => {
    const md = new grpc.Metadata();
    md.set('x-huge', 'h'.repeat(1024 * 1024));
    await expect(sayHello(client, 'huge-header', md)).rejects.toMatchObject({ code: grpc.status.INTERNAL, details: expect.stringContaining('RST_STREAM') });
    expect(log.lines.some((l) => l.includes('"huge-header"'))).toBe(false);
    await expect(sayHello(client, 'after-huge')).resolves.toMatchObject({ id: 'v2.0.0' });
  });

  it('keeps serving other calls while bad ones are refused', async () => {
    const calls = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? sayHello(client, '') : sayHello(client, `n${i}`)));
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(10);
  });

  it('answers each message of SayHelloStream in order', async () => {
    const call = client.SayHelloStream();
    const got: string[] = [];
    call.on('data', (u: { name: string; id: string }) => got.push(`${u.name}/${u.id}`));
    const done = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (const name of ['a', 'b', 'c']) call.write({ name });
    call.end();
    await done;
    expect(got).toEqual(['Hello a/v2.0.0', 'Hello b/v2.0.0', 'Hello c/v2.0.0']);
  });

  it('ends SayHelloStream at its first refused message: nothing after it is handled or answered', async () => {
    const call = client.SayHelloStream();
    const got: string[] = [];
    call.on('data', (u: { name: string }) => got.push(u.name));
    const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    call.write({ name: 'before-bad' });
    call.write({ name: '' });
    call.write({ name: 'after-bad' });
    call.end();
    expect(await failed).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    // The call is over for the client; give the server time to have read every message.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got).not.toContain('Hello after-bad');
    expect(log.lines.some((l) => l.includes('"after-bad"'))).toBe(false);
  });

  it('serves the standard gRPC health service', async () => {
    const { loadSync } = await import('@grpc/proto-loader');
    const { protoPath } = await import('grpc-health-check');
    const healthProto = grpc.loadPackageDefinition(loadSync(protoPath, { enums: String })) as any;
    const health = new healthProto.grpc.health.v1.Health(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure());
    const status = await new Promise<string>((resolve, reject) =>
      health.Check({ service: 'api.Greeter' }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))),
    );
    health.close();
    expect(status).toBe('SERVING');
  });
});

describe('flaky version (failRate)', { timeout: 30_000 }, () => {
  it('answers UNAVAILABLE for the configured share of calls', async () => {
    const cfg = serverConfigSchema.parse({ host: '127.0.0.1', port: 0, failRate: 1, shutdownDrainMs: 0, logRequests: false });
    const running = await startServer(cfg, memoryLogger());
    const client = greeterClient(running.port);
    await expect(sayHello(client, 'x')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringContaining('injected failure') });
    client.close();
    await running.shutdown('test');
  });
});

// A shutdown takes the drain, a 1 s linger for connections and a PING round trip per connection
// (src/server.ts stopAccepting); a loaded machine stretches the rest, hence the generous timeout.
describe('graceful shutdown (real process, real SIGTERM)', { timeout: 30_000 }, () => {
  it('finishes every call in flight when SIGTERM arrives: zero failed calls', async () => {
    const server = await startServerProcess({ GREETER_DELAY_MS: '600', GREETER_SHUTDOWN_DRAIN_MS: '100', GREETER_SHUTDOWN_TIMEOUT_MS: '5000' });
    const client = greeterClient(server.port);
    await sayHello(client, 'warm-up');
    const inFlight = Array.from({ length: 25 }, (_, i) => sayHello(client, `in-flight-${i}`));
    await new Promise((r) => setTimeout(r, 150));
    server.child.kill('SIGTERM');
    const results = await Promise.allSettled(inFlight);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toEqual([]);
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/shutting down reason:"SIGTERM"[\s\S]*server stopped/);
    client.close();
  });

  it('goes NOT_SERVING during the drain, then refuses new calls', async () => {
    const server = await startServerProcess({ GREETER_SHUTDOWN_DRAIN_MS: '400' });
    const client = greeterClient(server.port);
    await sayHello(client, 'before');
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    await expect(sayHello(client, 'during-drain')).resolves.toMatchObject({ name: 'Hello during-drain' });
    expect(await server.exited).toBe(0);
    await expect(sayHello(client, 'after')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    client.close();
  });

  it('a second SIGTERM or SIGINT does not cut the drain short: the 20 calls in flight all succeed', async () => {
    const server = await startServerProcess({ GREETER_DELAY_MS: '600', GREETER_SHUTDOWN_DRAIN_MS: '300', GREETER_SHUTDOWN_TIMEOUT_MS: '30000' });
    const client = greeterClient(server.port);
    await sayHello(client, 'warm-up');
    const inFlight = Array.from({ length: 20 }, (_, i) => sayHello(client, `call-${i}`).then(() => 'ok', (err: grpc.ServiceError) => grpc.status[err.code]));
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGTERM');
    // Once the first is handled: both pending at once, the kernel would deliver SIGINT first.
    await waitForOutput(server, /shutting down/);
    server.child.kill('SIGINT');
    expect(await Promise.all(inFlight)).toEqual(Array(20).fill('ok'));
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/already shutting down: the drain goes on; a third signal forces the shutdown signal:"SIGINT"/);
    expect(server.output()).toMatch(/server stopped/);
    client.close();
  });

  it('a third signal forces the shutdown, saying so', async () => {
    const server = await startServerProcess({ GREETER_DELAY_MS: '20000', GREETER_SHUTDOWN_DRAIN_MS: '0', GREETER_SHUTDOWN_TIMEOUT_MS: '30000' });
    const client = greeterClient(server.port);
    // A deadline far beyond the test's: only the forced shutdown can end this call. Each signal is
    // sent once the server has acted on the one before: two SIGTERMs still pending in a process a
    // busy machine has not scheduled yet arrive as one.
    const stuck = sayHello(client, 'slow', undefined, 120_000).catch((err: grpc.ServiceError) => err);
    await waitForOutput(server, /handled SayHello name:"slow"/);
    server.child.kill('SIGTERM');
    await waitForOutput(server, /shutting down/);
    server.child.kill('SIGTERM');
    await waitForOutput(server, /already shutting down/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await stuck).toMatchObject({ code: grpc.status.CANCELLED });
    expect(server.output()).toMatch(/third signal: forcing the shutdown/);
    expect(server.output()).toMatch(/server stopped/);
    client.close();
  });

  it('forces the shutdown at the deadline when calls do not finish', async () => {
    const server = await startServerProcess({ GREETER_DELAY_MS: '20000', GREETER_SHUTDOWN_DRAIN_MS: '0', GREETER_SHUTDOWN_TIMEOUT_MS: '300' });
    const client = greeterClient(server.port);
    const stuck = sayHello(client, 'slow').catch((err: grpc.ServiceError) => err);
    await new Promise((r) => setTimeout(r, 150));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // The 20 s call was cut, not answered: the deadline forced the shutdown (no wall-clock bound).
    expect(await stuck).toMatchObject({ code: grpc.status.CANCELLED });
    expect(server.output()).toContain('shutdown deadline reached');
    client.close();
  });
});

// Each case starts a real process: seconds on a loaded machine, so a timeout well above vitest's 5 s
// default (a liveness bound, not a timing claim).
describe('configuration is validated at start', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'greeter-conf-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it.each([
    [{ GREETER_PORT: 'abc' }, /port: .*GREETER_PORT="abc".*fix GREETER_PORT/],
    [{ GREETER_PORT: '70000' }, /port: .*GREETER_PORT="70000"/],
    [{ GREETER_VERSION: '2.0' }, /version: must look like v1\.0\.0/],
    [{ GREETER_LOG_FORMAT: 'xml' }, /logFormat: .*"text".*"json"/],
    [{ GREETER_FAIL_RATE: '1.5' }, /failRate: .*GREETER_FAIL_RATE="1.5"/],
    [{ GREETER_LOG_REQUESTS: 'maybe' }, /logRequests: .*GREETER_LOG_REQUESTS="maybe"/],
  ])('refuses %o with a message naming the key', async (env, message) => {
    const { code, stderr } = await runServerProcess(env);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('refuses an unknown key in the config file, listing the allowed ones', async () => {
    const file = write('unknown.yaml', 'version: v1.0.0\nprot: 20000\n');
    const { code, stderr } = await runServerProcess({ GREETER_CONFIG: file });
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown key "prot" in .*unknown\.yaml \(allowed: version, host, port/);
  });

  it('refuses a config file that is not YAML', async () => {
    const file = write('broken.yaml', 'version: [v1\n');
    const { code, stderr } = await runServerProcess({ GREETER_CONFIG: file });
    expect(code).toBe(2);
    expect(stderr).toMatch(/broken\.yaml is not valid YAML/);
  });

  it('refuses a GREETER_CONFIG that does not exist', async () => {
    const { code, stderr } = await runServerProcess({ GREETER_CONFIG: path.join(dir, 'missing.yaml') });
    expect(code).toBe(2);
    expect(stderr).toMatch(/missing\.yaml does not exist/);
  });
});
