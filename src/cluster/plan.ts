// The kind + Istio path as data: a Plan is an ordered list of steps (a command with its files and
// stdin, a bounded wait, a log collection). `--dry-run` prints it; the executor runs the very same
// steps. Tests check the plan without a cluster: order, selectors, manifests.
import { relative } from 'node:path';
import { stringify } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { DriverClient, DriverServer } from '../driver/driver.ts';
import type { Scenario } from '../scenarios/load.ts';
import {
  CLIENT_CONTAINER,
  clientDeployment,
  clientRelease,
  clientSelector,
  clientValues,
  SERVER_CONTAINER,
  serverSelector,
  serverValues,
} from './helm-values.ts';
import { expectedRouting, type RouteSignature } from './envoy-routes.ts';
import { ingressGateway, type IstioOperator } from './istio-operator.ts';
import { serviceFqdn, type ClusterSettings } from './settings.ts';

/** Placeholder in `kubectl logs` argv, replaced at run time by the RFC 3339 time routing took effect. */
export const SINCE = '$SINCE';

export interface PlannedFile {
  /** Relative to the repository root. */
  readonly path: string;
  readonly content: string;
}

interface StepBase {
  readonly id: string;
  /** Group shown in the dry-run: cluster, istio, namespace, images, deploy, scenario <name>, teardown. */
  readonly phase: string;
  readonly purpose: string;
}

export interface ExecStep extends StepBase {
  readonly type: 'exec';
  readonly argv: readonly string[];
  /** Written to the command's stdin (a manifest for `kubectl apply -f -`). */
  readonly stdin?: string;
  /** Written before the command runs (Helm values). */
  readonly files?: readonly PlannedFile[];
  /** Skip the step when the probe's stdout has this exact line (idempotency: reuse the cluster). */
  readonly skipIf?: { readonly argv: readonly string[]; readonly stdoutLine: string; readonly because: string };
  /** This command hands the scenario to Istio: its start time is the scenario's apply time. */
  readonly marksApply?: boolean;
  readonly timeoutMs: number;
  /** Stream the command's output (long steps). */
  readonly echo?: boolean;
}

/** A check on a command's output, done in TypeScript (see executor.ts). */
export interface CheckStep extends StepBase {
  readonly type: 'check';
  readonly check: 'istioctl-version' | 'sidecars-injected';
  readonly argv: readonly string[];
  readonly timeoutMs: number;
}

export interface RoutingProbe {
  /** istioctl target: `deploy/<name>`. */
  readonly workload: string;
  readonly namespace: string;
  /** Virtual host domain to read: the service FQDN for sidecars, `*` for the gateway. */
  readonly domain: string;
  readonly argv: readonly string[];
  readonly expected: readonly RouteSignature[];
  /** Also wait until the sidecar sees every server pod (after a rollout or a scale). */
  readonly endpoints?: { readonly argv: readonly string[]; readonly cluster: string; readonly healthy: number };
}

export interface WaitRoutingStep extends StepBase {
  readonly type: 'wait-routing';
  readonly scenario: string;
  /** Sidecars are probed with proxy-config; proxyless clients have no Envoy to ask (see executor). */
  readonly mode: 'proxy-config' | 'proxy-status';
  readonly probes: readonly RoutingProbe[];
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /**
   * Wait this long before the first poll. proxy-status says SYNCED for the config a client last
   * acknowledged, which right after an apply is still the old one: give istiod time to push.
   */
  readonly settleMs: number;
}

export interface SampleStep extends StepBase {
  readonly type: 'sample';
  readonly ms: number;
}

export type LogSource = { readonly kind: 'client'; readonly identity: string } | { readonly kind: 'server'; readonly version: string };

export interface LogRequest {
  readonly source: LogSource;
  readonly argv: readonly string[];
}

export interface CollectStep extends StepBase {
  readonly type: 'collect';
  readonly scenario: string;
  readonly requests: readonly LogRequest[];
}

export interface VerifyStep extends StepBase {
  readonly type: 'verify';
  readonly scenario: string;
}

