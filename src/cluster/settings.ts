// Everything the kind + Istio path needs to know, in one object: names, paths, images, pinned
// versions (read from scripts/tools/versions.env, the one place they live) and timing bounds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvFile, REPO_ROOT } from './env-file.ts';
import { officialImages, type ClusterImages } from './images.ts';

export { parseEnvFile, REPO_ROOT };

export interface PinnedVersions {
  readonly kind: string;
  readonly kindNodeImage: string;
  readonly istio: string;
  readonly kubectl: string;
  readonly helm: string;
  /** What the istioctl built by `make offline-images` reports (OFFLINE_ISTIO_VERSION). */
  readonly offlineIstio?: string;
}

export function readPinnedVersions(file = join(REPO_ROOT, 'scripts/tools/versions.env')): PinnedVersions {
  const env = parseEnvFile(readFileSync(file, 'utf8'));
  const need = (key: string, fallback?: string): string => {
    const value = env[key] ?? fallback;
    if (!value) throw new Error(`${file}: ${key} is not set; add a line ${key}=<version> (see docs/kind-istio.md)`);
    return value;
  };
  return {
    kind: need('KIND_VERSION'),
    kindNodeImage: need('KIND_NODE_IMAGE'),
    istio: need('ISTIO_VERSION'),
    kubectl: need('KUBECTL_VERSION'),
    // Owned by the Helm bootstrap (scripts/tools/install-helm.sh); v4 is what the chart is tested with.
    helm: env.HELM_VERSION ?? 'v4',
    ...(env.OFFLINE_ISTIO_VERSION ? { offlineIstio: env.OFFLINE_ISTIO_VERSION } : {}),
  };
}

/** How workloads talk to the mesh. */
export type MeshMode = 'sidecar' | 'proxyless';

export interface ServerRelease {
  /** Helm release and Deployment name, e.g. `greeter-server-v1`. */
  readonly release: string;
  /** Pod label `version`, and the DestinationRule subset name. */
  readonly version: string;
  /** What the server answers in `id` (GREETER_VERSION). */
  readonly appVersion: string;
  readonly image: string;
  /** Exactly one release creates the shared Service `greeter-server`. */
  readonly createService: boolean;
}

export interface ClusterSettings {
  readonly repoRoot: string;
  readonly clusterName: string;
  /** kubeconfig context kind writes: `kind-<clusterName>`. Every command names it explicitly. */
  readonly context: string;
  readonly namespace: string;
  readonly istioNamespace: string;
  readonly kindConfig: string;
  readonly istioOperator: string;
  readonly chart: string;
  /** Where generated files (Helm values per release) are written before a step runs. Relative to repoRoot. */
  readonly workDir: string;
  readonly versions: PinnedVersions;
  /** Where the node and Istio images come from (official or built offline): src/cluster/images.ts. */
  readonly images: ClusterImages;
  readonly meshMode: MeshMode;
  readonly servers: readonly ServerRelease[];
  readonly clientImage: string;
  /** gRPC port of greeter-server (contracts.md). */
  readonly serverPort: number;
  /** Client calls per second (each identity). */
  readonly clientRate: number;
  /** Bounds for `waitForRouting` and rollouts. */
  readonly routingTimeoutMs: number;
  readonly routingPollMs: number;
  readonly rolloutTimeout: string;
  /** How long traffic flows after routing took effect before logs are collected. */
  readonly sampleMs: number;
}

/** Client calls per second on the cluster when a scenario does not set a rate: slow enough to read the logs. */
export const DEFAULT_CLIENT_RATE = 20;

export function serviceFqdn(settings: Pick<ClusterSettings, 'namespace'>, service = 'greeter-server'): string {
  return `${service}.${settings.namespace}.svc.cluster.local`;
}

export function defaultClusterSettings(overrides: Partial<ClusterSettings> = {}): ClusterSettings {
  const clusterName = overrides.clusterName ?? 'canarykit';
  const versions = overrides.versions ?? readPinnedVersions();
  return {
    repoRoot: REPO_ROOT,
    clusterName,
    context: `kind-${clusterName}`,
    namespace: 'canarykit',
    istioNamespace: 'istio-system',
    kindConfig: 'scripts/kind-config.yaml',
    istioOperator: 'scripts/cluster/istio-operator.yaml',
    chart: 'charts/greeter',
    workDir: 'tmp/cluster',
    versions,
    images: officialImages(versions),
    meshMode: 'sidecar',
    servers: [
      { release: 'greeter-server-v1', version: 'v1', appVersion: 'v1.0.0', image: 'greeter-server:1.0.0', createService: true },
      { release: 'greeter-server-v2', version: 'v2', appVersion: 'v2.0.0', image: 'greeter-server:2.0.0', createService: false },
    ],
    clientImage: 'greeter-client:1.0.0',
    serverPort: 20000,
    clientRate: DEFAULT_CLIENT_RATE,
    routingTimeoutMs: 120_000,
    routingPollMs: 2_000,
    rolloutTimeout: '5m',
    sampleMs: 60_000,
    ...overrides,
  };
}
