// One e2e test per scenario, on the driver named by CANARYKIT_DRIVER (`local`, the default: the
// xDS mesh on this machine; `kind`: kind + Istio, which needs `make cluster-up deploy` first).
// Both drivers run the same steps (src/driver/run-scenario.ts) and the same checks (src/verify).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODE_OF_DRIVER, skipReasonForModes, type Driver, type DriverName } from '../src/driver/driver.ts';
import { runScenario } from '../src/driver/run-scenario.ts';
import type { Prepared } from '../src/cluster/command.ts';
import { proxylessFromEnv } from '../src/cluster/env-file.ts';
import { loadScenario } from '../src/scenarios/load.ts';
import { verifyLogs } from '../src/verify/check.ts';
import { localCallsNeeded } from '../src/demo/run-demo.ts';
import { toVerifyOutcome } from '../src/verify/report.ts';

const ROOT = join(import.meta.dirname, '..');

function driverName(): DriverName {
  const name = process.env.CANARYKIT_DRIVER ?? 'local';
  if (name !== 'local' && name !== 'kind') throw new Error(`CANARYKIT_DRIVER must be local or kind, got "${name}"`);
  return name;
}

async function createDriver(name: DriverName, scenario: ReturnType<typeof loadScenario>): Promise<{ driver: Driver; sampleMs: number }> {
  if (name === 'local') {
    const { LocalDriver } = await import('../src/local/local-driver.ts');
    const driver = new LocalDriver({ callsNeeded: localCallsNeeded });
    return { driver, sampleMs: 0 };
  }
  const { KindDriver } = await import('../src/cluster/kind-driver.ts');
  const { sampleMsFor } = await import('../src/cluster/command.ts');
  const { settings, runner } = await runningCluster();
  return { driver: new KindDriver({ settings, runner, clients: scenario.clients, build: false }), sampleMs: sampleMsFor(scenario) };
}

/** The images (official or offline) and tools of the running cluster; PROXYLESS=1 as for make e2e. */
export async function runningCluster(): Promise<Prepared> {
  const { prepare } = await import('../src/cluster/command.ts');
  return prepare('e2e', { proxyless: proxylessFromEnv(), offline: 'auto' }, (line) => process.stderr.write(`${line}\n`));
}

/** Declares the e2e test of scenarios/<name> on the chosen driver. */
export function scenarioTest(name: string): void {
  const scenario = loadScenario(join(ROOT, 'scenarios', name));
  const driverKind = driverName();
  const proxyless = driverKind === 'kind' && proxylessFromEnv();
  const envoyOnly = proxyless ? scenario.limitations['kind-proxyless'].map((l) => l.feature) : [];
  const skip =
    skipReasonForModes(driverKind, scenario) ??
    (envoyOnly.length > 0 ? `needs Envoy, which proxyless gRPC has not: ${envoyOnly.join('; ')} (make e2e PROXYLESS=1 reports it as not run)` : undefined);
  const title = scenario.description.trim().split('\n')[0]!;

  describe(`${name} on the ${driverKind} driver`, () => {
    let driver: Driver | undefined;
    let sampleMs = 0;
    beforeAll(async () => {
      if (skip) return;
      ({ driver, sampleMs } = await createDriver(driverKind, scenario));
      await driver.up();
    }, 180_000);
    afterAll(async () => {
      await driver?.down();
    }, 60_000);

    it.skipIf(skip !== undefined)(
      title,
      async () => {
        const { outcome } = await runScenario({
          driver: driver!,
          scenario,
          sampleMs,
          verify: (_s, logs) => toVerifyOutcome(verifyLogs(scenario.expect, logs, MODE_OF_DRIVER[driverKind]), { title: name }),
        });
        expect(outcome.passed, outcome.report).toBe(true);
      },
      180_000,
    );
  });
}