export type Step = ExecStep | CheckStep | WaitRoutingStep | SampleStep | CollectStep | VerifyStep;

export interface Plan {
  readonly title: string;
  readonly steps: readonly Step[];
  /** Scenarios left out, with the reason (modes without `cluster`). */
  readonly skipped: readonly { readonly scenario: string; readonly reason: string }[];
}

const MINUTE = 60_000;
/** istiod debounces config changes for 100 ms and pushes in about a second; 5 s is a safe margin. */
const PROXYLESS_SETTLE_MS = 5_000;

function kubectl(settings: ClusterSettings, ...args: string[]): string[] {
  return ['kubectl', '--context', settings.context, ...args];
}

/**
 * istiod's own debug endpoint, asked inside its pod (`pilot-discovery request`, no curl needed):
 * e.g. `/debug/config_dump?proxyID=<pod>.<ns>&types=rds`, what its generator sends that proxy.
 */
export function istiodDebug(settings: ClusterSettings, path: string): string[] {
  return kubectl(settings, 'exec', '-n', settings.istioNamespace, 'deploy/istiod', '--', 'pilot-discovery', 'request', 'GET', path);
}

function istioctl(settings: ClusterSettings, ...args: string[]): string[] {
  return ['istioctl', '--context', settings.context, ...args];
}

export function namespaceManifest(settings: ClusterSettings): string {
  const ns = new Namespace({
    metadata: {
      name: settings.namespace,
      // Sidecar injection happens when a pod is created: the label must be there before any pod.
      labels: { 'istio-injection': 'enabled', 'app.kubernetes.io/part-of': 'canarykit' },
    },
  });
  ns.validate();
  return stringify(ns.toJSON());
}

// --- cluster-up

/** Files cluster-up writes for the offline images: the kind config and Istio overlay they need. */
export interface ClusterUpFiles {
  /** scripts/kind-config.yaml, as parsed (src/cluster/kind-config.ts). */
  readonly kindConfig: Record<string, unknown>;
  /** scripts/cluster/istio-operator.yaml, as parsed (src/cluster/istio-operator.ts). */
  readonly istioOperator: IstioOperator;
}

/**
 * The offline node image has no kindnetd (nothing serves it here): kind installs no CNI and the
 * node's own ptp conflist (scripts/offline/node/) wires the pods, one node only.
 */
export function offlineKindConfig(kindConfig: Record<string, unknown>): Record<string, unknown> {
  const networking = (kindConfig.networking ?? {}) as Record<string, unknown>;
  return { ...kindConfig, networking: { ...networking, disableDefaultCNI: true } };
}

/**
 * The Istio overlay for the offline images: istiod and the proxyless agent from the local hub,
 * never pulled, and no ingress gateway (a gateway is Envoy, which cannot be had here).
 */
export function offlineIstioOperator(operator: IstioOperator, hub: string, tag: string): IstioOperator {
  const spec = operator.spec;
  return {
    ...operator,
    spec: {
      ...spec,
      hub,
      tag,
      components: {
        ...spec.components,
        ingressGateways: (spec.components?.ingressGateways ?? []).map((gw) => ({ ...gw, enabled: false })),
      },
      values: { ...spec.values, global: { ...spec.values?.global, imagePullPolicy: 'IfNotPresent' } },
    },
  };
}

