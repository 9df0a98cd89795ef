import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CLIENT_CONTAINER, SERVER_CONTAINER } from './helm-values.ts';
import { clientsOf, clusterDownPlan, clusterUpPlan, deployPlan, e2ePlan, SINCE, type ExecStep, type Plan, type PlannedScenario, type Step } from './plan.ts';
import { renderPlan } from './render.ts';
import { listScenarios, loadScenario } from '../scenarios/load.ts';
import { defaultClusterSettings, readPinnedVersions, REPO_ROOT } from './settings.ts';

const fixtures = join(import.meta.dirname, 'testdata/scenarios');
// Fixed versions: the snapshot changes with the plan, not with every version bump in versions.env.
const settings = defaultClusterSettings({
  versions: {
    kind: 'v0.33.0',
    kindNodeImage: 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed',
    istio: '1.31.1',
    kubectl: 'v1.36.4',
    helm: 'v4.3.1',
  },
});

const scenarioNames = ['no-rules', 'weighted-90-10', 'header-user-admin', 'ingress-70-30', 'local-only'];
const planned: PlannedScenario[] = scenarioNames.map((name) => {
  return { scenario: loadScenario(join(fixtures, name)) };
});
const clusterScenarios = planned.map((p) => p.scenario).filter((s) => s.modes.includes('cluster'));

const up = clusterUpPlan(settings);
const deploy = deployPlan(settings, { build: true, clients: clientsOf(clusterScenarios) });
const e2e = e2ePlan(settings, planned);
const all: Step[] = [...up.steps, ...deploy.steps, ...e2e.steps];

const execs = (steps: readonly Step[]) => steps.filter((s): s is ExecStep => s.type === 'exec');
const indexOf = (predicate: (s: Step) => boolean) => all.findIndex(predicate);
const isHelm = (s: Step) => s.type === 'exec' && s.argv[0] === 'helm';

