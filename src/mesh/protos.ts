/**
 * Envoy xDS v3 protos for the local control plane, loaded from the copies that ship inside
 * @grpc/grpc-js-xds (`deps/`), so the control plane speaks exactly the schema its clients decode.
 *
 * Nested `google.protobuf.Any` values are written as plain objects with an `@type` key
 * (`{'@type': TYPE_URL.httpConnectionManager, rds: ...}`): protobuf.js' Any wrapper looks the type
 * up in the same root and packs it. That is why every message type we emit must be loaded here.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
const xdsPackageDir = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));

/** The include directories of the envoy protos bundled with @grpc/grpc-js-xds. */
export const ENVOY_PROTO_DIRS: readonly string[] = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(xdsPackageDir, 'deps', d));

/** Type URLs of the resources and typed configs the control plane emits. */
export const TYPE_URL = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  routeConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  httpConnectionManager: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  httpFault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
} as const;

/** The four ADS resource types, in the order a client typically subscribes to them. */
export const ADS_TYPE_URLS = [TYPE_URL.listener, TYPE_URL.routeConfiguration, TYPE_URL.cluster, TYPE_URL.clusterLoadAssignment] as const;
export type AdsTypeUrl = (typeof ADS_TYPE_URLS)[number];

const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
];

/** Loader options: snake_case field names, enums as strings, as in the xDS JSON form. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [...ENVOY_PROTO_DIRS],
};

let cached: grpc.GrpcObject | undefined;

/** The loaded gRPC package object (lazily, once per process: loading takes ~0.5 s). */
export function envoyGrpcObject(): grpc.GrpcObject {
  cached ??= grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS));
  return cached;
}

/** The AggregatedDiscoveryService definition, for `server.addService`. */
export function adsServiceDefinition(): grpc.ServiceDefinition {
  const obj = envoyGrpcObject() as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  return obj.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
}
