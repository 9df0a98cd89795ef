/**
 * One promotion from a scenario folder to a result, for the command, the e2e suite and the bench:
 * read and check everything, write the step folders, and only then bring a driver up and run the
 * loop. A bad input throws before any routing changes.
 */
import { resolve } from 'node:path';
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

export interface PromoteRunOptions {
  driver: DriverName;
  events?: PromoteEvents;
  signal?: AbortSignal;
  /** Called once the driver is up, before any routing changes. */
  onUp?: () => void;
}

export async function promoteOnDriver(prepared: PreparedPromotion, options: PromoteRunOptions): Promise<PromotionResult> {
  const { driver, port: portOptions, prepare } = await createDriver(options.driver, prepared.scenario);
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

interface CreatedDriver {
  driver: Driver;
  port: DriverPortOptions;
  /** Start what the steps run before the first apply (local: the servers, so v2's processes can be counted). */
  prepare?: (step: StepFolder) => Promise<void>;
}

async function createDriver(name: DriverName, scenario: Scenario): Promise<CreatedDriver> {
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
  const { KindDriver } = await import('../cluster/kind-driver.ts');
  const { prepare } = await import('../cluster/command.ts');
  const { settings, runner } = await prepare('e2e', { proxyless: /^(1|true|yes)$/i.test(process.env.PROXYLESS ?? ''), offline: 'auto' }, (line) =>
    process.stderr.write(`${line}\n`),
  );
  // Pods per version are not counted on the cluster yet: a v2 without pods fails every v2 call,
  // which the error gate rolls back at the first step.
  return { driver: new KindDriver({ settings, runner, clients: scenario.clients, build: false }), port: {} };
}
