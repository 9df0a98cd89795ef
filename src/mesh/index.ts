// The package's `canarykit/mesh` entry point (scripts/package/build.ts `exports`).
/**
 * The local mesh: a small xDS control plane that serves Istio routing (VirtualService +
 * DestinationRule) to proxyless @grpc/grpc-js-xds clients, with local processes as endpoints.
 * See docs/mesh.md.
 */
export {
  translate,
  clusterName,
  UnsupportedFeatureError,
  type MeshConfig,
  type MeshEndpoint,
  type VirtualService,
  type DestinationRule,
  type XdsSnapshot,
  type XdsMessage,
} from './translate.ts';
export { MeshControlPlane, type ControlPlaneOptions, type ApplyResult, type ClientStatus, type ClientTypeStatus } from './control-plane.ts';
export { TYPE_URL, ADS_TYPE_URLS, type AdsTypeUrl } from './protos.ts';
