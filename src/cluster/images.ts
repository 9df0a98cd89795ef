// Where the cluster's images come from, decided once per command and said in its output:
// - official: kindest/node (pinned by digest) and istioctl's own Istio release images, pulled from
//   their registries: a laptop with Docker Hub access; nothing of the offline path is used;
// - offline: the images `make offline-images` built from the Go module proxy and Debian packages
//   (scripts/offline/build-images.sh writes .tools/offline/images.env), with the kubectl and
//   istioctl built from the same modules. Istio there has no Envoy: proxyless gRPC only.
// And whether this host refuses `docker run --privileged` (kind needs it): detected, never assumed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvFile, REPO_ROOT } from './env-file.ts';
import type { PinnedVersions } from './settings.ts';
import { ClusterError, firstLine, type CommandRunner } from './tools.ts';

export type ImageSource = 'official' | 'offline';

export interface ClusterImages {
  readonly source: ImageSource;
  /** One sentence: why this source was chosen (printed by cluster-up). */
  readonly reason: string;
  readonly nodeImage: string;
  /** Istio images for `istioctl install` (hub and tag); undefined: istioctl's own release images. */
  readonly istio?: { readonly hub: string; readonly tag: string };
  /** What `istioctl version --remote=false --short` must print. */
  readonly istioVersion: string;
  /** Folder holding the kubectl and istioctl to use, searched before PATH (offline). */
  readonly toolsBin?: string;
  /** Whether the Istio images include Envoy (sidecars, gateways, mirroring). */
  readonly envoy: boolean;
}

/** What scripts/offline/build-images.sh wrote: the tags of the images it built. */
export interface OfflineImages {
  readonly nodeImage: string;
  readonly istioHub: string;
  readonly istioTag: string;
  readonly toolsBin: string;
}

export const OFFLINE_IMAGES_FILE = join(REPO_ROOT, '.tools/offline/images.env');
/** The restricted-host `docker` wrapper kind runs where --privileged is refused. */
export const RESTRICTED_HOST_BIN = join(REPO_ROOT, 'scripts/offline/restricted-host');
/** Every offline node image is tagged under this name (scripts/offline/lib.sh OFFLINE_HUB). */
const OFFLINE_NODE_REPOSITORY = /^canarykit\.local\/kind-node:/;

export function officialImages(versions: PinnedVersions, reason = 'official images (kindest/node and Istio release)'): ClusterImages {
  return { source: 'official', reason, nodeImage: versions.kindNodeImage, istioVersion: versions.istio, envoy: true };
}

export function readOfflineImages(file = OFFLINE_IMAGES_FILE): OfflineImages | undefined {
  if (!existsSync(file)) return undefined;
  const env = parseEnvFile(readFileSync(file, 'utf8'));
  const { OFFLINE_NODE_IMAGE: nodeImage, OFFLINE_ISTIO_HUB: istioHub, OFFLINE_ISTIO_TAG: istioTag, OFFLINE_TOOLS_BIN: toolsBin } = env;
  if (!nodeImage || !istioHub || !istioTag || !toolsBin) {
    throw new ClusterError(`${file} is incomplete (needs OFFLINE_NODE_IMAGE, OFFLINE_ISTIO_HUB, OFFLINE_ISTIO_TAG, OFFLINE_TOOLS_BIN)`, 'make offline-images');
  }
  return { nodeImage, istioHub, istioTag, toolsBin };
}

export function offlineImages(offline: OfflineImages, versions: PinnedVersions, reason: string): ClusterImages {
  return {
    source: 'offline',
    reason,
    nodeImage: offline.nodeImage,
    istio: { hub: offline.istioHub, tag: offline.istioTag },
    istioVersion: versions.offlineIstio ?? 'unknown',
    toolsBin: offline.toolsBin,
    envoy: false,
  };
}

