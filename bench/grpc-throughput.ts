// Unary throughput of apps/greeter-server (request logging on, output to /dev/null, health,
// reflection) against the bare helloworld server, with one load generator and one concurrency
// for both, interleaved over several rounds so machine noise hits both alike.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/free-port.ts';
import { median, type BenchResult } from './types.ts';

const proto = grpc.loadPackageDefinition(
  protoLoader.loadSync(fileURLToPath(new URL('../proto/greeter.proto', import.meta.url)), { longs: String, enums: String, defaults: true, oneofs: true }),
) as any;

/** Starts a server process whose stdout (its request log) goes to /dev/null, as in a pod whose
 * log a collector reads without slowing it; readiness is awaited by the load generator. */
async function startServer(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], {
    env: { ...process.env, ...env, PORT: String(port), GREETER_PORT: String(port) },
    stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'],
  });
  return { child, port };
}

/** Calls SayHello with `concurrency` calls in flight for `ms`; returns completed calls per second. */
async function load(port: number, concurrency: number, ms: number): Promise<number> {
  const client = new proto.api.Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 15_000, (e: Error | undefined) => (e ? reject(e) : resolve())));
  let done = 0;
  let counting = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await new Promise<void>((resolve, reject) => client.SayHello({ name: 'bench' }, (err: Error | null) => (err ? reject(err) : resolve())));
      if (counting) done++;
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, 300)); // warm-up
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  counting = false;
  const elapsed = performance.now() - t0;
  stop = true;
  await Promise.all(workers);
  client.close();
  return (done * 1000) / elapsed;
}

export async function benchGrpcThroughput(opts = { rounds: 5, ms: 2000, concurrency: 32 }): Promise<BenchResult> {
  const greeterEnv = { GREETER_PORT: '0', GREETER_HOST: '127.0.0.1', GREETER_LOG_REQUESTS: 'true', GREETER_SHUTDOWN_DRAIN_MS: '0' };
  const bare = await startServer('./bare-helloworld-server.ts', {});
  const greeter = await startServer('../apps/greeter-server/src/main.ts', greeterEnv);
  const bareRuns: number[] = [];
  const greeterRuns: number[] = [];
  try {
    for (let round = 0; round < opts.rounds; round++) {
      bareRuns.push(await load(bare.port, opts.concurrency, opts.ms));
      greeterRuns.push(await load(greeter.port, opts.concurrency, opts.ms));
    }
  } finally {
    bare.child.kill('SIGTERM');
    greeter.child.kill('SIGKILL');
  }
  const value = median(greeterRuns);
  const baseline = median(bareRuns);
  const ratio = value / baseline;
  return {
    name: 'greeter-server unary throughput',
    unit: 'req/s',
    value,
    baseline,
    baselineName: 'bare @grpc/grpc-js helloworld server',
    ratio,
    target: 'ratio >= 0.9 (logging, health, reflection cost at most 10%)',
    pass: ratio >= 0.9,
    details: `concurrency ${opts.concurrency}, ${opts.rounds} interleaved rounds of ${opts.ms} ms; greeter ${greeterRuns.map(Math.round).join('/')}, bare ${bareRuns.map(Math.round).join('/')} req/s`,
  };
}
