/**
 * A tiny greeter server for mesh tests: answers SayHello with `{name: "Hello <name>", id: <version>}`
 * on 127.0.0.1 (ephemeral port), optionally after a delay. Not the real app (apps/greeter-server):
 * the mesh tests must not depend on it.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const GREETER_PROTO = fileURLToPath(new URL('../../../proto/greeter.proto', import.meta.url));

export interface GreeterFixture {
  version: string;
  port: number;
  /** Number of SayHello calls answered (or being answered). */
  calls: number;
  stop(): Promise<void>;
}

export function greeterServiceConstructor(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(GREETER_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { api: { Greeter: grpc.ServiceClientConstructor } };
  return pkg.api.Greeter;
}

export async function startGreeter(version: string, opts: { delayMs?: number } = {}): Promise<GreeterFixture> {
  const server = new grpc.Server();
  const fixture: GreeterFixture = {
    version,
    port: 0,
    calls: 0,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(greeterServiceConstructor().service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      fixture.calls += 1;
      const answer = (): void => cb(null, { name: `Hello ${call.request.name}`, id: version, age: 0 });
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    },
  });
  fixture.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  fixture.stop = () =>
    new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    });
  return fixture;
}
