import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Executor, hintFor, istioctlVersionProblem, sidecarProblem } from './executor.ts';
import { clusterUpPlan, scenarioSteps, type ExecStep } from './plan.ts';
import { loadScenario } from '../scenarios/load.ts';
import { scriptedRunner } from './scripted-runner.ts';
import { defaultClusterSettings } from './settings.ts';
import { ClusterError } from './tools.ts';

const testdata = join(import.meta.dirname, 'testdata');
const read = (...parts: string[]) => readFileSync(join(testdata, ...parts), 'utf8');
const settings = defaultClusterSettings({
  versions: { kind: 'v0.33.0', kindNodeImage: 'kindest/node:v1.36.4@sha256:x', istio: '1.31.1', kubectl: 'v1.36.4', helm: 'v4.3.1' },
  routingTimeoutMs: 10_000,
  routingPollMs: 2_000,
});

/** A clock that moves only when the executor sleeps. */
function fakeTime(start = Date.parse('2026-11-22T01:40:44.500Z')) {
  let t = start;
  return {
    now: () => new Date(t),
    sleep: async (ms: number) => {
      t += ms;
    },
    slept: () => t - start,
  };
}

function executor(runner: ReturnType<typeof scriptedRunner>, files: Record<string, string> = {}) {
  const time = fakeTime();
  return {
    time,
    exec: new Executor({
      runner,
      settings,
      now: time.now,
      sleep: time.sleep,
      writeFile: (p, c) => {
        files[p] = c;
      },
    }),
  };
}

const weighted = loadScenario(join(testdata, 'scenarios/weighted-90-10'));
const weightedSteps = scenarioSteps(settings, weighted);

describe('Executor.exec', () => {
  it('reuses the cluster when kind get clusters lists it (idempotent cluster-up)', async () => {
    const runner = scriptedRunner([[/^kind get clusters$/, { stdout: 'canarykit\n' }]]);
    const create = clusterUpPlan(settings).steps[0] as ExecStep;
    expect(await executor(runner).exec.exec(create)).toBeUndefined();
    expect(runner.lines()).toEqual(['kind get clusters']);
  });

  it('creates it when it is not listed', async () => {
    const runner = scriptedRunner([[/^kind get clusters$/, { stderr: 'No kind clusters found.\n' }]]);
    await executor(runner).exec.exec(clusterUpPlan(settings).steps[0] as ExecStep);
    expect(runner.lines()[1]).toMatch(/^kind create cluster --name canarykit --config scripts\/kind-config\.yaml --image kindest\/node:v1\.36\.4@sha256:x/);
  });

  it('writes the Helm values files before running helm, and pipes manifests to stdin', async () => {
    const files: Record<string, string> = {};
    const runner = scriptedRunner([]);
    const helm = weightedSteps.apply.find((s) => s.type === 'exec' && s.argv[0] === 'helm') as ExecStep;
    await executor(runner, files).exec.exec(helm);
    expect(Object.keys(files)).toEqual([join(settings.repoRoot, 'tmp/cluster/values/weighted-90-10/greeter-server-v1.yaml')]);
    const ns = clusterUpPlan(settings).steps.find((s) => s.id === 'namespace') as ExecStep;
    await executor(runner).exec.exec(ns);
    expect(runner.calls.at(-1)?.options?.input).toContain('istio-injection: enabled');
  });

  it('fails with the step, the command, the tool output and a fix (recorded kind output)', async () => {
    const runner = scriptedRunner([
      [/^kind create/, { exitCode: 1, stderr: read('tool-output/kind-create-no-registry.stderr') }],
      [/^kind get/, { stdout: '' }],
    ]);
    const error = await executor(runner)
      .exec.exec(clusterUpPlan(settings).steps[0] as ExecStep)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    const message = (error as Error).message;
    expect(message).toContain("[cluster] create the kind cluster 'canarykit'");
    expect(message).toContain('$ kind create cluster --name canarykit');
    expect(message).toContain('exit 1: cgroup v1 is deprecated');
    expect(message).toContain('fix: Docker could not pull the kind node image');
  });

  it('knows the fixes for the common failures', () => {
    expect(hintFor(read('tool-output/kubectl-no-context.stderr'))).toBe('make cluster-up');
    expect(hintFor('error: context "kind-canarykit" does not exist')).toBe('make cluster-up');
    expect(hintFor(read('tool-output/docker-info-no-daemon.stderr'))).toMatch(/start Docker/);
    expect(hintFor('Warning  Failed  pod/greeter-client-default-v1-x  Failed to pull image "greeter-client:1.0.0": ErrImagePull')).toMatch(
      /kind load docker-image/,
    );
    expect(hintFor('failed to create fsnotify watcher: too many open files')).toMatch(/max_user_watches/);
  });
});

