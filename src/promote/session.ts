/**
 * One promotion from a scenario folder to a result, for the command, the e2e suite and the bench:
 * read and check everything, write the step folders, and only then bring a driver up and run the
 * loop. A bad input throws before any routing changes.
 */
import { resolve } from 'node:path';
import type { ClusterSettings } from '../cluster/settings.ts';
import type { CommandRunner } from '../cluster/tools.ts';
import type { Driver, DriverName } from '../driver/driver.ts';
import { loadScenario, type Scenario } from '../scenarios/load.ts';
import { loadPromoteConfig, type PromoteConfig } from './config.ts';
import { DriverPort, type DriverPortOptions } from './mesh-port.ts';
import { runPromotion, type PromoteEvents, type PromotionResult } from './promote.ts';
import { writeStepFolders, type StepFolder } from './step-files.ts';

export interface PreparedPromotion {
  scenario: Scenario;
  config: PromoteConfig;
  steps: StepFolder[];
  outDir: string;
}

/** Everything a promotion reads and writes before it touches a mesh; throws on any bad input. */
export function preparePromotion(scenarioDir: string, options: { schedule?: number[]; outDir?: string } = {}): PreparedPromotion {
  const scenario = loadScenario(resolve(scenarioDir));
  let config = loadPromoteConfig(scenario.dir);
  if (options.schedule) config = { ...config, schedule: options.schedule };
  const outDir = resolve(options.outDir ?? `out/promote/${scenario.name}`);
  const steps = writeStepFolders(scenario, config.schedule, outDir);
  return { scenario, config, steps, outDir };
}

/** A running kind cluster, as `canarykit cluster` resolved it (src/cluster/command.ts prepare). */
export interface ClusterHandle {
  settings: ClusterSettings;
  runner: CommandRunner;
}

export interface PromoteRunOptions {
  driver: DriverName;
  /** The cluster, for the kind driver (required there). */
  cluster?: ClusterHandle;
  events?: PromoteEvents;
  signal?: AbortSignal;
  /** Called once the driver is up, before any routing changes. */
  onUp?: () => void;
}

export async function promoteOnDriver(prepared: PreparedPromotion, options: PromoteRunOptions): Promise<PromotionResult> {
  const { driver, port: portOptions, prepare } = await createDriver(options.driver, prepared.scenario, options.cluster);
  try {
    await driver.up();
    await prepare?.(prepared.steps[0]!);
    options.onUp?.();
    return await runPromotion({
      port: new DriverPort(driver, portOptions),
      config: prepared.config,
      steps: prepared.steps,
      servers: prepared.scenario.expect.servers,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.events ? { events: options.events } : {}),
    });
  } finally {
    await driver.down().catch(() => undefined);
  }
}

/**
 * Why a promotion did not end as its scenario's expect/promote.yaml `outcome` says (undefined when
 * it did, or when the file states no outcome): the e2e suite and `cluster e2e` judge by it.
 */
export function outcomeMismatch(prepared: PreparedPromotion, result: PromotionResult, appliedWeights: readonly number[]): string | undefined {
  const outcome = prepared.config.outcome;
  if (!outcome) return undefined;
  if (result.result !== outcome.result) return `ended ${result.result}${result.reason ? ` (${result.reason})` : ''}, expected ${outcome.result}`;
  if (outcome.result === 'promoted') {
    const wanted = [0, ...prepared.config.schedule];
    if (appliedWeights.join() !== wanted.join()) return `applied ${appliedWeights.join(' → ')}% v2, expected ${wanted.join(' → ')}`;
    if (result.finalWeight !== 100) return `ended at ${result.finalWeight}% v2, expected 100`;
    return undefined;
  }
  const problems: string[] = [];
  if (outcome.gate !== undefined && result.gate !== outcome.gate) problems.push(`rolled back by the ${result.gate ?? 'no'} gate, expected ${outcome.gate}`);
  if (outcome.weight !== undefined && result.failedWeight !== outcome.weight) problems.push(`at ${result.failedWeight}% v2, expected ${outcome.weight}%`);
  if (result.finalWeight !== 0 || appliedWeights.at(-1) !== 0) problems.push(`ended at ${result.finalWeight}% v2, expected 0 after the rollback`);
  return problems.length ? problems.join('; ') : undefined;
}

interface CreatedDriver {
  driver: Driver;
  port: DriverPortOptions;
  /** Start what the steps run before the first apply (local: the servers, so v2's processes can be counted). */
  prepare?: (step: StepFolder) => Promise<void>;
}

async function createDriver(name: DriverName, scenario: Scenario, cluster: ClusterHandle | undefined): Promise<CreatedDriver> {
  if (name === 'local') {
    const { LocalDriver } = await import('../local/local-driver.ts');
    // collect() returns at once with what there is: the loop looks once a second, and checks its
    // sample, its deadline and Ctrl-C between looks.
    const driver = new LocalDriver({ callsNeeded: () => 0 });
    return {
      driver,
      port: { replicas: (version) => driver.runningServers(version), afterApply: () => driver.forgetCollectedLines() },
      prepare: (step) => driver.prepare([step.scenario]),
    };
  }
  if (!cluster) throw new Error('the kind driver needs the cluster (src/cluster/command.ts prepare)');
  const { KindDriver } = await import('../cluster/kind-driver.ts');
  // A step holds until its planned calls are in (thousands at 5%): the cluster's default client
  // rate (20/s, for logs people read) would need minutes per step, so a scenario client without a
  // rate of its own calls as fast as it can, as on the local mesh.
  const driver = new KindDriver({
    settings: { ...cluster.settings, clientRate: PROMOTE_CLUSTER_RATE },
    runner: cluster.runner,
    clients: scenario.clients,
    build: false,
    keepRouting: true,
  });
  return {
    driver,
    port: { replicas: (version) => driver.runningServers(version) },
    // The servers as the scenario runs them (a flaky or slow v2), rolled out before v2's pods are
    // counted; routing is untouched until the first step.
    prepare: (step) => driver.prepareServers(step.scenario),
  };
}

/** Calls per second of a promotion's client on the cluster when its scenario sets none (0: as fast as it can). */
export const PROMOTE_CLUSTER_RATE = 0;
