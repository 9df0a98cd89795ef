// `canarykit play` driven the way a workshop instructor types: apply, look, switch, verify, quit.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'canarykit.js');

describe('canarykit play', () => {
  it('switches routing by scenario name while the clients keep calling, and stops everything on quit', async () => {
    const child = spawn(process.execPath, [BIN, 'play', '--http-port', '0', '--dashboard-port', '0', '--rate', '300'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const waitFor = (re: RegExp, from = 0) =>
      new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 30_000;
        const poll = () => (re.test(out.slice(from)) ? resolve() : Date.now() > deadline ? reject(new Error(`no ${re} in:\n${out}`)) : setTimeout(poll, 50));
        poll();
      });
    const type = (line: string) => child.stdin.write(`${line}\n`);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    await waitFor(/local mesh up/);
    await waitFor(/dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    type('all-v1');
    await waitFor(/applied all-v1/);
    type('verify');
    await waitFor(/PASS all-v1 \(local/);

    let mark = out.length;
    type('mirror-v2');
    await waitFor(/mirror-v2 runs on kind \+ Istio only/, mark);
    type('all-v2');
    await waitFor(/unknown scenario "all-v2"; the last routing stays\. Scenarios: all-v1, /, mark);
    type('header-user-admin');
    await waitFor(/applied header-user-admin/, mark);
    await new Promise((r) => setTimeout(r, 1000));
    mark = out.length;
    type('status');
    await waitFor(/admin \(\d+ calls since header-user-admin was applied\)\n\s+v2\s+█+\s+100\.0%/, mark);
    expect(out.slice(mark)).toMatch(/default \(\d+ calls since header-user-admin was applied\)\n\s+v1\s+█+\s+100\.0%/);

    type('quit');
    expect(await exited).toBe(0);
  }, 60_000);

  it('stops at once, naming the fix, when the dashboard port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [BIN, 'play', '--dashboard-port', String(port)], { encoding: 'utf8', input: '' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `the dashboard cannot listen on 127.0.0.1:${port} (the port is in use): pass --dashboard-port with a free port, 0 for any, or --no-dashboard`,
      );
      expect(r.stdout).not.toContain('local mesh up');
    } finally {
      busy.close();
    }
  });
});