describe('Executor checks', () => {
  it('accepts only the pinned istioctl', () => {
    expect(istioctlVersionProblem('1.31.1\n', settings)).toBeUndefined();
    expect(istioctlVersionProblem('1.30.4\n', settings)?.message).toBe('istioctl is 1.30.4, not the pinned 1.31.1: it would install Istio 1.30.4');
  });

  it('finds pods without a sidecar, accepts native sidecars and the ingress client', () => {
    const pods = (items: object[]) => JSON.stringify({ kind: 'List', items });
    const ok = pods([
      { metadata: { name: 'greeter-server-v1-a' }, spec: { containers: [{ name: 'server' }, { name: 'istio-proxy' }] } },
      {
        metadata: { name: 'greeter-server-v2-b' },
        spec: { initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy' }], containers: [{ name: 'server' }] },
      },
      { metadata: { name: 'greeter-client-ingress-v1-c', annotations: { 'sidecar.istio.io/inject': 'false' } }, spec: { containers: [{ name: 'client' }] } },
    ]);
    expect(sidecarProblem(ok, settings)).toBeUndefined();
    const bad = sidecarProblem(pods([{ metadata: { name: 'greeter-client-default-v1-d' }, spec: { containers: [{ name: 'client' }] } }]), settings);
    expect(bad?.message).toBe('no Istio sidecar in greeter-client-default-v1-d: the pods were created without injection');
    expect(bad?.hint).toContain('label namespace canarykit istio-injection=enabled --overwrite');
  });
});

describe('Executor.waitRouting', () => {
  const noRules = read('proxy-config/client-default-no-rules.json');
  const routed = read('proxy-config/client-default-weighted-90-10.json');

  const endpoints = [/proxy-config endpoints/, { stdout: read('proxy-config/client-default-endpoints-v1-v2.json') }] as const;

  it('polls until the client Envoy has the scenario routes', async () => {
    const runner = scriptedRunner([endpoints, [/proxy-config routes/, (_argv, call) => ({ stdout: call < 2 ? noRules : routed })]]);
    const { exec, time } = executor(runner);
    await exec.waitRouting(weightedSteps.wait);
    expect(runner.lines().filter((l) => l.includes('proxy-config routes'))).toHaveLength(3);
    expect(time.slept()).toBe(4_000);
  });

  it('then waits until the sidecar sees every server pod healthy (a rollout drains the old one)', async () => {
    const runner = scriptedRunner([
      [/proxy-config routes/, { stdout: routed }],
      [
        /proxy-config endpoints .* --cluster outbound\|20000\|\|greeter-server\.canarykit\.svc\.cluster\.local -o json/,
        (_a, call) => ({
          stdout: read(call === 0 ? 'proxy-config/client-default-endpoints-rollout.json' : 'proxy-config/client-default-endpoints-v1-v2.json'),
        }),
      ],
    ]);
    const { exec, time } = executor(runner);
    await exec.waitRouting(weightedSteps.wait);
    expect(time.slept()).toBe(2_000);
  });

  it('counts the replicas a scenario asks for', async () => {
    const replicas = {
      ...weighted,
      name: 'replicas',
      servers: [
        { ...weighted.servers[0]!, replicas: 3 },
        { ...weighted.servers[1]!, replicas: 1 },
      ],
      manifests: [],
      routing: { ...weighted.routing, routeTables: [] },
    };
    const wait = scenarioSteps(settings, replicas).wait;
    expect(wait.probes[0]?.endpoints?.healthy).toBe(4);
    const runner = scriptedRunner([
      [/proxy-config routes/, { stdout: noRules }],
      [
        /proxy-config endpoints/,
        (_a, call) => ({
          stdout: read(call === 0 ? 'proxy-config/client-default-endpoints-v1-v2.json' : 'proxy-config/client-default-endpoints-replicas.json'),
        }),
      ],
    ]);
    await executor(runner).exec.waitRouting(wait);
    expect(runner.lines().filter((l) => l.includes('endpoints'))).toHaveLength(2);
  });

  it('gives up after its bound and says what the routes still look like', async () => {
    const runner = scriptedRunner([[/proxy-config routes/, { stdout: noRules }]]);
    const { exec, time } = executor(runner);
    await expect(exec.waitRouting(weightedSteps.wait)).rejects.toThrow(
      /routing not in effect after 10 s:[\s\S]*deploy\/greeter-client-default-v1: .*has \[outbound\|20000\|\|greeter-server/,
    );
    expect(time.slept()).toBe(10_000);
  });

  it('keeps polling while istioctl cannot reach the pod yet', async () => {
    const runner = scriptedRunner([
      endpoints,
      [
        /proxy-config routes/,
        (_a, call) => (call === 0 ? { exitCode: 1, stderr: 'Error: failed to get config dump: pods "x" not found\n' } : { stdout: routed }),
      ],
    ]);
    await executor(runner).exec.waitRouting(weightedSteps.wait);
  });
});

describe("Executor.waitRouting for proxyless clients (proxy-status -o json and istiod's routes)", () => {
  const proxyless = defaultClusterSettings({ versions: settings.versions, meshMode: 'proxyless', routingTimeoutMs: 10_000 });
  const wait = scenarioSteps(proxyless, weighted).wait;
  const client = 'greeter-client-default-v1-6d5f8c7b9d-q7w2x.canarykit';
  const status = (rds: string, ids = [client]) =>
    JSON.stringify({
      resources: ids.map((id) => ({
        '@type': 'type.googleapis.com/envoy.service.status.v3.ClientConfig',
        node: { id },
        genericXdsConfigs: [
          { typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', configStatus: 'SYNCED' },
          { typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', configStatus: rds },
          { typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', configStatus: 'SYNCED' },
          { typeUrl: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', configStatus: 'SYNCED' },
        ],
      })),
    });
  const domain = 'greeter-server.canarykit.svc.cluster.local';
  const route = (v1: number, v2: number) => ({
    match: { prefix: '/' },
    route: {
      weightedClusters: {
        clusters: [
          { name: `outbound|20000|v1|${domain}`, weight: v1 },
          { name: `outbound|20000|v2|${domain}`, weight: v2 },
        ],
      },
    },
  });
  const dump = (v1: number, v2: number) =>
    JSON.stringify({
      'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': [
        {
          name: `${domain}:20000`,
          resource: {
            '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
            name: `${domain}:20000`,
            virtualHosts: [{ name: `${domain}:20000`, domains: [`${domain}:20000`], routes: [route(v1, v2)] }],
          },
        },
      ],
    });

  it('first lets istiod push, then waits until the client is no longer STALE and istiod sends it the new routes', async () => {
    const runner = scriptedRunner([
      [/proxy-status -o json/, (_a, call) => ({ stdout: status(call === 0 ? 'STALE' : 'SYNCED') })],
      [
        /config_dump\?proxyID=greeter-client-default-v1-6d5f8c7b9d-q7w2x\.canarykit&types=rds/,
        (_a, call) => ({ stdout: call === 0 ? dump(100, 0) : dump(90, 10) }),
      ],
    ]);
    const { exec, time } = executor(runner);
    await exec.waitRouting(wait);
    expect(wait.settleMs).toBe(5_000);
    expect(time.slept()).toBe(5_000 + 2 * 2_000);
    expect(runner.lines().filter((l) => l.includes('config_dump'))).toHaveLength(2);
  });

  it('names a NACK as such', async () => {
    const runner = scriptedRunner([[/proxy-status -o json/, { stdout: status('ERROR') }]]);
    await expect(executor(runner).exec.waitRouting(wait)).rejects.toThrow(/RDS NACKed \(ERROR\)/);
  });

  it('waits for a client that has not connected to istiod yet', async () => {
    const runner = scriptedRunner([[/proxy-status -o json/, { stdout: status('SYNCED', ['greeter-server-v1-5b8f9c6d4f-abcde.canarykit']) }]]);
    await expect(executor(runner).exec.waitRouting(wait)).rejects.toThrow(/deploy\/greeter-client-default-v1: not connected to istiod yet/);
  });
});

describe('Executor.collect', () => {
  it('asks kubectl for whole seconds and keeps what was logged from the instant routing took effect', async () => {
    const runner = scriptedRunner([
      [/logs .* -l app=greeter-client-default,identity=default/, { stdout: read('kubectl-logs/weighted-90-10/client-default.log') }],
    ]);
    const since = new Date('2026-11-22T01:40:44.500Z');
    const logs = await executor(runner).exec.collect(weightedSteps.collect, since, new Date('2026-11-22T01:42:00Z'));
    expect(runner.calls[0]!.argv).toEqual(expect.arrayContaining(['--since-time', '2026-11-22T01:40:44Z']));
    expect(logs.clients.default).toHaveLength(500);
    expect(logs.clients.default!.every((l) => l.includes('call server response'))).toBe(true);
    expect(Object.keys(logs.servers)).toEqual(['v1', 'v2']);
  });

  it('fails clearly when kubectl cannot read the logs', async () => {
    const runner = scriptedRunner([[/logs/, { exitCode: 1, stderr: read('tool-output/kubectl-no-context.stderr') }]]);
    await expect(executor(runner).exec.collect(weightedSteps.collect, new Date(), new Date())).rejects.toThrow(
      /context was not found[\s\S]*fix: make cluster-up/,
    );
  });
});