export function clusterUpPlan(settings: ClusterSettings, files?: ClusterUpFiles): Plan {
  const { images } = settings;
  const offline = images.source === 'offline';
  let kindConfig: { path: string; file?: PlannedFile } = { path: settings.kindConfig };
  let operator: { path: string; file?: PlannedFile; ingress: boolean } = { path: settings.istioOperator, ingress: true };
  if (offline) {
    if (!files) throw new Error('clusterUpPlan: the offline images need the parsed kind config and Istio overlay');
    const kindFile = { path: `${settings.workDir}/kind-config.yaml`, content: stringify(offlineKindConfig(files.kindConfig), { version: '1.1' }) };
    kindConfig = { path: kindFile.path, file: kindFile };
    const overlay = offlineIstioOperator(files.istioOperator, images.istio!.hub, images.istio!.tag);
    const operatorFile = { path: `${settings.workDir}/istio-operator.yaml`, content: stringify(overlay, { version: '1.1' }) };
    operator = { path: operatorFile.path, file: operatorFile, ingress: false };
  } else if (files) {
    operator = { ...operator, ingress: ingressGateway(files.istioOperator) !== undefined };
  }
  const steps: Step[] = [
    {
      type: 'exec',
      id: 'kind-create',
      phase: 'cluster',
      purpose: offline
        ? `create the kind cluster '${settings.clusterName}' from the offline node image (make offline-images), unless it exists`
        : `create the kind cluster '${settings.clusterName}' (node image pinned in scripts/tools/versions.env), unless it exists`,
      argv: ['kind', 'create', 'cluster', '--name', settings.clusterName, '--config', kindConfig.path, '--image', images.nodeImage, '--wait', '3m'],
      ...(kindConfig.file ? { files: [kindConfig.file] } : {}),
      skipIf: { argv: ['kind', 'get', 'clusters'], stdoutLine: settings.clusterName, because: `kind cluster '${settings.clusterName}' exists: reused` },
      timeoutMs: 10 * MINUTE,
      echo: true,
    },
    {
      type: 'exec',
      id: 'cluster-info',
      phase: 'cluster',
      purpose: `check the API server answers on context ${settings.context}`,
      argv: kubectl(settings, 'cluster-info'),
      timeoutMs: MINUTE,
    },
    {
      type: 'check',
      id: 'istioctl-version',
      phase: 'istio',
      check: 'istioctl-version',
      purpose: offline
        ? `check istioctl is the one built with istiod (${images.istioVersion}): the same module installs the same Istio`
        : `check istioctl is the pinned ${images.istioVersion} (istioctl installs its own version of Istio)`,
      argv: ['istioctl', 'version', '--remote=false', '--short'],
      timeoutMs: MINUTE,
    },
  ];
  if (offline) {
    const istioImages = ['pilot', 'proxyv2'].map((name) => `${images.istio!.hub}/${name}:${images.istio!.tag}`);
    steps.push({
      type: 'exec',
      id: 'kind-load-istio',
      phase: 'istio',
      purpose: 'copy the offline Istio images (istiod; pilot-agent without Envoy) into the node: no registry to pull them from',
      argv: ['kind', 'load', 'docker-image', ...istioImages, '--name', settings.clusterName],
      timeoutMs: 10 * MINUTE,
      echo: true,
    });
  }
  steps.push({
    type: 'exec',
    id: 'istio-install',
    phase: 'istio',
    purpose: offline
      ? 'install Istio with istioctl: istiod from the offline hub, no ingress gateway (no Envoy here), proxyless gRPC injection (grpc-agent) available'
      : 'install Istio: default profile (istiod + ingress gateway), small requests, gateway as NodePort 30080/30443',
    argv: istioctl(settings, 'install', '--skip-confirmation', '-f', operator.path),
    ...(operator.file ? { files: [operator.file] } : {}),
    timeoutMs: 10 * MINUTE,
    echo: true,
  });
  for (const deployment of operator.ingress ? ['istiod', 'istio-ingressgateway'] : ['istiod']) {
    steps.push({
      type: 'exec',
      id: `rollout-${deployment}`,
      phase: 'istio',
      purpose: `wait until ${deployment} is rolled out`,
      argv: kubectl(settings, 'rollout', 'status', `deployment/${deployment}`, '-n', settings.istioNamespace, `--timeout=${settings.rolloutTimeout}`),
      timeoutMs: 6 * MINUTE,
    });
  }
  steps.push({
    type: 'exec',
    id: 'namespace',
    phase: 'namespace',
    purpose: `create namespace ${settings.namespace} labelled istio-injection=enabled, before any pod exists in it`,
    argv: kubectl(settings, 'apply', '-f', '-'),
    stdin: namespaceManifest(settings),
    timeoutMs: MINUTE,
  });
  const title = offline
    ? `cluster-up: kind cluster '${settings.clusterName}' with Istio ${images.istioVersion}, offline images`
    : `cluster-up: kind cluster '${settings.clusterName}' with Istio ${images.istioVersion}`;
  return { title, steps, skipped: [] };
}

