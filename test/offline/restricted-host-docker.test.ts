// scripts/offline/restricted-host/docker: the `docker` kind runs where --privileged is refused.
// A fake docker later on PATH prints the argv it receives, so the rewrite is checked exactly.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const WRAPPER_DIR = join(import.meta.dirname, '../../scripts/offline/restricted-host');
const fake = mkdtempSync(join(tmpdir(), 'fake-docker-'));
writeFileSync(join(fake, 'docker'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
chmodSync(join(fake, 'docker'), 0o755);

const run = (...args: string[]) =>
  execFileSync(join(WRAPPER_DIR, 'docker'), args, { env: { PATH: `${WRAPPER_DIR}:${fake}:/usr/bin:/bin` }, encoding: 'utf8' })
    .trimEnd()
    .split('\n');

describe('restricted-host docker wrapper', () => {
  it('replaces --privileged on run and create by every capability but SYS_RESOURCE, unconfined paths and all devices', () => {
    for (const verb of ['run', 'create']) {
      const argv = run(verb, '--name', 'n', '--privileged', '--cgroupns=private', 'img', 'arg');
      expect(argv).not.toContain('--privileged');
      expect(argv).toEqual([
        verb,
        '--name',
        'n',
        '--cap-add=ALL',
        '--cap-drop=SYS_RESOURCE',
        '--security-opt=systempaths=unconfined',
        '--device-cgroup-rule=a *:* rwm',
        '--device=/dev/kmsg',
        '--cgroupns=private',
        'img',
        'arg',
      ]);
    }
  });

  it('drops --privileged from exec and passes everything else through unchanged', () => {
    expect(run('exec', '--privileged', '-i', 'node', 'ctr', 'images', 'import', '-')).toEqual(['exec', '-i', 'node', 'ctr', 'images', 'import', '-']);
    expect(run('inspect', '--privileged', 'x')).toEqual(['inspect', '--privileged', 'x']);
    expect(run('ps', '-a', '--format', '{{.Names}} {{.Image}}')).toEqual(['ps', '-a', '--format', '{{.Names}} {{.Image}}']);
  });

  it('says so when no real docker is on PATH', () => {
    // A PATH with bash and dirname (what the wrapper runs on) but no docker.
    const bare = mkdtempSync(join(tmpdir(), 'no-docker-'));
    for (const tool of ['bash', 'dirname']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bare, tool));
    expect(() => execFileSync(join(WRAPPER_DIR, 'docker'), ['ps'], { env: { PATH: `${WRAPPER_DIR}:${bare}` }, stdio: 'pipe' })).toThrow(
      /no real docker on PATH/,
    );
  });
});