async function imageExists(runner: CommandRunner, image: string): Promise<boolean> {
  return (await runner.run(['docker', 'image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 20_000 })).exitCode === 0;
}

export type OfflineChoice = 'auto' | 'yes' | 'no';

/** OFFLINE=1 / OFFLINE=0 / unset (auto). Anything else is refused. */
export function parseOfflineChoice(value: string | undefined): OfflineChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (/^(1|true|yes)$/i.test(value)) return 'yes';
  if (/^(0|false|no)$/i.test(value)) return 'no';
  throw new ClusterError(
    `OFFLINE=${value} is not understood`,
    'OFFLINE=1 (use the images of make offline-images), OFFLINE=0 (official images), or leave it unset to decide by whether the official node image can be pulled',
  );
}

export interface ResolveOptions {
  readonly runner: CommandRunner;
  readonly versions: PinnedVersions;
  readonly choice: OfflineChoice;
  readonly log: (line: string) => void;
  readonly offline?: OfflineImages | undefined;
  /** How long `docker pull` of the official node image may try (a registry that is not there may hang). */
  readonly pullTimeoutMs?: number;
}

/** For cluster-up: official images when they are here or can be pulled, else the offline ones. */
export async function resolveImages(options: ResolveOptions): Promise<ClusterImages> {
  const { runner, versions, choice, log } = options;
  const offline = options.offline;
  const useOffline = async (reason: string): Promise<ClusterImages> => {
    if (!offline) {
      throw new ClusterError(
        `${reason}, and the offline images are not built (${OFFLINE_IMAGES_FILE} is missing)`,
        'make offline-images   (builds the kind node image and Istio from the Go module proxy and Debian packages: most of an hour cold on 2 cores, seconds when built before)',
      );
    }
    for (const image of [offline.nodeImage, `${offline.istioHub}/pilot:${offline.istioTag}`, `${offline.istioHub}/proxyv2:${offline.istioTag}`]) {
      if (!(await imageExists(runner, image)))
        throw new ClusterError(`offline image ${image} is gone from Docker (${OFFLINE_IMAGES_FILE} names it)`, 'make offline-images');
    }
    return offlineImages(offline, versions, reason);
  };
  if (choice === 'yes') return useOffline('OFFLINE=1');
  if (choice === 'no') return officialImages(versions, 'OFFLINE=0: official images');
  if (await imageExists(runner, versions.kindNodeImage)) return officialImages(versions, `the official node image ${versions.kindNodeImage} is here`);
  log(`cluster-up: the official node image is not here; trying docker pull ${versions.kindNodeImage}`);
  const pull = await runner.run(['docker', 'pull', versions.kindNodeImage], { timeoutMs: options.pullTimeoutMs ?? 90_000 });
  if (pull.exitCode === 0) return officialImages(versions, `pulled ${versions.kindNodeImage}`);
  return useOffline(`docker pull ${versions.kindNodeImage} failed (${firstLine(pull.stderr) || `exit ${pull.exitCode}`}): no registry here`);
}

/** The node container of an existing cluster: its image and whether it runs; undefined when there is no such cluster. */
export interface ClusterNode {
  readonly image: string;
  /** False after a Docker restart: kind does not restart its nodes. */
  readonly running: boolean;
}

export async function clusterNode(runner: CommandRunner, clusterName: string): Promise<ClusterNode | undefined> {
  const node = await runner.run(['docker', 'inspect', '--format', '{{.Config.Image}} {{.State.Running}}', `${clusterName}-control-plane`], {
    timeoutMs: 20_000,
  });
  if (node.exitCode !== 0) return undefined;
  const [image = '', running] = node.stdout.trim().split(' ');
  return { image, running: running === 'true' };
}

/** For the commands after cluster-up: which images the existing cluster runs, told by its node's image. */
export function imagesOfNode(
  nodeImage: string,
  clusterName: string,
  versions: PinnedVersions,
  readOffline: () => OfflineImages | undefined = readOfflineImages,
): ClusterImages {
  if (!OFFLINE_NODE_REPOSITORY.test(nodeImage)) return officialImages(versions, `the cluster runs ${nodeImage || 'an official node image'}`);
  const offline = readOffline();
  if (!offline)
    throw new ClusterError(
      `kind cluster '${clusterName}' runs the offline node image ${nodeImage}, but ${OFFLINE_IMAGES_FILE} is missing`,
      'make offline-images (quick when the images exist), or make cluster-down && make cluster-up',
    );
  return offlineImages(offline, versions, `the cluster runs the offline node image ${nodeImage}`);
}

/**
 * Whether this host refuses `docker run --privileged`, as hosts whose root lacks CAP_SYS_RESOURCE do
 * ("unable to apply caps: operation not permitted"). Tried with an image that is here, so no pull.
 */
export async function privilegedRefused(runner: CommandRunner, image: string): Promise<boolean> {
  const run = await runner.run(['docker', 'run', '--rm', '--privileged', '--entrypoint', 'true', image], { timeoutMs: 60_000 });
  if (run.exitCode === 0) return false;
  if (/operation not permitted|unable to apply caps/i.test(run.stderr)) return true;
  throw new ClusterError(
    `docker run --privileged ${image} failed for another reason: ${firstLine(run.stderr) || `exit ${run.exitCode}`}`,
    'check `docker info` and that the image exists (docker image ls)',
  );
}