describe('dry-run plan', () => {
  it('prints every command and manifest in order (snapshot)', async () => {
    const text = [up, deploy, e2e, clusterDownPlan(settings)].map((p: Plan) => renderPlan(p)).join('\n');
    await expect(text).toMatchFileSnapshot('testdata/dry-run.snapshot.txt');
  });

  it('reuses an existing cluster: kind create is skipped when kind get clusters lists it', () => {
    const create = execs(up.steps).find((s) => s.id === 'kind-create')!;
    expect(create.argv).toEqual(
      expect.arrayContaining(['--name', 'canarykit', '--config', 'scripts/kind-config.yaml', '--image', settings.versions.kindNodeImage]),
    );
    expect(create.skipIf).toMatchObject({ argv: ['kind', 'get', 'clusters'], stdoutLine: 'canarykit' });
  });

  it('labels the namespace for injection before any workload, and never lets helm create it', () => {
    const ns = indexOf((s) => s.id === 'namespace');
    const nsStep = all[ns] as ExecStep;
    expect(parse(nsStep.stdin!)).toMatchObject({ kind: 'Namespace', metadata: { name: 'canarykit', labels: { 'istio-injection': 'enabled' } } });
    expect(ns).toBeGreaterThanOrEqual(0);
    expect(ns).toBeLessThan(indexOf(isHelm));
    expect(execs(all).some((s) => s.argv.includes('--create-namespace'))).toBe(false);
  });

  it('installs Istio and waits for its rollouts before the namespace and the workloads', () => {
    const install = indexOf((s) => s.id === 'istio-install');
    const rollouts = up.steps
      .map((s, i) => [s, i] as const)
      .filter(([s]) => s.type === 'exec' && s.argv.includes('rollout'))
      .map(([, i]) => i);
    expect(rollouts).toHaveLength(2);
    expect(rollouts.every((i) => i > install && i < indexOf((s) => s.id === 'namespace'))).toBe(true);
  });

  it('ends the deploy with helm test, after the sidecar check (podinfo style)', () => {
    expect(deploy.steps.slice(-2).map((s) => s.id)).toEqual(['sidecars@deploy', 'helm-test']);
    expect((deploy.steps.at(-1) as ExecStep).argv.slice(0, 3)).toEqual(['helm', 'test', 'greeter-server-v1']);
  });

  it('loads every image the releases use into kind before the first helm install', () => {
    const load = execs(deploy.steps).find((s) => s.id === 'kind-load')!;
    const build = deploy.steps.findIndex((s) => s.id === 'build-images');
    expect(build).toBeLessThan(deploy.steps.indexOf(load));
    expect(deploy.steps.indexOf(load)).toBeLessThan(deploy.steps.findIndex(isHelm));
    const used = new Set<string>();
    for (const step of execs(all)
      .filter(isHelm)
      .filter((s) => s.argv[1] === 'upgrade')) {
      const values = parse(step.files![0]!.content) as { image: { repository: string; tag: string; pullPolicy: string } };
      expect(values.image.pullPolicy).toBe('IfNotPresent');
      expect(values.image.tag).not.toBe('latest');
      used.add(`${values.image.repository}:${values.image.tag}`);
    }
    expect(load.argv.slice(3, -2).sort()).toEqual([...used].sort());
  });

  it('first checks istiod and removes leftovers of an interrupted run, by the label every scenario object has', () => {
    expect(e2e.steps.slice(0, 2).map((s) => s.id)).toEqual(['check-istiod', 'remove-leftovers']);
    const remove = e2e.steps[1] as ExecStep;
    expect(remove.argv).toEqual(expect.arrayContaining(['-l', 'app.kubernetes.io/part-of=canarykit', '--ignore-not-found', '-n', 'canarykit']));
  });

  it('applies each cluster scenario, waits, collects, verifies, then deletes the same files before the next one', () => {
    const order = e2e.steps.map((s) => `${s.type}:${s.id.split('@')[0]}`);
    const scenarios = clusterScenarios.map((s) => s.name);
    expect(e2e.skipped).toEqual([{ scenario: 'local-only', reason: 'modes: local (no cluster)' }]);
    let cursor = -1;
    for (const name of scenarios) {
      const ids = e2e.steps.map((s, i) => [s, i] as const).filter(([s]) => s.phase === `scenario ${name}`);
      expect(ids[0]![1]).toBeGreaterThan(cursor);
      const kinds = ids.map(([s]) => (s.type === 'exec' ? s.id.split('@')[0] : s.type));
      const hasFiles = name !== 'no-rules';
      const tail = ['wait-routing', 'sample', 'collect', 'verify', ...(hasFiles ? ['delete', 'wait-routing'] : [])];
      expect(kinds.slice(-tail.length), name).toEqual(tail);
      const apply = ids.find(([s]) => s.id === `apply@${name}`)?.[0] as ExecStep | undefined;
      const del = ids.find(([s]) => s.id === `delete@${name}`)?.[0] as ExecStep | undefined;
      if (hasFiles) {
        expect(apply!.marksApply).toBe(true);
        const files = (argv: readonly string[]) => argv.filter((_, i) => argv[i - 1] === '-f');
        expect(files(del!.argv)).toEqual(files(apply!.argv));
        expect(files(apply!.argv).every((f) => f.startsWith(`src/cluster/testdata/scenarios/${name}/`))).toBe(true);
        expect(del!.argv).toContain('--ignore-not-found');
      } else {
        expect(apply).toBeUndefined();
      }
      cursor = ids.at(-1)![1];
    }
    expect(order.filter((o) => o === 'verify:verify')).toHaveLength(scenarios.length);
  });

  it('collects logs with selectors that match the labels the chart puts on the pods', () => {
    for (const step of e2e.steps.filter((s) => s.type === 'collect')) {
      for (const request of step.requests) {
        const argv = request.argv;
        const selector = argv[argv.indexOf('-l') + 1]!;
        expect(argv).toEqual(expect.arrayContaining(['--tail=-1', '--prefix', '--timestamps', '--since-time', SINCE]));
        if (request.source.kind === 'client') {
          const id = request.source.identity;
          expect(selector).toBe(`app=greeter-client-${id},identity=${id}`);
          expect(argv[argv.indexOf('-c') + 1]).toBe(CLIENT_CONTAINER);
          // The release of that identity renders exactly these labels.
          const helm = execs(all).find((s) => s.argv[3] === `greeter-client-${id}`)!;
          const values = parse(helm.files![0]!.content) as { app: string; podLabels: Record<string, string> };
          expect(values.app).toBe(`greeter-client-${id}`);
          expect(values.podLabels.identity).toBe(id);
        } else {
          expect(selector).toBe(`app=greeter-server,version=${request.source.version}`);
          expect(argv[argv.indexOf('-c') + 1]).toBe(SERVER_CONTAINER);
        }
      }
    }
  });

  it('names the kube context in every cluster command, so another current context is never touched', () => {
    for (const step of all) {
      if (step.type !== 'exec' && step.type !== 'check') continue;
      const tool = step.argv[0];
      if (tool === 'kubectl' || (tool === 'istioctl' && step.argv[1] !== 'version'))
        expect(step.argv.slice(1, 3), step.id).toEqual(['--context', 'kind-canarykit']);
      if (tool === 'helm') expect(step.argv).toEqual(expect.arrayContaining(['--kube-context', 'kind-canarykit', '--namespace', 'canarykit']));
      if (tool === 'helm' && step.argv[1] === 'upgrade') expect(step.argv).toContain('--wait');
      if (tool === 'kind' && step.argv[1] !== 'get') expect(step.argv).toEqual(expect.arrayContaining(['--name', 'canarykit']));
    }
  });

  it('probes the ingress gateway for a gateway scenario and the sidecars for mesh clients', () => {
    const wait = e2e.steps.find((s) => s.id === 'wait@ingress-70-30');
    if (wait?.type !== 'wait-routing') throw new Error('no wait step');
    expect(wait.probes.map((p) => p.workload)).toEqual(['deploy/greeter-client-default-v1', 'deploy/istio-ingressgateway']);
    expect(wait.probes[1]!.expected).toEqual([
      {
        clusters: { 'outbound|20000|v1|greeter-server.canarykit.svc.cluster.local': 70, 'outbound|20000|v2|greeter-server.canarykit.svc.cluster.local': 30 },
        headers: [],
        fault: false,
      },
    ]);
  });

  it('gives the ingress client no sidecar and the gateway as target', () => {
    const helm = execs(e2e.steps).find((s) => s.id === 'helm-greeter-client-ingress@ingress-70-30')!;
    expect(parse(helm.files![0]!.content)).toMatchObject({
      client: { target: 'dns:///istio-ingressgateway.istio-system.svc.cluster.local:80' },
      podAnnotations: { 'sidecar.istio.io/inject': 'false' },
    });
  });

  it('applies the scenario servers (replicas, delay) before the routing objects', () => {
    const v1 = execs(e2e.steps).find((s) => s.id === 'helm-greeter-server-v1@ingress-70-30')!;
    const v2 = execs(e2e.steps).find((s) => s.id === 'helm-greeter-server-v2@ingress-70-30')!;
    expect(parse(v1.files![0]!.content)).toMatchObject({ replicaCount: 2, service: { create: true } });
    expect(parse(v2.files![0]!.content)).toMatchObject({ replicaCount: 1, server: { delayMs: 5 }, service: { create: false } });
    expect(e2e.steps.indexOf(v2)).toBeLessThan(e2e.steps.findIndex((s) => s.id === 'apply@ingress-70-30'));
  });

  it('uses the pinned versions from scripts/tools/versions.env by default', () => {
    const pinned = readPinnedVersions();
    const create = execs(clusterUpPlan(defaultClusterSettings()).steps).find((s) => s.id === 'kind-create')!;
    expect(create.argv).toContain(pinned.kindNodeImage);
    expect(pinned.kindNodeImage).toMatch(/^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('switches clients to xds:/// targets and the grpc-agent template in proxyless mode', () => {
    const proxyless = defaultClusterSettings({ versions: settings.versions, meshMode: 'proxyless' });
    const plan = e2ePlan(
      proxyless,
      planned.filter((p) => p.scenario.name === 'weighted-90-10'),
    );
    const client = execs(plan.steps).find((s) => s.id === 'helm-greeter-client-default@weighted-90-10')!;
    expect(parse(client.files![0]!.content)).toMatchObject({
      client: { target: 'xds:///greeter-server.canarykit.svc.cluster.local:20000' },
      proxyless: { enabled: true },
    });
    expect(plan.steps.find((s) => s.type === 'wait-routing')).toMatchObject({ mode: 'proxy-status' });
  });
});

// The chart is another folder's work: check the values we generate against its schema when it is there.
const chartDir = join(REPO_ROOT, 'charts/greeter');
describe.runIf(existsSync(join(chartDir, 'values.schema.json')))('generated Helm values against charts/greeter/values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as object;
  const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const merge = (base: unknown, over: unknown): unknown => {
    if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null || Array.isArray(over)) return over;
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
    return out;
  };
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('every values file of every helm step is valid', () => {
    const steps = execs(all)
      .filter(isHelm)
      .filter((s) => s.argv[1] === 'upgrade');
    expect(steps.length).toBeGreaterThan(5);
    for (const step of steps) {
      const merged = merge(defaults, parse(step.files![0]!.content));
      const ok = validate(merged);
      expect(ok ? [] : validate.errors, step.id).toEqual([]);
    }
  });
});

describe('clientsOf', () => {
  it('keeps one client per identity, the first definition', () => {
    const a = {
      clients: [
        { identity: 'default', rate: 40 },
        { identity: 'admin', headers: { user: 'admin' } },
      ],
    };
    const b = {
      clients: [
        { identity: 'admin', headers: { user: 'root' } },
        { identity: 'ingress', via: 'ingress' as const },
      ],
    };
    expect(clientsOf([a, b])).toEqual([
      { identity: 'default', headers: undefined, via: undefined },
      { identity: 'admin', headers: { user: 'admin' }, via: undefined },
      { identity: 'ingress', headers: undefined, via: 'ingress' },
    ]);
  });
});

describe('cluster-up with the offline images', () => {
  const offlineSettings = defaultClusterSettings({
    versions: settings.versions,
    images: {
      source: 'offline',
      reason: 'test',
      nodeImage: 'canarykit.local/kind-node:v1.34.4-k1',
      istio: { hub: 'canarykit.local/istio', tag: '1.31-dev-k2' },
      istioVersion: '1.31-dev',
      toolsBin: '/x/bin',
      envoy: false,
    },
  });
  const files = {
    kindConfig: parse(readFileSync(join(REPO_ROOT, 'scripts/kind-config.yaml'), 'utf8')) as Record<string, unknown>,
    istioOperator: parse(readFileSync(join(REPO_ROOT, 'scripts/cluster/istio-operator.yaml'), 'utf8')),
  };
  const plan = clusterUpPlan(offlineSettings, files);
  const step = (id: string) => execs(plan.steps).find((s) => s.id === id)!;

  it('creates the cluster from the offline node image with no default CNI (no kindnetd here)', () => {
    const create = step('kind-create');
    expect(create.argv).toEqual(expect.arrayContaining(['--image', 'canarykit.local/kind-node:v1.34.4-k1', '--config', 'tmp/cluster/kind-config.yaml']));
    const config = parse(create.files![0]!.content);
    expect(config.networking.disableDefaultCNI).toBe(true);
    expect(config.nodes).toEqual(files.kindConfig.nodes);
  });

  it('loads the Istio images into the node before istioctl installs from the local hub, without the Envoy gateway', () => {
    const ids = plan.steps.map((s) => s.id);
    expect(ids.indexOf('kind-load-istio')).toBeLessThan(ids.indexOf('istio-install'));
    expect(step('kind-load-istio').argv).toEqual(
      expect.arrayContaining(['canarykit.local/istio/pilot:1.31-dev-k2', 'canarykit.local/istio/proxyv2:1.31-dev-k2']),
    );
    const overlay = parse(step('istio-install').files![0]!.content);
    expect(overlay.spec).toMatchObject({ hub: 'canarykit.local/istio', tag: '1.31-dev-k2', values: { global: { imagePullPolicy: 'IfNotPresent' } } });
    expect(overlay.spec.components.ingressGateways.every((gw: { enabled: boolean }) => gw.enabled === false)).toBe(true);
    expect(ids).toContain('rollout-istiod');
    expect(ids).not.toContain('rollout-istio-ingressgateway');
  });

  it('keeps the official path as it was', () => {
    const official = clusterUpPlan(settings, files);
    expect(official.steps.map((s) => s.id)).not.toContain('kind-load-istio');
    expect(execs(official.steps).find((s) => s.id === 'istio-install')!.argv).toContain('scripts/cluster/istio-operator.yaml');
    expect(official.steps.map((s) => s.id)).toContain('rollout-istio-ingressgateway');
  });
});

describe('Helm values files', () => {
  it('keep a header value helm would read as a boolean a string (YAML 1.1: off, on, yes, no)', async () => {
    const { parse: parseYaml } = await import('yaml');
    const plan = deployPlan(settings, { build: false, clients: [{ identity: 'no-retries', headers: { 'x-canarykit-retries': 'off', other: 'yes' } }] });
    const file = execs(plan.steps).find((s) => s.id === 'helm-greeter-client-no-retries')!.files![0]!;
    expect(parseYaml(file.content, { version: '1.1' }).client.metadata).toEqual({ 'x-canarykit-retries': 'off', other: 'yes' });
  });
});

// The real scenarios (scenarios/): what the e2e applies and later deletes by label.
describe.runIf(existsSync(join(REPO_ROOT, 'scenarios')))('scenarios/ as the kind driver applies them', () => {
  it('every object carries app.kubernetes.io/part-of=canarykit, the label the e2e removes leftovers by', () => {
    const scenarios = listScenarios(join(REPO_ROOT, 'scenarios'));
    expect(scenarios.filter((s) => s.modes.includes('cluster')).length).toBeGreaterThan(0);
    for (const scenario of scenarios) {
      for (const doc of scenario.manifests) {
        const labels = (doc.object['metadata'] as { labels?: Record<string, string> }).labels ?? {};
        expect(labels['app.kubernetes.io/part-of'], `${doc.file}: ${doc.kind}/${doc.name}`).toBe('canarykit');
      }
    }
  });

  it('applies the objects the loader read, in file order', () => {
    const ingress = loadScenario(join(fixtures, 'ingress-70-30'));
    expect(ingress.manifests.map((d) => `${d.kind}/${d.name}`)).toEqual([
      'DestinationRule/greeter-server',
      'Gateway/greeter-gateway',
      'VirtualService/greeter-server-ingress',
    ]);
  });
});
