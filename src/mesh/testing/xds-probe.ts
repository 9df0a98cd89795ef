/**
 * A one-shot proxyless gRPC client for mesh tests, run as a child process (grpc-js-xds reads its
 * bootstrap once per process):
 *
 *   GRPC_XDS_BOOTSTRAP_CONFIG='{...}' node src/mesh/testing/xds-probe.ts '<json options>'
 *
 * Options (JSON, argv[2]): target (default xds:///greeter-server:20000), calls (N, default 100),
 * concurrency (default 10), metadata ({user: "admin"}), deadlineMs (default 5000),
 * waitForStdin (see below).
 * It waits until the channel is READY (at most `readyMs`, default 10000) so xDS resolution is not
 * counted, then makes `calls` calls and prints one JSON line: {"versions": {"v1.0.0": 90, ...}, "errors": {"UNAVAILABLE": 3}, "total": N}.
 * If `waitForStdin` is true, it prints {"ready": true} after warm-up and then runs one batch per
 * line read from stdin, each line a JSON {calls, concurrency, metadata} overriding the options
 * (so a test can change the config between batches on the same channel).
 */
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import { greeterServiceConstructor } from './greeter-fixture.ts';

interface ProbeOptions {
  target?: string;
  calls?: number;
  concurrency?: number;
  metadata?: Record<string, string>;
  deadlineMs?: number;
  readyMs?: number;
  waitForStdin?: boolean;
}

export interface ProbeResult {
  versions: Record<string, number>;
  errors: Record<string, number>;
  total: number;
}

register();
const opts: ProbeOptions = JSON.parse(process.argv[2] ?? '{}');
const Greeter = greeterServiceConstructor();
const client = new Greeter(opts.target ?? 'xds:///greeter-server:20000', grpc.credentials.createInsecure()) as unknown as grpc.Client & {
  SayHello(req: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: { id: string }) => void): void;
};
function toMetadata(m: Record<string, string> = {}): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(m)) md.set(k, v);
  return md;
}

function call(md: grpc.Metadata): Promise<{ id?: string; code?: number }> {
  return new Promise((resolve) => {
    client.SayHello({ name: 'probe' }, md, { deadline: Date.now() + (opts.deadlineMs ?? 5000) }, (err, res) =>
      resolve(err ? { code: err.code } : { id: res!.id }),
    );
  });
}

async function batch(o: ProbeOptions): Promise<ProbeResult> {
  const n = o.calls ?? 100;
  const md = toMetadata(o.metadata);
  const result: ProbeResult = { versions: {}, errors: {}, total: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next += 1;
      const r = await call(md);
      result.total += 1;
      if (r.id !== undefined) result.versions[r.id] = (result.versions[r.id] ?? 0) + 1;
      else {
        const name = grpc.status[r.code!] ?? String(r.code);
        result.errors[name] = (result.errors[name] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 10, n) }, worker));
  return result;
}

/** Waits until the channel is READY (xDS resolved, a backend connected), at most readyMs. */
async function warmUp(): Promise<void> {
  await new Promise<void>((resolve) => client.waitForReady(Date.now() + (opts.readyMs ?? 10_000), () => resolve()));
}

await warmUp();
if (opts.waitForStdin) {
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    console.log(JSON.stringify(await batch({ ...opts, ...(JSON.parse(line) as ProbeOptions) })));
  }
} else {
  console.log(JSON.stringify(await batch(opts)));
}
client.close();
process.exit(0);
