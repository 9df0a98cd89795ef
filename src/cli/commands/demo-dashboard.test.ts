// `canarykit demo --dashboard`: the dashboard shows the run, and stays open after it, the mesh
// still running with the last scenario in force, until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DashboardState } from '../../dashboard/state.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'canarykit.js');

describe('canarykit demo --dashboard', () => {
  it('serves the dashboard during the run and keeps it, and the mesh, until Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--scenario', 'all-v1', '--dashboard', '--dashboard-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const waitFor = (re: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const deadline = Date.now() + 90_000;
        const poll = () => {
          const m = re.exec(out);
          if (m) return resolve(m);
          if (child.exitCode !== null) return reject(new Error(`demo exited (${child.exitCode}) before ${re}:\n${out}`));
          if (Date.now() > deadline) return reject(new Error(`no ${re} in:\n${out}`));
          setTimeout(poll, 100);
        };
        poll();
      });
    try {
      const url = (await waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(each scenario as it runs/))[1]!;
      await waitFor(/1 of 1 local scenarios passed/);
      await waitFor(/stays open with all-v1 in force \(switch scenarios there\); Ctrl-C to stop/);
      const state = (await (await fetch(`${url}api/state`)).json()) as DashboardState;
      expect(state.scenario?.name).toBe('all-v1');
      expect(state.verdict).toMatchObject({ scenario: 'all-v1', passed: true });
      expect(state.clients.map((c) => c.identity).sort()).toEqual(['admin', 'default']);
      // The run is over and the mesh is still there: its clients keep calling, and the page can switch.
      const before = state.clients.find((c) => c.identity === 'default')!.total;
      await expect
        .poll(async () => ((await (await fetch(`${url}api/state`)).json()) as DashboardState).clients.find((c) => c.identity === 'default')!.total, {
          timeout: 10_000,
        })
        .toBeGreaterThan(before);
      const switched = await fetch(`${url}api/switch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ scenario: 'all-v1' }),
      });
      expect(await switched.json()).toMatchObject({ ok: true, scenario: 'all-v1' });
      expect(child.exitCode).toBeNull();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`${url}api/state`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('refuses --dashboard-port without --dashboard, and --dashboard with --json, naming the fix', () => {
    const port = spawnSync(process.execPath, [BIN, 'demo', '--dashboard-port', '9'], { encoding: 'utf8' });
    expect(port.status).toBe(2);
    expect(port.stderr).toBe('canarykit demo: --dashboard-port needs --dashboard\n');
    const json = spawnSync(process.execPath, [BIN, 'demo', '--dashboard', '--json'], { encoding: 'utf8' });
    expect(json.status).toBe(2);
    expect(json.stderr).toMatch(/--dashboard and --json do not go together .*: choose one/);
  });
});
