// Test helpers: a real server process or in-process server, and a typed client on loopback.
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GreeterClient } from '../src/generated/api/Greeter.ts';
import type { User__Output } from '../src/generated/api/User.ts';
import { greeterProto } from '../src/proto.ts';

export const mainFile = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export function greeterClient(port: number): GreeterClient {
  return new greeterProto.api.Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

export function sayHello(client: GreeterClient, name: string, metadata = new grpc.Metadata(), deadlineMs = 5000): Promise<User__Output> {
  return new Promise((resolve, reject) => {
    client.SayHello({ name }, metadata, { deadline: Date.now() + deadlineMs }, (err, user) => (err ? reject(err) : resolve(user!)));
  });
}

/** Resolves once the process has printed a line matching `pattern` (polls its output). */
export async function waitForOutput(server: ServerProcess, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(server.output())) {
    if (Date.now() > until) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `node src/main.ts` with the given env on a free port; resolves once it listens. */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [mainFile], {
    env: { ...process.env, GREETER_PORT: '0', GREETER_HOST: '127.0.0.1', ...env },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 10_000);
    const onData = () => {
      const m = /listening address:"[^"]*:(\d+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({ child, port: Number(m[1]), output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Runs `node src/main.ts` to completion (for configs that must be refused). */
export function runServerProcess(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [mainFile], { env: { ...process.env, GREETER_PORT: '0', ...env } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}
