// The baseline: the smallest @grpc/grpc-js server for the greeter proto (the grpc-node helloworld
// shape): no config, logging, health, reflection or metrics. Listens on $PORT.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const proto = grpc.loadPackageDefinition(
  protoLoader.loadSync(fileURLToPath(new URL('../proto/greeter.proto', import.meta.url)), { longs: String, enums: String, defaults: true, oneofs: true }),
) as any;
const server = new grpc.Server();
server.addService(proto.api.Greeter.service, {
  SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) =>
    cb(null, { name: `Hello ${call.request.name}`, id: 'bare' }),
  SayHelloStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
});
server.bindAsync(`127.0.0.1:${process.env.PORT ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stderr.write(`bare helloworld server on 127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
