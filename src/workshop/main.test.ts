// `node src/workshop/main.ts` as make workshop runs it: the summary line, the exit codes, and a
// process that ends when the work does (no timer left behind keeps it alive).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, 'main.ts');

function workshop(markdown: string, ...args: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'workshop-main-')), 'README.md');
  writeFileSync(file, markdown);
  // The timeout only guards the test run: a runner that hangs fails here instead of never ending.
  return spawnSync(process.execPath, [MAIN, '--file', file, ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('workshop command', () => {
  it('prints how many marked blocks ran and exits 0 when every check held', () => {
    const r = workshop(
      [
        '## 1. A',
        '<!-- workshop: run -->',
        '```sh',
        'echo hello',
        '```',
        'You should see `hello`.',
        '<!-- workshop: manual needs a cluster -->',
        '```sh',
        'make e2e',
        '```',
      ].join('\n'),
    );
    expect(r.signal).toBeNull();
    expect(r.stdout).toContain(
      'workshop: 1 of 1 marked blocks ran in part(s) 1: 1 passed (1 "you should see" checks), 0 failed, 0 did not run; 1 manual block(s) not run by design',
    );
    expect(r.status).toBe(0);
  });

  it('exits 1 and names the blocks that failed and those that never ran', () => {
    const r = workshop(
      ['## 1. A', '<!-- workshop: run -->', '```sh', 'echo hello', '```', 'You should see `goodbye`.', '<!-- workshop: run -->', '```sh', 'true', '```'].join(
        '\n',
      ),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('workshop: 1 of 2 marked blocks ran in part(s) 1: 0 passed (0 "you should see" checks), 1 failed, 1 did not run');
    expect(r.stdout).toMatch(/FAILED part 1, .*README\.md:3: run: echo hello/);
    expect(r.stdout).toMatch(/DID NOT RUN part 1, .*README\.md:8: run: true/);
  });

  it('leaves a part that needs a cluster out of a run of every part, says so, and runs it when named', () => {
    const doc = [
      '## 1. A',
      '<!-- workshop: run -->',
      '```sh',
      'echo local',
      '```',
      '## 2. On a cluster',
      '<!-- workshop: needs cluster -->',
      '<!-- workshop: run -->',
      '```sh',
      'echo cluster',
      '```',
      'You should see `cluster`.',
    ].join('\n');
    const all = workshop(doc);
    expect(all.status).toBe(0);
    expect(all.stdout).toContain('workshop: 1 of 1 marked blocks ran in part(s) 1:');
    expect(all.stdout).toContain(
      'part 2 not in this run: it needs a kind cluster (make cluster-up deploy; offline: make offline-images, then PROXYLESS=1), then make workshop PART=2',
    );
    expect(all.stdout).not.toContain('echo cluster');
    const named = workshop(doc, '--part', '2');
    expect(named.status).toBe(0);
    expect(named.stdout).toContain('workshop: 1 of 1 marked blocks ran in part(s) 2: 1 passed (1 "you should see" checks)');
  });

  it('exits 2 on a malformed file or an unknown part, before running anything', () => {
    const bad = workshop(['## 1. A', '<!-- workshop: run -->', 'prose', '```sh', 'touch /should-not-exist', '```'].join('\n'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/README\.md:2: the marker "run" is not followed by a code block/);
    const part = workshop(['## 1. A', '<!-- workshop: run -->', '```sh', 'true', '```'].join('\n'), '--part', '7');
    expect(part.status).toBe(2);
    expect(part.stderr).toMatch(/has no part 7; its parts: 1 \(A\)/);
  });

  it('stops the processes it started when it is interrupted (Ctrl-C on make workshop)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workshop-main-'));
    const file = join(dir, 'README.md');
    const pidFile = join(dir, 'pid');
    writeFileSync(
      file,
      [
        '## 1. A',
        '<!-- workshop: start server -->',
        '```sh',
        `echo $$ > ${pidFile}; echo up; exec sleep 300`,
        '```',
        'You should see `up`.',
        '<!-- workshop: run -->',
        '```sh',
        'sleep 300',
        '```',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [MAIN, '--file', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await expect.poll(() => out, { timeout: 30_000 }).toMatch(/ok {3}line 3 start server/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).not.toThrow();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(out).toContain('workshop: SIGINT: stopping what it started');
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  }, 60_000);
});
