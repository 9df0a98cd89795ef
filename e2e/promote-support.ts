// The e2e test of a promotion scenario (scenarios/promote-*): the promotion itself, on the local
// mesh, through the same session as `canarykit promote`, checked against expect/promote.yaml's
// `outcome`. On the kind driver it is skipped by the scenario's modes (local only, for now).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReasonForModes, type DriverName } from '../src/driver/driver.ts';
import { loadPromoteConfig } from '../src/promote/config.ts';
import { formatPromotion } from '../src/promote/report.ts';
import { preparePromotion, promoteOnDriver } from '../src/promote/session.ts';
import { loadScenario } from '../src/scenarios/load.ts';

const ROOT = join(import.meta.dirname, '..');

export function promoteTest(name: string): void {
  const dir = join(ROOT, 'scenarios', name);
  const scenario = loadScenario(dir);
  const outcome = loadPromoteConfig(dir).outcome;
  const driver = (process.env.CANARYKIT_DRIVER ?? 'local') as DriverName;
  const skip = skipReasonForModes(driver, scenario);
  const title = scenario.description.trim().split('\n')[0]!;

  describe(`${name} on the ${driver} driver`, () => {
    it.skipIf(skip !== undefined)(
      title,
      async () => {
        expect(outcome, `${name}/expect/promote.yaml states no outcome`).toBeDefined();
        const prepared = preparePromotion(dir, { outDir: join(mkdtempSync(join(tmpdir(), `canarykit-${name}-`)), 'steps') });
        const applied: number[] = [];
        const result = await promoteOnDriver(prepared, { driver, events: { applied: (s) => applied.push(s.weight) } });
        const report = formatPromotion(name, result, prepared.config);
        expect(result.result, report).toBe(outcome!.result);
        if (outcome!.result === 'promoted') {
          expect(applied, report).toEqual([0, ...prepared.config.schedule]);
          expect(result.finalWeight).toBe(100);
        } else {
          expect({ gate: result.gate, weight: result.failedWeight, finalWeight: result.finalWeight }, report).toEqual({
            gate: outcome!.gate,
            weight: outcome!.weight,
            finalWeight: 0,
          });
          expect(applied.at(-1)).toBe(0);
        }
      },
      300_000,
    );
  });
}
