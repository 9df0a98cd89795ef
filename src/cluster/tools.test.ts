import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptedRunner } from './scripted-runner.ts';
import { readPinnedVersions } from './settings.ts';
import { ClusterError, execaRunner, findTool, installHint, listKindClusters, preflight } from './tools.ts';

const versions = { kind: 'v0.33.0', kindNodeImage: 'kindest/node:v1.36.4@sha256:x', istio: '1.31.1', kubectl: 'v1.36.4', helm: 'v4.3.1' };
const recorded = (file: string) => readFileSync(join(import.meta.dirname, 'testdata/tool-output', file), 'utf8');

function fakeBin(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'canarykit-bin-'));
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\necho fake\n');
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('findTool', () => {
  it('prefers PATH, falls back to the project .tools/bin, else undefined', () => {
    const onPath = fakeBin(['kind']);
    const local = fakeBin(['kind', 'istioctl']);
    expect(findTool('kind', { path: onPath, localBin: local })).toBe(join(onPath, 'kind'));
    expect(findTool('istioctl', { path: onPath, localBin: local })).toBe(join(local, 'istioctl'));
    expect(findTool('helm', { path: onPath, localBin: local })).toBeUndefined();
  });

  it('ignores files that are not executable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canarykit-bin-'));
    writeFileSync(join(dir, 'kind'), '');
    expect(findTool('kind', { path: dir, localBin: '/nonexistent' })).toBeUndefined();
  });
});

describe('missing tools', () => {
  it('fail with the exact install command, pinned', () => {
    expect(installHint('kind', versions)).toContain('go install sigs.k8s.io/kind@v0.33.0');
    expect(installHint('kind', versions)).toContain('make tools-kind');
    expect(installHint('istioctl', versions)).toContain('ISTIO_VERSION=1.31.1');
    expect(installHint('helm', versions)).toContain('v4.3.1');
  });

  it('the real runner throws a ClusterError (no stack trace) naming the tool and the fix', async () => {
    const runner = execaRunner({ path: '/nonexistent', localBin: '/nonexistent/.tools/bin' }, versions);
    const error = await runner.run(['kind', 'get', 'clusters']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toBe(
      'kind not found on PATH or in /nonexistent/.tools/bin\n  fix: make tools-kind   (runs: GOBIN=$PWD/.tools/bin go install sigs.k8s.io/kind@v0.33.0)',
    );
  });

  it('the real runner runs a tool found in .tools/bin and returns its exit code', async () => {
    const local = fakeBin(['kind']);
    const result = await execaRunner({ path: '/nonexistent', localBin: local }, versions).run(['kind', 'version']);
    expect(result).toEqual({ exitCode: 0, stdout: 'fake\n', stderr: '' });
  });

  it('pins real versions in scripts/tools/versions.env', () => {
    const pinned = readPinnedVersions();
    expect(pinned.kind).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(pinned.istio).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pinned.kubectl).toMatch(/^v1\.\d+\.\d+$/);
  });
});

describe('preflight', () => {
  const ctx = (runner: ReturnType<typeof scriptedRunner>) => ({
    runner,
    versions,
    clusterName: 'canarykit',
    where: { localBin: '/nonexistent', path: '/nonexistent' },
  }); // PATH too: make puts its tool folders on it

  it('says Docker is not running, with the daemon error docker printed (recorded)', async () => {
    const runner = scriptedRunner([
      [/^docker info/, { exitCode: 1, stdout: recorded('docker-info-no-daemon.stdout'), stderr: recorded('docker-info-no-daemon.stderr') }],
    ]);
    await expect(preflight(ctx(runner), { docker: true })).rejects.toThrow(
      'Docker is not running (docker info: Cannot connect to the Docker daemon at unix:///nonexistent.sock. Is the docker daemon running?)\n  fix: start Docker',
    );
  });

  it('says there is no cluster and to run make cluster-up (kind output recorded)', async () => {
    const runner = scriptedRunner([
      [/^docker info/, { stdout: '28.2.2\n' }],
      [/^kind get clusters/, { stdout: recorded('kind-get-clusters-none.stdout'), stderr: recorded('kind-get-clusters-none.stderr') }],
    ]);
    await expect(preflight(ctx(runner), { cluster: true })).rejects.toThrow(
      "no kind cluster named 'canarykit' (kind get clusters: none)\n  fix: make cluster-up",
    );
    expect(await listKindClusters(scriptedRunner([[/kind get clusters/, { stdout: 'other\ncanarykit\n' }]]))).toEqual(['other', 'canarykit']);
  });

  it('passes when Docker runs and the cluster exists', async () => {
    const runner = scriptedRunner([[/^kind get clusters/, { stdout: 'canarykit\n' }]]);
    await expect(preflight(ctx(runner), { cluster: true })).resolves.toBeUndefined();
    expect(runner.lines()).toEqual(['docker info --format {{.ServerVersion}}', 'kind get clusters']);
  });

  it('names a missing tool before running anything', async () => {
    const runner = scriptedRunner([]);
    await expect(preflight(ctx(runner), { tools: ['istioctl'] })).rejects.toThrow(/istioctl not found[\s\S]*make tools-istioctl/);
    expect(runner.calls).toEqual([]);
  });
});

// The real docker CLI against a socket where no daemon listens: the message a user would get.
describe.runIf(findTool('docker', { localBin: '/nonexistent' }) !== undefined)('preflight with the real docker CLI', () => {
  it('reports the daemon as not running', async () => {
    const runner = execaRunner(
      { localBin: '/nonexistent', env: { PATH: process.env.PATH, DOCKER_HOST: 'unix:///nonexistent/docker.sock', HOME: process.env.HOME } },
      versions,
    );
    await expect(preflight({ runner, versions, clusterName: 'canarykit', where: { localBin: '/nonexistent' } }, { docker: true })).rejects.toThrow(
      /^Docker is not running \(docker info: Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/docker\.sock/,
    );
  });
});

describe('execaRunner working directory', () => {
  it('runs commands in the repository so the plan’s relative paths resolve', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'canarykit-bin-'));
    writeFileSync(join(bin, 'kind'), '#!/bin/sh\npwd\n');
    chmodSync(join(bin, 'kind'), 0o755);
    const result = await execaRunner({ path: '/nonexistent', localBin: bin, cwd: '/tmp' }, versions).run(['kind']);
    expect(result.stdout.trim()).toBe('/tmp');
  });
});
