import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterNode, imagesOfNode, parseOfflineChoice, privilegedRefused, readOfflineImages, resolveImages } from './images.ts';
import { scriptedRunner } from './scripted-runner.ts';
import type { PinnedVersions } from './settings.ts';

const versions: PinnedVersions = {
  kind: 'v0.33.0',
  kindNodeImage: 'kindest/node:v1.36.4@sha256:abc',
  istio: '1.31.1',
  kubectl: 'v1.36.4',
  helm: 'v4.3.1',
  offlineIstio: '1.31-dev',
};
const offline = {
  nodeImage: 'canarykit.local/kind-node:v1.34.4-k1',
  istioHub: 'canarykit.local/istio',
  istioTag: '1.31-dev-k2',
  toolsBin: '/x/.tools/offline/bin',
};
const log = () => {};

describe('which images cluster-up uses', () => {
  it('uses the official node image when it is here, without pulling', async () => {
    const runner = scriptedRunner([[/docker image inspect .*kindest\/node/, { exitCode: 0 }]]);
    const images = await resolveImages({ runner, versions, choice: 'auto', log, offline });
    expect(images).toMatchObject({ source: 'official', nodeImage: versions.kindNodeImage, istioVersion: '1.31.1', envoy: true });
    expect(runner.lines().some((l) => l.startsWith('docker pull'))).toBe(false);
  });

  it('pulls the official node image when it can', async () => {
    const runner = scriptedRunner([
      [/docker image inspect/, { exitCode: 1 }],
      [/docker pull/, { exitCode: 0 }],
    ]);
    expect((await resolveImages({ runner, versions, choice: 'auto', log, offline })).source).toBe('official');
  });

  it('falls back to the offline images when the pull fails, and says why', async () => {
    const runner = scriptedRunner([
      [/docker image inspect .*kindest/, { exitCode: 1 }],
      [/docker image inspect/, { exitCode: 0 }],
      [
        /docker pull/,
        { exitCode: 1, stderr: 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host\n' },
      ],
    ]);
    const images = await resolveImages({ runner, versions, choice: 'auto', log, offline });
    expect(images).toMatchObject({
      source: 'offline',
      nodeImage: offline.nodeImage,
      istio: { hub: offline.istioHub, tag: offline.istioTag },
      istioVersion: '1.31-dev',
      envoy: false,
      toolsBin: offline.toolsBin,
    });
    expect(images.reason).toMatch(/docker pull .* failed \(Error response from daemon.*no such host\)/);
  });

  it('names the fix when neither the official nor the offline images can be had', async () => {
    const runner = scriptedRunner([
      [/docker image inspect/, { exitCode: 1 }],
      [/docker pull/, { exitCode: 1, stderr: 'no such host' }],
    ]);
    await expect(resolveImages({ runner, versions, choice: 'auto', log, offline: undefined })).rejects.toThrow(
      /offline images are not built[\s\S]*fix: make offline-images/,
    );
  });

  it('OFFLINE=1 never tries the registry, and refuses when an offline image is gone', async () => {
    const ok = scriptedRunner([[/docker image inspect/, { exitCode: 0 }]]);
    expect((await resolveImages({ runner: ok, versions, choice: 'yes', log, offline })).source).toBe('offline');
    expect(ok.lines().some((l) => /kindest|docker pull/.test(l))).toBe(false);
    const gone = scriptedRunner([
      [/proxyv2/, { exitCode: 1 }],
      [/docker image inspect/, { exitCode: 0 }],
    ]);
    await expect(resolveImages({ runner: gone, versions, choice: 'yes', log, offline })).rejects.toThrow(
      /offline image canarykit.local\/istio\/proxyv2:1.31-dev-k2 is gone[\s\S]*make offline-images/,
    );
  });

  it('OFFLINE=0 uses the official images whatever is here', async () => {
    const runner = scriptedRunner([]);
    expect((await resolveImages({ runner, versions, choice: 'no', log, offline })).source).toBe('official');
    expect(runner.calls).toHaveLength(0);
  });

  it('reads OFFLINE', () => {
    expect(parseOfflineChoice(undefined)).toBe('auto');
    expect(parseOfflineChoice('1')).toBe('yes');
    expect(parseOfflineChoice('false')).toBe('no');
    expect(() => parseOfflineChoice('maybe')).toThrow(/OFFLINE=maybe is not understood[\s\S]*OFFLINE=1/);
  });
});

describe('the images of an existing cluster', () => {
  it('are offline when its node runs an offline node image', () => {
    expect(imagesOfNode(offline.nodeImage, 'canarykit', versions, () => offline).source).toBe('offline');
  });
  it('are official otherwise', () => {
    expect(imagesOfNode('kindest/node:v1.36.4', 'canarykit', versions, () => offline).source).toBe('official');
  });
  it('need images.env when the node is offline', () => {
    expect(() => imagesOfNode(offline.nodeImage, 'canarykit', versions, () => undefined)).toThrow(/images.env is missing/);
  });
});

describe('images.env', () => {
  it('is read back as written by build-images.sh, and an incomplete one is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'images-env-'));
    const file = join(dir, 'images.env');
    writeFileSync(
      file,
      `# comment\nOFFLINE_NODE_IMAGE=${offline.nodeImage}\nOFFLINE_ISTIO_HUB=${offline.istioHub}\nOFFLINE_ISTIO_TAG=${offline.istioTag}\nOFFLINE_TOOLS_BIN=${offline.toolsBin}\n`,
    );
    expect(readOfflineImages(file)).toEqual(offline);
    writeFileSync(file, `OFFLINE_NODE_IMAGE=${offline.nodeImage}\n`);
    expect(() => readOfflineImages(file)).toThrow(/incomplete/);
    expect(readOfflineImages(join(dir, 'missing.env'))).toBeUndefined();
  });
});

describe('a host that refuses --privileged', () => {
  it('is told apart from one that allows it and from other failures', async () => {
    const refused = scriptedRunner([
      [
        /--privileged/,
        {
          exitCode: 126,
          stderr:
            'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown.\n',
        },
      ],
    ]);
    expect(await privilegedRefused(refused, 'img')).toBe(true);
    expect(await privilegedRefused(scriptedRunner([]), 'img')).toBe(false);
    const other = scriptedRunner([[/--privileged/, { exitCode: 125, stderr: 'Unable to find image img locally\n' }]]);
    await expect(privilegedRefused(other, 'img')).rejects.toThrow(/failed for another reason: Unable to find image/);
  });
});

describe('a node container', () => {
  it('is read with one docker inspect: its image, and running only when Docker says so', async () => {
    expect(await clusterNode(scriptedRunner([[/inspect .*Config.Image.*State.Running/, { stdout: `${offline.nodeImage} true\n` }]]), 'canarykit')).toEqual({
      image: offline.nodeImage,
      running: true,
    });
    expect(await clusterNode(scriptedRunner([[/inspect/, { stdout: 'kindest/node:v1.36.4 false\n' }]]), 'canarykit')).toEqual({
      image: 'kindest/node:v1.36.4',
      running: false,
    });
    expect(await clusterNode(scriptedRunner([[/inspect/, { exitCode: 1, stderr: 'Error: No such object' }]]), 'canarykit')).toBeUndefined();
  });
});
