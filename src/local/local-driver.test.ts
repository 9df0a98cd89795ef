// The local driver against real processes: a reload with traffic flowing loses no call, and a
// scenario that does not load, or that the mesh cannot express, leaves the running routing alone.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDriverScenario } from '../driver/from-scenario.ts';
import type { DriverScenario } from '../driver/driver.ts';
import { parseClientLine } from '../verify/log-line.ts';
import { LocalDriver } from './local-driver.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const scenario = (name: string) => loadDriverScenario(join(ROOT, 'scenarios', name));

function outcomes(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const e = parseClientLine(line);
    if (!e) continue;
    const key = e.kind === 'response' ? e.version : e.status;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('LocalDriver (servers, control plane and proxyless clients as real processes)', () => {
  const driver = new LocalDriver({ callsNeeded: () => 60 });
  const weighted = scenario('weighted-90-10');
  const allV1 = scenario('all-v1');

  beforeAll(async () => {
    await driver.up();
    await driver.waitForRouting(weighted, await driver.apply(weighted));
  }, 60_000);
  afterAll(() => driver.down(), 30_000);

  it('loses no call while the routing config is replaced again and again under traffic', async () => {
    const since = new Date();
    const configs: DriverScenario[] = [allV1, weighted, scenario('weighted-70-30'), scenario('cutover-0-100')];
    for (let i = 0; i < 12; i++) {
      const next = configs[i % configs.length]!;
      await driver.waitForRouting(next, await driver.apply(next));
      await new Promise((r) => setTimeout(r, 100));
    }
    const logs = await driver.collect(weighted, since);
    const counts = outcomes(logs.clients['default']!);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(200);
    expect([...counts.keys()].sort()).toEqual(['v1.0.0', 'v2.0.0']); // no error status at all
  }, 60_000);

  it('refuses a scenario that does not load and keeps routing by the last good config', async () => {
    await driver.waitForRouting(allV1, await driver.apply(allV1));
    for (const bad of ['bad-weights-sum', 'bad-missing-subset', 'bad-yaml']) {
      const dir = join(ROOT, 'src', 'scenarios', 'testdata', bad);
      await expect(driver.apply({ ...allV1, name: bad, dir })).rejects.toThrow(/testdata\/bad-/);
    }
    const logs = await driver.collect(allV1, new Date());
    for (const lines of Object.values(logs.clients)) expect([...outcomes(lines).keys()]).toEqual(['v1.0.0']);
  }, 60_000);

  it('refuses a scenario the local mesh cannot express (mirroring), naming the field, and keeps the last good config', async () => {
    await driver.waitForRouting(allV1, await driver.apply(allV1));
    const version = driver.plane.version;
    await expect(driver.apply({ ...scenario('mirror-v2'), modes: ['local'] })).rejects.toThrow(/mirror/);
    expect(driver.plane.version).toBe(version);
    const logs = await driver.collect(allV1, new Date());
    for (const lines of Object.values(logs.clients)) expect([...outcomes(lines).keys()]).toEqual(['v1.0.0']);
  }, 60_000);
});
