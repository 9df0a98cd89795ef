// Test helpers: a tiny Greeter server of the test's own (this project is only the client) and
// the real client as a child process.
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { greeterProto } from '../src/proto.ts';

export const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface TestServer {
  port: number;
  /** Metadata of every call received. */
  seen: grpc.Metadata[];
  stop(): Promise<void>;
}

export async function startTestServer(version: string, port = 0): Promise<TestServer> {
  const server = new grpc.Server();
  const seen: grpc.Metadata[] = [];
  server.addService(greeterProto.api.Greeter.service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      seen.push(call.metadata);
      cb(null, { name: `Hello ${call.request.name}`, id: version });
    },
    SayHelloStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port: bound, seen, stop: () => new Promise((resolve) => { server.forceShutdown(); resolve(); }) };
}

export interface ClientProcess {
  child: ChildProcessWithoutNullStreams;
  lines(): string[];
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves when a line matching `re` has appeared (after `from` lines), with the line index. */
  waitForLine(re: RegExp, timeoutMs?: number, from?: number): Promise<number>;
}

export function startClient(env: Record<string, string>): ClientProcess {
  const child = spawn(process.execPath, [mainFile], { env: { ...process.env, GREETER_HTTP_PORT: '0', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = () => out.split('\n').filter(Boolean);
  const waitForLine = (re: RegExp, timeoutMs = 10_000, from = 0) =>
    new Promise<number>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = () => {
        const idx = lines().findIndex((l, i) => i >= from && re.test(l));
        if (idx >= 0) return resolve(idx);
        if (Date.now() > deadline) return reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${out}\n${err}`));
        setTimeout(poll, 20);
      };
      poll();
    });
  return { child, lines, stderr: () => err, exited, waitForLine };
}