export function clusterDownPlan(settings: ClusterSettings): Plan {
  return {
    title: `cluster-down: delete kind cluster '${settings.clusterName}'`,
    steps: [
      {
        type: 'exec',
        id: 'kind-delete',
        phase: 'teardown',
        purpose: 'delete the kind cluster (a no-op when it does not exist)',
        argv: ['kind', 'delete', 'cluster', '--name', settings.clusterName],
        timeoutMs: 5 * MINUTE,
      },
    ],
    skipped: [],
  };
}

// --- deploy

function valuesFile(settings: ClusterSettings, release: string, values: Record<string, unknown>, scenario?: string): PlannedFile {
  const dir = scenario ? `${settings.workDir}/values/${scenario}` : `${settings.workDir}/values`;
  // YAML 1.1, as helm reads it: a header value `off`, `yes` or `on` must stay a quoted string.
  return { path: `${dir}/${release}.yaml`, content: stringify(values, { version: '1.1' }) };
}

function helmUpgrade(settings: ClusterSettings, release: string, file: PlannedFile, phase: string, purpose: string): ExecStep {
  return {
    type: 'exec',
    id: `helm-${release}${phase.startsWith('scenario') ? `@${phase.slice('scenario '.length)}` : ''}`,
    phase,
    purpose,
    argv: [
      'helm',
      'upgrade',
      '--install',
      release,
      settings.chart,
      '--kube-context',
      settings.context,
      '--namespace',
      settings.namespace,
      // Values from the file only: a value dropped from it returns to the chart default.
      '--reset-values',
      '--values',
      file.path,
      '--wait',
      `--timeout=${settings.rolloutTimeout}`,
    ],
    files: [file],
    timeoutMs: 6 * MINUTE,
  };
}

/** Every client identity used by the cluster scenarios, first definition wins (headers, via). */
export function clientsOf(scenarios: readonly { readonly clients: readonly DriverClient[] }[]): DriverClient[] {
  const byIdentity = new Map<string, DriverClient>();
  for (const scenario of scenarios) {
    for (const client of scenario.clients) {
      if (!byIdentity.has(client.identity)) byIdentity.set(client.identity, { identity: client.identity, headers: client.headers, via: client.via });
    }
  }
  return [...byIdentity.values()];
}

export interface DeployOptions {
  /** Build the images first with `make build` (charts and Dockerfiles: mk/images.mk). */
  readonly build: boolean;
  /** Clients to install; default: the `default` identity only. */
  readonly clients: readonly DriverClient[];
}

export function deployPlan(settings: ClusterSettings, options: DeployOptions): Plan {
  const images = [...settings.servers.map((s) => s.image), settings.clientImage];
  const steps: Step[] = [];
  if (options.build) {
    steps.push({
      type: 'exec',
      id: 'build-images',
      phase: 'images',
      purpose: `build ${images.join(', ')} (make build)`,
      argv: ['make', 'build'],
      timeoutMs: 20 * MINUTE,
      echo: true,
    });
  }
  steps.push({
    type: 'exec',
    id: 'kind-load',
    phase: 'images',
    purpose: 'copy the images into the kind node (no registry; the chart uses imagePullPolicy IfNotPresent)',
    argv: ['kind', 'load', 'docker-image', ...images, '--name', settings.clusterName],
    timeoutMs: 10 * MINUTE,
    echo: true,
  });
  for (const server of settings.servers) {
    steps.push(
      helmUpgrade(
        settings,
        server.release,
        valuesFile(settings, server.release, serverValues(settings, server)),
        'deploy',
        `install greeter-server ${server.version} (${server.image})${server.createService ? ', with the shared Service greeter-server' : ', no Service (service.create=false)'}`,
      ),
    );
  }
  for (const client of options.clients) {
    const release = clientRelease(client.identity);
    steps.push(
      helmUpgrade(
        settings,
        release,
        valuesFile(settings, release, clientValues(settings, client)),
        'deploy',
        `install the client for identity '${client.identity}'${describeClient(client)}`,
      ),
    );
  }
  steps.push(sidecarCheck(settings, 'deploy'));
  const first = settings.servers.find((s) => s.createService) ?? settings.servers[0]!;
  steps.push({
    type: 'exec',
    id: 'helm-test',
    phase: 'deploy',
    purpose: `helm test ${first.release}: one call through the Service greeter-server from a pod outside the mesh (the chart's test pod)`,
    argv: ['helm', 'test', first.release, '--kube-context', settings.context, '--namespace', settings.namespace, '--timeout', '2m', '--logs'],
    timeoutMs: 3 * MINUTE,
  });
  return { title: `deploy: images and Helm releases into namespace ${settings.namespace}`, steps, skipped: [] };
}

