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
  /** Number of SayHello calls received. */
  calls: number;
  /** Added latency per answer (mutable). */
  delayMs: number;
  /** Answer every n-th call (1st, (n+1)th...) with UNAVAILABLE; 0 = never (mutable). */
  failEvery: number;
  stop(): Promise<void>;
}

export function greeterServiceConstructor(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(GREETER_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { api: { Greeter: grpc.ServiceClientConstructor } };
  return pkg.api.Greeter;
}

export async function startGreeter(version: string): Promise<GreeterFixture> {
  const server = new grpc.Server();
  const fixture: GreeterFixture = {
    version,
    port: 0,
    calls: 0,
    delayMs: 0,
    failEvery: 0,
    stop: async () => server.forceShutdown(),
  };
  server.addService(greeterServiceConstructor().service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      fixture.calls += 1;
      if (fixture.failEvery > 0 && (fixture.calls - 1) % fixture.failEvery === 0) {
        cb({ code: grpc.status.UNAVAILABLE, details: `${version} is flaky` });
        return;
      }
      const answer = (): void => cb(null, { name: `Hello ${call.request.name}`, id: version, age: 0 });
      if (fixture.delayMs > 0) setTimeout(answer, fixture.delayMs);
      else answer();
    },
  });
  fixture.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  return fixture;
}
