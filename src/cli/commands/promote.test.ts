// `canarykit promote` refuses bad input before anything runs: no mesh is started, no routing
// changes, no step folder is written, and the message names what is wrong and how to fix it.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'canarykit.js');

function promote(...args: string[]) {
  const out = join(mkdtempSync(join(tmpdir(), 'canarykit-promote-cli-')), 'steps');
  const r = spawnSync(process.execPath, [BIN, 'promote', '--out', out, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, wroteSteps: existsSync(out) };
}

describe('canarykit promote: bad input', () => {
  it('a schedule that does not increase', () => {
    const r = promote('--scenario', 'promote-good', '--schedule', '5,25,10,100');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--schedule: \[2\]: 10 follows 25: the weight of v2 must increase at every step \(give increasing whole percents ending at 100, e\.g\. 5,10,25,50,100\)\nno routing was changed/,
    );
    expect(r.wroteSteps).toBe(false);
    expect(r.stdout).not.toMatch(/starting/);
  });

  it('--dashboard-port without --dashboard, or with --json, or not a port', () => {
    for (const [args, message] of [
      [['--dashboard-port', '9000'], /--dashboard-port needs --dashboard/],
      [['--dashboard', '--json'], /--dashboard and --json do not go together/],
      [['--dashboard', '--dashboard-port', 'x'], /--dashboard-port must be a port number \(0: any free port\), got "x"/],
    ] as const) {
      const r = promote('--scenario', 'promote-good', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.wroteSteps).toBe(false);
    }
  });

  it('a schedule that does not end at 100', () => {
    const r = promote('--scenario', 'promote-good', '--schedule', '5,10,50');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the last step is 50, not 100: a promotion ends with every call on v2/);
    expect(r.wroteSteps).toBe(false);
  });

  it('a service without the subsets', () => {
    const r = promote('--scenario', 'no-rules');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no DestinationRule for greeter-server, so the service has no subsets v1 and v2 to weigh \(add a DestinationRule with subsets v1/);
    expect(r.wroteSteps).toBe(false);
  });

  it('a bad promote.yaml, named with its field', () => {
    const root = mkdtempSync(join(tmpdir(), 'canarykit-promote-root-'));
    cpSync(join(ROOT, 'scenarios', 'promote-good'), join(root, 'promote-good'), { recursive: true });
    writeFileSync(join(root, 'promote-good', 'expect', 'promote.yaml'), 'schedule: [10, 5, 100]\n');
    const r = promote('--scenarios-dir', root, '--scenario', 'promote-good');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/promote-good\/expect\/promote.yaml: schedule\[1\]: 5 follows 10/);
    expect(r.wroteSteps).toBe(false);
  });

  it('an unknown scenario, a missing --scenario, an unknown driver', () => {
    expect(promote('--scenario', 'nope').stderr).toMatch(/scenarios\/nope: not a scenario folder/);
    expect(promote().stderr).toMatch(/give --scenario NAME \(e\.g\. promote-good/);
    expect(promote('--scenario', 'promote-good', '--driver', 'minikube')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--driver must be local or kind, got 'minikube'/),
    });
  });
});

describe('canarykit promote: Ctrl-C on the local mesh', () => {
  it('mid-promotion rolls back to 0% v2, says which weight is in force, and exits 130', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'canarykit-promote-int-')), 'steps');
    const child = spawn(process.execPath, [BIN, 'promote', '--scenario', 'promote-good', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Interrupt while the 10% step gathers its calls.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 120_000;
      const poll = () =>
        /\[2\/5\] 10% v2 in force/.test(text) ? resolve() : Date.now() > deadline ? reject(new Error(`no 10% step in:\n${text}`)) : setTimeout(poll, 50);
      poll();
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(text).toMatch(/interrupted; rolling back to 0% v2 after any apply in flight/);
    expect(text).toMatch(/\[0\/5\] 0% v2 in force\n[\s\S]*INTERRUPTED promote-good/);
    expect(text).toMatch(/interrupted at 10% v2; rolled back to 0% v2/);
    expect(text).toMatch(/routing in force: 0% v2, 100% v1 \(kubectl apply -f .*step-0-v2-0pct\)/);
  }, 180_000);
});