function describeClient(client: DriverClient): string {
  const headers = Object.entries(client.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
  const parts = [headers.length ? `headers ${headers.join(', ')}` : '', client.via === 'ingress' ? 'through the ingress gateway' : ''].filter(Boolean);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function sidecarCheck(settings: ClusterSettings, phase: string): CheckStep {
  return {
    type: 'check',
    id: `sidecars@${phase}`,
    phase,
    check: 'sidecars-injected',
    purpose: 'check every pod (but the ingress client) has the istio-proxy container: injection worked',
    argv: kubectl(settings, 'get', 'pods', '-n', settings.namespace, '-o', 'json'),
    timeoutMs: MINUTE,
  };
}

// --- scenarios

export function logRequests(settings: ClusterSettings, scenario: Pick<Scenario, 'clients' | 'servers'>): LogRequest[] {
  // --tail=-1: with a selector kubectl shows only the last 10 lines per pod unless told otherwise.
  // --prefix names the pod of each line; --timestamps adds the runtime's RFC 3339 time, which the
  // collector filters on (the API's sinceTime has one-second precision).
  const common = ['--since-time', SINCE, '--timestamps', '--prefix', '--tail=-1', '--max-log-requests=20'];
  const clients = scenario.clients.map(
    (client): LogRequest => ({
      source: { kind: 'client', identity: client.identity },
      argv: kubectl(settings, 'logs', '-n', settings.namespace, '-l', clientSelector(client.identity), '-c', CLIENT_CONTAINER, ...common),
    }),
  );
  const servers = scenario.servers.map(
    (server): LogRequest => ({
      source: { kind: 'server', version: server.version },
      argv: kubectl(settings, 'logs', '-n', settings.namespace, '-l', serverSelector(server.version), '-c', SERVER_CONTAINER, ...common),
    }),
  );
  return [...clients, ...servers];
}

export function routingProbes(
  settings: ClusterSettings,
  scenario: Pick<Scenario, 'clients' | 'servers'>,
  expected: ReturnType<typeof expectedRouting>,
): RoutingProbe[] {
  const probes: RoutingProbe[] = [];
  // Every pod of every version behind the Service: the default cluster (no subset) holds them all.
  const serviceCluster = `outbound|${settings.serverPort}||${serviceFqdn(settings)}`;
  const healthy = settings.servers
    .map((server) => scenario.servers.find((s) => s.version === server.version))
    .reduce((sum, s) => sum + (s ? (s.replicas ?? 1) : 0), 0);
  for (const client of scenario.clients) {
    if (client.via === 'ingress') continue;
    const workload = `deploy/${clientDeployment(client.identity)}`;
    probes.push({
      workload,
      namespace: settings.namespace,
      domain: serviceFqdn(settings),
      expected: expected.mesh,
      argv: istioctl(settings, 'proxy-config', 'routes', workload, '-n', settings.namespace, '-o', 'json'),
      endpoints: {
        cluster: serviceCluster,
        healthy,
        argv: istioctl(settings, 'proxy-config', 'endpoints', workload, '-n', settings.namespace, '--cluster', serviceCluster, '-o', 'json'),
      },
    });
  }
  if (scenario.clients.some((c) => c.via === 'ingress')) {
    const workload = 'deploy/istio-ingressgateway';
    probes.push({
      workload,
      namespace: settings.istioNamespace,
      domain: '*',
      expected: expected.gateway ?? [],
      argv: istioctl(settings, 'proxy-config', 'routes', workload, '-n', settings.istioNamespace, '-o', 'json'),
    });
  }
  return probes;
}

export interface ScenarioSteps {
  /** The server releases as the scenario runs them (replicas, delay, fail rate): the start of `apply`. */
  readonly servers: readonly Step[];
  /** Workloads with the scenario's settings, then the Istio objects. */
  readonly apply: readonly Step[];
  readonly wait: WaitRoutingStep;
  readonly sample: SampleStep;
  readonly collect: CollectStep;
  readonly verify: VerifyStep;
  /** Delete the Istio objects and wait until the sidecars are back to the default routes. */
  readonly cleanup: readonly Step[];
}

export function scenarioSteps(settings: ClusterSettings, scenario: Scenario, sampleMs = settings.sampleMs): ScenarioSteps {
  const { manifests } = scenario;
  const phase = `scenario ${scenario.name}`;
  const ctx = { namespace: settings.namespace, serverPort: settings.serverPort };
  const files = [...new Set(manifests.map((m) => relative(settings.repoRoot, m.file)))];
  const fileArgs = files.flatMap((f) => ['-f', f]);
  const servers: Step[] = [];

  for (const server of settings.servers) {
    const behaviour: DriverServer = scenario.servers.find((s) => s.version === server.version) ?? { version: server.version, replicas: 0 };
    servers.push(
      helmUpgrade(
        settings,
        server.release,
        valuesFile(settings, server.release, serverValues(settings, server, behaviour), scenario.name),
        phase,
        `greeter-server ${server.version} as the scenario needs it (replicas ${behaviour.replicas ?? 1}, delay ${behaviour.delayMs ?? 0} ms, fail rate ${behaviour.failRate ?? 0})`,
      ),
    );
  }
  const apply: Step[] = [...servers];
  for (const client of scenario.clients) {
    const release = clientRelease(client.identity);
    apply.push(
      helmUpgrade(
        settings,
        release,
        valuesFile(settings, release, clientValues(settings, client), scenario.name),
        phase,
        `client '${client.identity}'${describeClient(client)} at ${client.rate ?? settings.clientRate}/s, ${client.concurrency ?? 1} in flight`,
      ),
    );
  }
  apply.push(sidecarCheck(settings, phase));
  if (files.length > 0) {
    apply.push({
      type: 'exec',
      id: `apply@${scenario.name}`,
      phase,
      marksApply: true,
      purpose: `apply ${manifests.map((m) => `${m.kind}/${m.name}`).join(', ')}`,
      argv: kubectl(settings, 'apply', '-n', settings.namespace, ...fileArgs),
      timeoutMs: MINUTE,
    });
  }

  const expected = expectedRouting(scenario.routing, ctx);
  const mode = settings.meshMode === 'sidecar' ? 'proxy-config' : 'proxy-status';
  const wait: WaitRoutingStep = {
    type: 'wait-routing',
    id: `wait@${scenario.name}`,
    phase,
    scenario: scenario.name,
    mode,
    purpose:
      mode === 'proxy-config'
        ? `poll istioctl proxy-config routes (and endpoints) until every client's Envoy (and the gateway's) has the scenario's routes and every server pod; give up after ${settings.routingTimeoutMs / 1000} s`
        : `proxyless: poll until istiod reports every client synced (proxy-status -o json, no STALE, no NACK) and sends it the scenario's routes (istiod's config_dump for that client); give up after ${settings.routingTimeoutMs / 1000} s`,
    probes: routingProbes(settings, scenario, expected),
    timeoutMs: settings.routingTimeoutMs,
    intervalMs: settings.routingPollMs,
    settleMs: mode === 'proxy-status' ? PROXYLESS_SETTLE_MS : 0,
  };
  const sample: SampleStep = {
    type: 'sample',
    id: `sample@${scenario.name}`,
    phase,
    ms: sampleMs,
    purpose: `let the clients call for ${sampleMs / 1000} s under the new routing`,
  };
  const collect: CollectStep = {
    type: 'collect',
    id: `collect@${scenario.name}`,
    phase,
    scenario: scenario.name,
    purpose: 'collect client logs per identity and server logs per version, since routing took effect',
    requests: logRequests(settings, scenario),
  };
  const verify: VerifyStep = {
    type: 'verify',
    id: `verify@${scenario.name}`,
    phase,
    scenario: scenario.name,
    purpose: 'verify the shares against expect/expect.yaml (src/verify, the same checks as the local driver)',
  };
  const cleanup: Step[] = [];
  if (files.length > 0) {
    cleanup.push({
      type: 'exec',
      id: `delete@${scenario.name}`,
      phase,
      purpose: `delete the scenario's objects so the next scenario starts from no rules`,
      argv: kubectl(settings, 'delete', '-n', settings.namespace, '--ignore-not-found', ...fileArgs),
      timeoutMs: MINUTE,
    });
    cleanup.push({
      ...wait,
      id: `wait-default@${scenario.name}`,
      purpose:
        settings.meshMode === 'sidecar'
          ? 'wait until the sidecars are back to the default route (no VirtualService)'
          : 'wait until every client is back to the default route (no VirtualService)',
      probes: routingProbes(
        settings,
        { ...scenario, clients: scenario.clients.filter((c) => c.via !== 'ingress') },
        { mesh: expectedRouting({ routeTables: [] }, ctx).mesh },
      ),
    });
  }
  return { servers, apply, wait, sample, collect, verify, cleanup };
}

/**
 * Before the scenarios (the kind driver's `up` on an existing cluster): Istio answers, and no
 * routing object from an interrupted run is left (scenario objects carry app.kubernetes.io/part-of=canarykit).
 */
export function e2ePreludeSteps(settings: ClusterSettings): Step[] {
  return [
    {
      type: 'exec',
      id: 'check-istiod',
      phase: 'e2e',
      purpose: 'check istiod is rolled out (the cluster comes from make cluster-up)',
      argv: kubectl(settings, 'rollout', 'status', 'deployment/istiod', '-n', settings.istioNamespace, '--timeout=60s'),
      timeoutMs: 2 * MINUTE,
    },
    {
      type: 'exec',
      id: 'remove-leftovers',
      phase: 'e2e',
      purpose: 'remove Istio objects a previous, interrupted run left behind',
      argv: kubectl(
        settings,
        'delete',
        'virtualservices.networking.istio.io,destinationrules.networking.istio.io,gateways.networking.istio.io',
        '-n',
        settings.namespace,
        '-l',
        'app.kubernetes.io/part-of=canarykit',
        '--ignore-not-found',
      ),
      timeoutMs: MINUTE,
    },
  ];
}

export interface PlannedScenario {
  readonly scenario: Scenario;
  /** Traffic time after routing took effect (default: settings.sampleMs). */
  readonly sampleMs?: number;
}

/** Every cluster scenario, in order: workloads, apply, wait, sample, collect, verify, clean up. */
export function e2ePlan(settings: ClusterSettings, scenarios: readonly PlannedScenario[]): Plan {
  const steps: Step[] = [...e2ePreludeSteps(settings)];
  const skipped: { scenario: string; reason: string }[] = [];
  for (const { scenario, sampleMs } of scenarios) {
    if (!scenario.modes.includes('cluster')) {
      skipped.push({ scenario: scenario.name, reason: `modes: ${scenario.modes.join(', ')} (no cluster)` });
      continue;
    }
    const s = scenarioSteps(settings, scenario, sampleMs);
    steps.push(...s.apply, s.wait, s.sample, s.collect, s.verify, ...s.cleanup);
  }
  return { title: `e2e on kind '${settings.clusterName}' (${settings.meshMode} mode)`, steps, skipped };
}
