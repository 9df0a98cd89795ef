export { loadScenario, listScenarios, inspectScenario, scenarioDirs, EXPECT_PATH, type Scenario, type ScenarioIdentity } from './load.ts';
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
export { routingFor, shareOfKey, SERVICE_HOST, SERVICE_PORT, SAYHELLO_PATH, type Routing } from './shares.ts';
export { re2Problem, type VirtualService, type DestinationRule, type Gateway } from './istio.ts';
