// The steps every e2e test runs for one scenario, whatever the driver: apply, wait until routing
// is in effect, let traffic flow, collect the logs, verify, clean up. On failure the driver's
// diagnostics are attached to the error so CI logs say what the mesh looked like.
import type { Scenario } from '../scenarios/load.ts';
import type { CollectedLogs, Driver } from './driver.ts';

export interface VerifyOutcome {
  readonly passed: boolean;
  /** Human-readable report (table / chart) printed in either case. */
  readonly report: string;
}

export interface RunScenarioOptions {
  readonly driver: Driver;
  readonly scenario: Scenario;
  /** Decide pass/fail from the collected logs (src/verify with the scenario's expectations). */
  readonly verify: (scenario: Scenario, logs: CollectedLogs) => VerifyOutcome | Promise<VerifyOutcome>;
  /** How long traffic flows after routing took effect before the logs are collected. */
  readonly sampleMs: number;
  /** Told when the routing took effect, the start of the calls that count (a dashboard follows from there). */
  readonly onRouting?: (since: Date) => void;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

export interface ScenarioRun {
  readonly logs: CollectedLogs;
  readonly outcome: VerifyOutcome;
}

export class ScenarioFailure extends Error {
  readonly diagnostics: string;
  constructor(message: string, diagnostics: string, options?: { cause?: unknown }) {
    super(`${message}\n\n--- diagnostics (${diagnostics.length} chars) ---\n${diagnostics}`, options);
    this.name = 'ScenarioFailure';
    this.diagnostics = diagnostics;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioRun> {
  const { driver, scenario, verify } = options;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? (() => new Date());
  const skip = driver.skipReason(scenario);
  if (skip) throw new Error(`driver ${driver.name} cannot run scenario ${scenario.name}: ${skip}`);

  let failure: unknown;
  let run: ScenarioRun | undefined;
  try {
    const applied = await driver.apply(scenario);
    await driver.waitForRouting(scenario, applied);
    // Count only what was logged after routing took effect: lines from the old routing are not evidence.
    const since = now();
    options.onRouting?.(since);
    await sleep(options.sampleMs);
    const logs = await driver.collect(scenario, since);
    const outcome = await verify(scenario, logs);
    run = { logs, outcome };
    if (!outcome.passed) failure = new Error(`scenario ${scenario.name} failed verification on ${driver.name}:\n${outcome.report}`);
  } catch (error) {
    failure = error;
  }
  if (failure !== undefined) {
    const diagnostics = await driver.diagnose(scenario).catch((error: unknown) => `diagnose failed: ${String(error)}`);
    await driver.cleanup(scenario).catch(() => undefined);
    const message = failure instanceof Error ? failure.message : String(failure);
    throw new ScenarioFailure(message, diagnostics, { cause: failure });
  }
  await driver.cleanup(scenario);
  return run!;
}
