// ClientLogStreams against a fake kubectl (src/cluster/testing/fake-kubectl-logs.ts): the command
// it runs, lines as they come, a follow that ends (a replaced pod) opened again without counting a
// line twice, and a new scenario ending the old follows.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientLogStreams } from './client-logs.ts';

const FAKE = join(import.meta.dirname, 'testing', 'fake-kubectl-logs.ts');

describe('ClientLogStreams (the dashboard reading cluster clients from their pods)', () => {
  let dir: string;
  let streams: ClientLogStreams;
  let fake: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-logs-'));
    process.env.FAKE_KUBECTL_DIR = dir;
    // kubectl is one program: a shell wrapper runs the fake with this Node.
    fake = join(dir, 'kubectl');
    writeFileSync(fake, `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "$@"\n`, { mode: 0o755 });
    streams = new ClientLogStreams({ kubectl: fake, context: 'kind-canarykit', namespace: 'canarykit', restartMs: 100 });
  });
  afterEach(async () => {
    await streams.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = (identity: string) => streams.clients().find((c) => c.identity === identity)?.lines ?? [];
  const argvs = () =>
    readFileSync(join(dir, 'argv.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);

  it('follows each identity by its label, from the time the routing took effect, and keeps lines as they come', async () => {
    writeFileSync(join(dir, 'default.log'), 'a1\na2\n');
    writeFileSync(join(dir, 'admin.log'), 'b1\n');
    const since = new Date('2026-12-05T10:00:00.000Z');
    streams.follow(['default', 'admin'], since);
    await expect.poll(() => [lines('default').length, lines('admin').length]).toEqual([2, 1]);
    appendFileSync(join(dir, 'default.log'), 'a3\n');
    await expect.poll(() => lines('default')).toEqual(['a1', 'a2', 'a3']);
    expect(argvs()).toContainEqual([
      '--context',
      'kind-canarykit',
      'logs',
      '--follow',
      '-n',
      'canarykit',
      '-l',
      'app=greeter-client-default,identity=default',
      '-c',
      'client',
      '--since-time=2026-12-05T10:00:00Z',
      '--tail=-1',
      '--max-log-requests=20',
    ]);
  });

  it('opens a follow again when it ends (a replaced pod), counting no line twice', async () => {
    writeFileSync(join(dir, 'default.log'), 'a1\na2\n');
    streams.follow(['default'], new Date());
    await expect.poll(() => lines('default').length).toBe(2);
    writeFileSync(join(dir, 'default.end'), '');
    await expect.poll(() => argvs().length, { timeout: 5_000 }).toBe(2);
    appendFileSync(join(dir, 'default.log'), 'a3\n');
    // The second follow prints a1, a2 again (since the same time): kept once.
    await expect.poll(() => lines('default')).toEqual(['a1', 'a2', 'a3']);
    expect(streams.clients()[0]!.tail).toMatch(/pod greeter-client-default-abc is terminating/);
  });

  it('a new scenario ends the follows of the last one', async () => {
    writeFileSync(join(dir, 'default.log'), 'a1\n');
    streams.follow(['default'], new Date());
    await expect.poll(() => lines('default').length).toBe(1);
    streams.follow(['admin'], new Date());
    expect(streams.clients().map((c) => c.identity)).toEqual(['admin']);
    appendFileSync(join(dir, 'default.log'), 'a2\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(argvs().filter((a) => a.includes('app=greeter-client-default,identity=default'))).toHaveLength(1);
  });

  it('says why a client cannot be read when kubectl cannot be run', async () => {
    const broken = new ClientLogStreams({ kubectl: join(dir, 'no-such-kubectl'), context: 'c', namespace: 'n', restartMs: 60_000 });
    broken.follow(['default'], new Date());
    await expect.poll(() => broken.clients()[0]!.tail).toMatch(/cannot run .*no-such-kubectl: spawn .*ENOENT/);
    await broken.close();
  });
});
