// The one interface both environments implement: the local xDS mesh (`local`) and kind + Istio
// (`kind`). e2e/ holds one test file per scenario and runs it through whichever driver is chosen,
// so a scenario's steps (apply, wait, collect, verify, clean up) are written once.

/** Which environment a driver runs scenarios in. */
export type DriverName = 'local' | 'kind';

/** The `modes` value a scenario's expect.yaml uses for each driver. */
export type ScenarioMode = 'local' | 'cluster';

export const MODE_OF_DRIVER: Readonly<Record<DriverName, ScenarioMode>> = {
  local: 'local',
  kind: 'cluster',
};

/** One client the scenario runs: an identity and how it calls (scenarios/<name>/expect/expect.yaml `clients`). */
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

/** One server version the scenario runs, with its behaviour (`servers` in expect.yaml). */
export interface DriverServer {
  /** Pod label `version` and DestinationRule subset: `v1`, `v2`. */
  readonly version: string;
  /** What the server answers in `id` (GREETER_VERSION); default `<version>.0.0`. */
  readonly id?: string;
  readonly replicas?: number;
  readonly delayMs?: number;
  readonly failRate?: number;
}

/**
 * What a driver needs to know about a scenario. Structural on purpose: the scenario loader
 * (src/scenarios) returns a richer object that can be mapped onto it.
 */
export interface DriverScenario {
  /** Folder name under scenarios/, e.g. `header-user-admin`. */
  readonly name: string;
  /** Absolute path of scenarios/<name>/ (the Istio YAML files live directly in it). */
  readonly dir: string;
  /** Where the scenario can run. */
  readonly modes: readonly ScenarioMode[];
  readonly servers: readonly DriverServer[];
  readonly clients: readonly DriverClient[];
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
  skipReason(scenario: DriverScenario): string | undefined;
  /** Bring the environment up (local servers + control plane), or check it is up (an existing kind cluster). Idempotent. */
  up(options?: DriverUpOptions): Promise<void>;
  /** Apply the scenario's routing config. */
  apply(scenario: DriverScenario): Promise<AppliedScenario>;
  /** Resolve once the new routing is in effect for every client; reject after a bound. */
  waitForRouting(scenario: DriverScenario, applied: AppliedScenario): Promise<void>;
  /** Client and server log lines written since `since` (normally the time routing took effect). */
  collect(scenario: DriverScenario, since: Date): Promise<CollectedLogs>;
  /** Text that helps find out why a scenario failed (pods, events, routes, logs). Never throws. */
  diagnose(scenario: DriverScenario): Promise<string>;
  /** Remove the scenario's routing config so the next scenario starts from no rules. */
  cleanup(scenario: DriverScenario): Promise<void>;
  /** Release what `up` set up (the kind driver leaves a cluster it was not asked to manage). */
  down(): Promise<void>;
}

/** A sentence for test.skip when the scenario's modes exclude the driver, else undefined. */
export function skipReasonForModes(driver: DriverName, scenario: DriverScenario): string | undefined {
  const mode = MODE_OF_DRIVER[driver];
  if (scenario.modes.includes(mode)) return undefined;
  return `scenario ${scenario.name} does not list mode '${mode}' in its expect.yaml (modes: ${scenario.modes.join(', ') || 'none'})`;
}
