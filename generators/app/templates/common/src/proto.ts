// Loads proto/greeter.proto once. The loader options match the `generate:proto` script so the
// generated types in src/generated describe exactly what the loader produces.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from './generated/greeter.ts';

export const protoFile = fileURLToPath(new URL('../proto/greeter.proto', import.meta.url));

export const packageDefinition = protoLoader.loadSync(protoFile, {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});

export const greeterProto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;

/** Fully qualified service name, as gRPC health and reflection know it. */
export const GREETER_SERVICE = 'api.Greeter';
