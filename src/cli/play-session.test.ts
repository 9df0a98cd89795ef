// `play`'s scenario switch against real processes: switching between two scenarios that agree on a
// client never misroutes that client's calls, and a refused scenario changes nothing.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDriver } from '../local/local-driver.ts';
import { loadScenario } from '../scenarios/load.ts';
import { parseClientLine } from '../verify/log-line.ts';
import { PlaySession } from './play-session.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const load = (name: string) => loadScenario(join(ROOT, 'scenarios', name));

/** Outcomes (version id or status name) of the lines after the first `skip`. */
function outcomes(lines: readonly string[], skip = 0): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines.slice(skip)) {
    const e = parseClientLine(line);
    if (!e) continue;
    const key = e.kind === 'response' ? e.version : e.status;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('PlaySession (play: switching scenarios on the local mesh)', () => {
  // The clients' own counters (/stats) count every call, whatever happens to the collected lines.
  // Below Linux's ephemeral range (32768-60999), where a port found free can be handed to some
  // other connection before the client binds it (EADDRINUSE in CI); apart from the other test's range.
  const httpBase = 21000 + Math.floor(Math.random() * 4_000);
  const driver = new LocalDriver({ clientRate: 500, callsNeeded: () => 50, clientHttpPort: httpBase });
  const session = new PlaySession(driver);
  const allV1 = load('all-v1');
  const admin = load('header-user-admin');
  const tmp = mkdtempSync(join(tmpdir(), 'canarykit-play-'));

  beforeAll(async () => {
    await driver.up();
    await session.apply(allV1);
  }, 60_000);
  afterAll(async () => {
    await driver.down();
    rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it("misroutes none of the default client's calls over 100 switches between all-v1 and header-user-admin", async () => {
    // Both scenarios send the default client (no headers) to v1: not one of its calls may reach v2,
    // during a switch included.
    const port = driver.activeClients().find((c) => c.identity === 'default')!.httpPort;
    const stats = async () => {
      const s = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { versions: Record<string, number>; errors: Record<string, number> };
      return { ...s.versions, ...s.errors };
    };
    const before = await stats();
    const version = Number(driver.plane.version);
    for (let i = 0; i < 100; i++) await session.apply(i % 2 === 0 ? admin : allV1);
    // One push per switch, straight from the old config to the new one: no intermediate config
    // (an empty one is round robin over v1 and v2) ever reaches a client.
    expect(Number(driver.plane.version) - version).toBe(100);
    await new Promise((r) => setTimeout(r, 200));
    const after = await stats();
    const delta = Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]));
    const total = Object.values(delta).reduce((a, b) => a + b, 0);
    process.stdout.write(`play switches: 100, default client calls ${total}, outcomes ${JSON.stringify(delta)}\n`);
    expect(total).toBeGreaterThan(300);
    expect(delta).toEqual({ 'v1.0.0': total });
  }, 180_000);

  it('keeps the last routing, the clients and the window when the next scenario is refused', async () => {
    await session.apply(admin);
    const since = session.since;
    const version = driver.plane.version;
    // A copy of header-user-admin that loaded when play started, then was edited into a regex RE2 refuses.
    const dir = join(tmp, 'header-user-admin-copy');
    cpSync(join(ROOT, 'scenarios', 'header-user-admin'), dir, { recursive: true });
    const stale = loadScenario(dir);
    const vsFile = join(dir, 'virtual-service.yaml');
    writeFileSync(vsFile, readFileSync(vsFile, 'utf8').replace('exact: admin', 'regex: "(?<=x)admin"'));

    const marks = new Map(driver.activeClients().map((c) => [c.identity, c.lines.length]));
    await expect(session.apply(stale)).rejects.toThrow(/virtual-service\.yaml: spec\.http\[0\]\.match\[0\]\.headers\.user\.regex/);
    expect(driver.plane.version).toBe(version);
    expect(session.current?.name).toBe('header-user-admin');
    expect(session.since).toBe(since);
    await new Promise((r) => setTimeout(r, 500));
    const byIdentity = Object.fromEntries(driver.activeClients().map((c) => [c.identity, [...outcomes(c.lines, marks.get(c.identity)).keys()]]));
    expect(byIdentity).toEqual({ default: ['v1.0.0'], admin: ['v2.0.0'] });
  }, 60_000);
});
