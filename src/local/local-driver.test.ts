// The local driver against real processes: a reload with traffic flowing loses no call, and a
// scenario that does not load, or that the mesh cannot express, leaves the running routing alone.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type Scenario } from '../scenarios/load.ts';
import { parseClientLine } from '../verify/log-line.ts';
import { LocalDriver } from './local-driver.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const scenario = (name: string) => loadScenario(join(ROOT, 'scenarios', name));

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
    const configs: Scenario[] = [allV1, weighted, scenario('weighted-70-30'), scenario('cutover-0-100')];
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

  it('refuses a scenario that does not load (the loader) and keeps routing by the last good config', async () => {
    await driver.waitForRouting(allV1, await driver.apply(allV1));
    const version = driver.plane.version;
    for (const bad of ['bad-weights-sum', 'bad-missing-subset', 'bad-yaml']) {
      expect(() => scenario(join('..', 'src', 'scenarios', 'testdata', bad))).toThrow(/testdata\/bad-/);
    }
    expect(driver.plane.version).toBe(version);
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

describe('LocalDriver: regexes and client restarts', () => {
  // The clients' own counters (/stats) and pages, on ports of their own.
  // Below Linux's ephemeral range (32768-60999), where a port found free can be handed to some
  // other connection before the client binds it (EADDRINUSE in CI); apart from the other test's range.
  const httpBase = 25500 + Math.floor(Math.random() * 4_000);
  const driver = new LocalDriver({ callsNeeded: () => 40, clientRate: 200, clientHttpPort: httpBase });
  const allV1 = scenario('all-v1');
  const tmp = mkdtempSync(join(tmpdir(), 'canarykit-driver-'));
  /** header-user-admin with its `exact: admin` match replaced by a regex, as loaded from its folder. */
  const adminByRegex = (name: string, regex: string): Scenario => {
    const dir = join(tmp, name);
    cpSync(join(ROOT, 'scenarios', 'header-user-admin'), dir, { recursive: true });
    const vs = join(dir, 'virtual-service.yaml');
    writeFileSync(vs, readFileSync(vs, 'utf8').replace('exact: admin', `regex: ${JSON.stringify(regex)}`));
    return loadScenario(dir);
  };

  beforeAll(async () => {
    await driver.up();
    await driver.waitForRouting(allV1, await driver.apply(allV1));
  }, 60_000);
  afterAll(async () => {
    await driver.down();
    rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it('routes on RE2-only syntax ((?i), \\p{L}) as the clients evaluate it', async () => {
    for (const regex of ['(?i)ADMIN', '\\p{L}+']) {
      const s = adminByRegex(`admin-${regex.length}`, regex);
      const applied = await driver.apply(s);
      await driver.waitForRouting(s, applied);
      const logs = await driver.collect(s, new Date());
      expect([...outcomes(logs.clients['admin']!).keys()], regex).toEqual(['v2.0.0']);
      expect([...outcomes(logs.clients['default']!).keys()], regex).toEqual(['v1.0.0']);
    }
  }, 60_000);

  it('refuses a regex RE2 refuses before pushing it: every client keeps running on the last config', async () => {
    await driver.waitForRouting(allV1, await driver.apply(allV1));
    const version = driver.plane.version;
    // The loader refuses it, naming the file and the field: play and the demo load before they apply.
    expect(() => adminByRegex('admin-bad', 'admin|a{1001}')).toThrow(
      /virtual-service\.yaml: spec\.http\[0\]\.match\[0\]\.headers\.user\.regex: .*invalid repetition size: \{1001\}/,
    );
    expect(driver.plane.version).toBe(version);
    await new Promise((r) => setTimeout(r, 500));
    expect(driver.activeClients().map((c) => c.running)).toEqual([true, true]);
    const logs = await driver.collect(allV1, new Date());
    for (const lines of Object.values(logs.clients)) expect([...outcomes(lines).keys()]).toEqual(['v1.0.0']);
  }, 60_000);

  it('restarts clients that exited on their own HTTP ports, and counts their calls', async () => {
    const before = driver.activeClients();
    const portOf = (list: typeof before) => Object.fromEntries(list.map((c) => [c.identity, c.httpPort]));
    const ports = before.map((c) => c.httpPort);
    expect(new Set(ports).size).toBe(ports.length);
    for (const c of before) process.kill(c.pid!, 'SIGKILL');
    await expect.poll(() => driver.activeClients().every((c) => !c.running), { timeout: 5000 }).toBe(true);
    await driver.waitForRouting(allV1, await driver.apply(allV1));
    const after = driver.activeClients();
    expect(after.map((c) => c.running)).toEqual([true, true]);
    expect(portOf(after)).toEqual(portOf(before));
    for (const c of after) expect(c.pid).not.toBe(before.find((b) => b.identity === c.identity)!.pid);
    for (const port of ports) expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text()).toBe('ok\n');
    // The local mesh binds the clients' pages to loopback, as it does every other port.
    for (const c of after) expect(c.lines.find((l) => l.includes('http listening'))).toMatch(/address:"127\.0\.0\.1:\d+"/);
    const logs = await driver.collect(allV1, new Date());
    for (const lines of Object.values(logs.clients)) expect(outcomes(lines).get('v1.0.0')).toBeGreaterThanOrEqual(40);
  }, 60_000);
});
