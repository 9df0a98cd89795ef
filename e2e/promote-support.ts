// The e2e test of a promotion scenario (scenarios/promote-*): the promotion itself, through the
// same session as `canarykit promote`, checked against expect/promote.yaml's `outcome`. On the
// kind driver (CANARYKIT_DRIVER=kind, a cluster from make cluster-up deploy) it promotes the
// cluster's greeter-server; `make e2e` runs the same promotions through src/cluster/command.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReasonForModes, type DriverName } from '../src/driver/driver.ts';
import { formatPromotion } from '../src/promote/report.ts';
import { outcomeMismatch, preparePromotion, promoteOnDriver } from '../src/promote/session.ts';
import { loadScenario } from '../src/scenarios/load.ts';
import { runningCluster } from './support.ts';

const ROOT = join(import.meta.dirname, '..');

export function promoteTest(name: string): void {
  const dir = join(ROOT, 'scenarios', name);
  const scenario = loadScenario(dir);
  const driver = (process.env.CANARYKIT_DRIVER ?? 'local') as DriverName;
  const skip = skipReasonForModes(driver, scenario);
  const title = scenario.description.trim().split('\n')[0]!;

  describe(`${name} on the ${driver} driver`, () => {
    it.skipIf(skip !== undefined)(
      title,
      async () => {
        const prepared = preparePromotion(dir, { outDir: join(mkdtempSync(join(tmpdir(), `canarykit-${name}-`)), 'steps') });
        expect(prepared.config.outcome, `${name}/expect/promote.yaml states no outcome`).toBeDefined();
        const applied: number[] = [];
        const cluster = driver === 'kind' ? await runningCluster() : undefined;
        const result = await promoteOnDriver(prepared, { driver, ...(cluster ? { cluster } : {}), events: { applied: (s) => applied.push(s.weight) } });
        const report = formatPromotion(name, result, prepared.config);
        expect(outcomeMismatch(prepared, result, applied), report).toBeUndefined();
      },
      // On a cluster every step is a helm upgrade, a kubectl apply and a wait for istiod's push.
      driver === 'kind' ? 900_000 : 300_000,
    );
  });
}
