// The package's `canarykit/scenarios` entry point (scripts/package/build.ts `exports`).
export { loadScenario, listScenarios, inspectScenario, scenarioDirs, EXPECT_PATH, type Scenario, type Manifest } from './load.ts';
export { ScenarioError, type ScenarioErrorInit } from './errors.ts';
export {
  ExpectSchema,
  expectationsFor,
  serverId,
  GRPC_CODE_NAMES,
  MODES,
  type Expect,
  type ExpectClient,
  type ExpectServer,
  type ExpectMirror,
  type Mode,
  type ShareExpectation,
} from './expect.ts';
export { routingFor, shareOfKey, type Routing } from './shares.ts';
export {
  SERVICE_HOST,
  SERVICE_PORT,
  SAYHELLO_PATH,
  RUN_MODES,
  limitations,
  routingModel,
  type RoutingModel,
  type RouteTable,
  type HttpRule,
  type RequestMatch,
  type StringMatch,
  type WeightedDestination,
  type Limitation,
  type RunMode,
} from './model.ts';
export { re2Problem, type VirtualService, type DestinationRule, type Gateway } from './istio.ts';
