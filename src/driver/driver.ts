// The one interface both environments implement: the local xDS mesh (`local`) and kind + Istio
// (`kind`). e2e/ holds one test file per scenario and runs it through whichever driver is chosen,
// so a scenario's steps (apply, wait, collect, verify, clean up) are written once.

import type { Mode } from '../scenarios/expect.ts';
import type { Scenario } from '../scenarios/load.ts';

/** Which environment a driver runs scenarios in. */
export type DriverName = 'local' | 'kind';

/** The `modes` value a scenario's expect.yaml uses for each driver. */
export const MODE_OF_DRIVER: Readonly<Record<DriverName, Mode>> = {
  local: 'local',
  kind: 'cluster',
};

/** One client a driver runs (a scenario's `clients` entry satisfies it). */
export interface DriverClient {
  /** Short name, used in release names and labels (`default`, `admin`, `dark-launch`, `ingress`). */
  readonly identity: string;
  /** Request metadata; header names are lowercase (gRPC metadata and Istio header matches). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `ingress`: call through the Istio ingress gateway instead of greeter-server directly. */
  readonly via?: 'mesh' | 'ingress';
  /** Calls per second and calls in flight, when the scenario needs other than the defaults. */
  readonly rate?: number;
  readonly concurrency?: number;
  readonly deadlineMs?: number;
}

/** One server version a driver runs (a scenario's `servers` entry satisfies it). */
export interface DriverServer {
  /** Pod label `version` and DestinationRule subset: `v1`, `v2`. */
  readonly version: string;
  /** What the server answers in `id` (GREETER_VERSION); default `<version>.0.0`. */
  readonly id?: string;
  readonly replicas?: number;
  readonly delayMs?: number;
  readonly failRate?: number;
}

/** Everything logged between the apply and the collect, grouped the way verification reads it. */
export interface CollectedLogs {
  /** Start of the window (the time the scenario was applied). */
  readonly since: Date;
  /** End of the window. */
  readonly until: Date;
  /** Client log lines per client identity. */
  readonly clients: Readonly<Record<string, readonly string[]>>;
  /** Server log lines per server version label (`v1`, `v2`): mirrored requests are counted here. */
  readonly servers: Readonly<Record<string, readonly string[]>>;
}

/** The result of applying a scenario. */
export interface AppliedScenario {
  /** When the routing config was handed to the control plane (kubectl apply / xDS push). */
  readonly appliedAt: Date;
}

export interface DriverUpOptions {
  /** Print what would run instead of running it (the kind driver's plan). */
  readonly dryRun?: boolean;
}

export interface Driver {
  readonly name: DriverName;
  /** Undefined when the driver can run the scenario; else a sentence saying why not (for test.skip). */
  skipReason(scenario: Scenario): string | undefined;
  /** Bring the environment up (local servers + control plane), or check it is up (an existing kind cluster). Idempotent. */
  up(options?: DriverUpOptions): Promise<void>;
  /** Apply the scenario's routing config. */
  apply(scenario: Scenario): Promise<AppliedScenario>;
  /** Resolve once the new routing is in effect for every client; reject after a bound. */
  waitForRouting(scenario: Scenario, applied: AppliedScenario): Promise<void>;
  /** Client and server log lines written since `since` (normally the time routing took effect). */
  collect(scenario: Scenario, since: Date): Promise<CollectedLogs>;
  /** Text that helps find out why a scenario failed (pods, events, routes, logs). Never throws. */
  diagnose(scenario: Scenario): Promise<string>;
  /** Remove the scenario's routing config so the next scenario starts from no rules. */
  cleanup(scenario: Scenario): Promise<void>;
  /** Release what `up` set up (the kind driver leaves a cluster it was not asked to manage). */
  down(): Promise<void>;
}

/** A sentence for test.skip when the scenario's modes exclude the driver, else undefined. */
export function skipReasonForModes(driver: DriverName, scenario: Pick<Scenario, 'name' | 'modes'>): string | undefined {
  const mode = MODE_OF_DRIVER[driver];
  if (scenario.modes.includes(mode)) return undefined;
  return `scenario ${scenario.name} does not list mode '${mode}' in its expect.yaml (modes: ${scenario.modes.join(', ') || 'none'})`;
}
