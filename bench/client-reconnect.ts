// How soon the greeter client calls successfully again once its server is back (the client test
// asserts only that it does): the time from the server's "listening" line to the client's first
// response after an outage long enough for the client's reconnect backoff to reach its maximum,
// against a fresh channel's connect-and-first-call to the same server, measured in the same round.
// Target: no more than the baseline plus the client's maximum reconnect backoff (1 s).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/free-port.ts';
import { median, type BenchResult } from './types.ts';

const MAX_BACKOFF_MS = 1000; // channelOptions() in apps/greeter-client/src/call-loop.ts
const proto = grpc.loadPackageDefinition(
  protoLoader.loadSync(fileURLToPath(new URL('../proto/greeter.proto', import.meta.url)), { longs: String, enums: String, defaults: true, oneofs: true }),
) as any;

interface Proc {
  child: ChildProcess;
  /** Resolves with the time (performance.now()) of the first line matching `re` after `from`. */
  next(re: RegExp, from?: number): Promise<number>;
}

function start(app: 'server' | 'client', env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`../apps/greeter-${app}/src/main.ts`, import.meta.url))], {
    env: { ...process.env, GREETER_CONFIG: '/dev/null', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<{ at: number; text: string }> = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const at = performance.now();
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ at, text });
  });
  const next = (re: RegExp, from = 0) =>
    new Promise<number>((resolve, reject) => {
      const deadline = performance.now() + 60_000;
      const poll = () => {
        const hit = lines.find((l) => l.at >= from && re.test(l.text));
        if (hit) return resolve(hit.at);
        if (performance.now() > deadline) return reject(new Error(`${app}: no ${re} within 60 s`));
        setTimeout(poll, 5);
      };
      poll();
    });
  return { child, next };
}

async function freshFirstCall(port: number): Promise<number> {
  const t0 = performance.now();
  const client = new proto.api.Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    client.SayHello({ name: 'bench' }, { deadline: Date.now() + 30_000, waitForReady: true } as never, (e: Error | null) => (e ? reject(e) : resolve())),
  );
  const ms = performance.now() - t0;
  client.close();
  return ms;
}

export async function benchClientReconnect(opts = { rounds: 5 }): Promise<BenchResult> {
  const port = await freePort();
  const serverEnv = { GREETER_HOST: '127.0.0.1', GREETER_PORT: String(port), GREETER_SHUTDOWN_DRAIN_MS: '0', GREETER_LOG_REQUESTS: 'false' };
  let server = start('server', serverEnv);
  await server.next(/listening/);
  const client = start('client', { GREETER_TARGET: `dns:///127.0.0.1:${port}`, GREETER_RATE: '50', GREETER_HTTP_PORT: '0' });
  const reconnects: number[] = [];
  const fresh: number[] = [];
  try {
    await client.next(/call server response/);
    for (let round = 0; round < opts.rounds; round++) {
      server.child.kill('SIGKILL');
      await client.next(/call server error/, performance.now());
      await new Promise((r) => setTimeout(r, 3 * MAX_BACKOFF_MS)); // backoff at its maximum
      server = start('server', serverEnv);
      const back = await server.next(/listening/);
      const resumed = await client.next(/call server response/, back);
      reconnects.push(resumed - back);
      fresh.push(await freshFirstCall(port));
    }
  } finally {
    client.child.kill('SIGTERM');
    server.child.kill('SIGKILL');
  }
  const value = median(reconnects);
  const baseline = median(fresh);
  return {
    name: 'client reconnect after an outage',
    unit: 'ms',
    value,
    baseline,
    baselineName: "a fresh channel's connect and first call",
    ratio: value / baseline,
    target: `value <= baseline + ${MAX_BACKOFF_MS} ms (the client's maximum reconnect backoff)`,
    pass: value <= baseline + MAX_BACKOFF_MS,
    details: `reconnect ms per round: ${reconnects.map((n) => Math.round(n)).join(', ')}; fresh: ${fresh.map((n) => Math.round(n)).join(', ')}`,
  };
}
