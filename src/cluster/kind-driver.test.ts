// The kind driver's logic with scripted tools: which commands run, in which order, and what the
// scenario runner does with their output. No cluster is involved or claimed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../driver/run-scenario.ts';
import { diagnosticCommands, KindDriver, readyPods } from './kind-driver.ts';
import { loadScenario } from '../scenarios/load.ts';
import { scriptedRunner } from './scripted-runner.ts';
import { defaultClusterSettings } from './settings.ts';

const testdata = join(import.meta.dirname, 'testdata');
const read = (...parts: string[]) => readFileSync(join(testdata, ...parts), 'utf8');
const settings = defaultClusterSettings({
  versions: { kind: 'v0.33.0', kindNodeImage: 'kindest/node:v1.36.4@sha256:x', istio: '1.31.1', kubectl: 'v1.36.4', helm: 'v4.3.1' },
});
const weighted = loadScenario(join(testdata, 'scenarios/weighted-90-10'));
const pods = JSON.stringify({
  items: [{ metadata: { name: 'greeter-client-default-v1-x' }, spec: { containers: [{ name: 'client' }, { name: 'istio-proxy' }] } }],
});

function clusterTools(routesAfterApply: string) {
  let applied = false;
  return scriptedRunner([
    [/^docker info/, { stdout: '28.2.2\n' }],
    [/^kind get clusters/, { stdout: 'canarykit\n' }],
    [/get pods -n canarykit -o json/, { stdout: pods }],
    [
      / apply -n canarykit/,
      () => {
        applied = true;
        return {};
      },
    ],
    [
      / delete -n canarykit/,
      () => {
        applied = false;
        return {};
      },
    ],
    [/proxy-config endpoints/, { stdout: read('proxy-config/client-default-endpoints-v1-v2.json') }],
    [/proxy-config routes/, () => ({ stdout: applied ? routesAfterApply : read('proxy-config/client-default-no-rules.json') })],
    [/logs .*identity=default/, { stdout: read('kubectl-logs/weighted-90-10/client-default.log') }],
  ]);
}

function driver(runner: ReturnType<typeof scriptedRunner>) {
  let t = Date.parse('2026-11-22T01:41:30.000Z');
  return new KindDriver({
    settings,
    runner,
    writeFile: () => {},
    now: () => new Date(t),
    sleep: async (ms) => {
      t += ms;
    },
  });
}

describe('KindDriver through runScenario', () => {
  it('runs workloads, apply, routing wait, collect and cleanup in that order', async () => {
    const runner = clusterTools(read('proxy-config/client-default-weighted-90-10.json'));
    const d = driver(runner);
    let seen: Record<string, readonly string[]> = {};
    const run = await runScenario({
      driver: d,
      scenario: weighted,
      sampleMs: 30_000,
      now: () => new Date('2026-11-22T01:40:44.500Z'),
      sleep: async () => {},
      verify: (_s, logs) => {
        seen = logs.clients;
        return { passed: true, report: 'ok' };
      },
    });
    expect(run.outcome.passed).toBe(true);
    expect(seen.default).toHaveLength(500);
    const tools = runner.lines().map((l) => l.split(' ').slice(0, 4).join(' '));
    expect(tools).toEqual([
      'docker info --format {{.ServerVersion}}',
      'kind get clusters',
      'helm upgrade --install greeter-server-v1',
      'helm upgrade --install greeter-server-v2',
      'helm upgrade --install greeter-client-default',
      'kubectl --context kind-canarykit get',
      'kubectl --context kind-canarykit apply',
      'istioctl --context kind-canarykit proxy-config',
      'istioctl --context kind-canarykit proxy-config',
      'kubectl --context kind-canarykit logs',
      'kubectl --context kind-canarykit logs',
      'kubectl --context kind-canarykit logs',
      'kubectl --context kind-canarykit delete',
      'istioctl --context kind-canarykit proxy-config',
      'istioctl --context kind-canarykit proxy-config',
    ]);
  });

  it('diagnoses (pods, events, routes, logs) and cleans up when the routing never takes effect', async () => {
    const runner = clusterTools(read('proxy-config/client-default-no-rules.json'));
    const error = await runScenario({
      driver: driver(runner),
      scenario: weighted,
      sampleMs: 0,
      sleep: async () => {},
      verify: () => ({ passed: true, report: '' }),
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/routing not in effect after 120 s/);
    const lines = runner.lines();
    const firstDiag = lines.findIndex((l) => l.includes('get pods -n canarykit -o wide'));
    expect(firstDiag).toBeGreaterThan(0);
    expect(lines.slice(firstDiag).some((l) => l.includes('get events'))).toBe(true);
    expect(lines.slice(firstDiag).some((l) => l.includes('proxy-config routes deploy/greeter-client-default-v1 -n canarykit') && !l.includes('-o json'))).toBe(
      true,
    );
    expect(lines.slice(firstDiag).some((l) => / delete -n canarykit --ignore-not-found/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/proxy-config (routes|endpoints)/);
  });

  it('stops before any cluster command when Docker is not running', async () => {
    const runner = scriptedRunner([[/^docker info/, { exitCode: 1, stderr: read('tool-output/docker-info-no-daemon.stderr') }]]);
    await expect(driver(runner).apply(weighted)).rejects.toThrow(/^Docker is not running/);
    expect(runner.lines()).toEqual(['docker info --format {{.ServerVersion}}']);
  });

  it('refuses scenarios without the cluster mode', () => {
    const local = loadScenario(join(testdata, 'scenarios/local-only'));
    expect(driver(scriptedRunner([])).skipReason(local)).toMatch(/does not list mode 'cluster'/);
    expect(driver(scriptedRunner([])).skipReason(weighted)).toBeUndefined();
  });
});

describe('diagnosticCommands', () => {
  it('cover pods, events, Istio objects and analysis, the client routes and the logs of every workload', () => {
    const ingress = loadScenario(join(testdata, 'scenarios/ingress-70-30'));
    const lines = diagnosticCommands(settings, ingress).map((argv) => argv.join(' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        'kubectl --context kind-canarykit get pods -n canarykit -o wide',
        'kubectl --context kind-canarykit get events -n canarykit --sort-by=.lastTimestamp',
        'istioctl --context kind-canarykit analyze -n canarykit',
        'istioctl --context kind-canarykit proxy-config routes deploy/greeter-client-default-v1 -n canarykit',
        'istioctl --context kind-canarykit proxy-config routes deploy/istio-ingressgateway -n istio-system',
        'kubectl --context kind-canarykit logs -n canarykit -l app=greeter-client-ingress,identity=ingress -c client --prefix --tail=30',
        'kubectl --context kind-canarykit logs -n canarykit -l app=greeter-server,version=v2 -c server --prefix --tail=30',
      ]),
    );
  });
});

describe('KindDriver up/down', () => {
  it('by default only checks the cluster made by make cluster-up, and never deletes it', async () => {
    const runner = scriptedRunner([[/^kind get clusters/, { stdout: 'canarykit\n' }]]);
    const d = driver(runner);
    await d.up();
    await d.down();
    expect(runner.lines()).toEqual([
      'docker info --format {{.ServerVersion}}',
      'kind get clusters',
      'kubectl --context kind-canarykit rollout status deployment/istiod -n istio-system --timeout=60s',
      'kubectl --context kind-canarykit delete virtualservices.networking.istio.io,destinationrules.networking.istio.io,gateways.networking.istio.io -n canarykit -l app.kubernetes.io/part-of=canarykit --ignore-not-found',
    ]);
  });

  it('creates, deploys and deletes when it manages the cluster', async () => {
    const runner = scriptedRunner([
      [/^kind get clusters/, { stdout: '' }],
      [/istioctl version/, { stdout: '1.31.1\n' }],
      [/get pods -n canarykit -o json/, { stdout: pods }],
    ]);
    const d = new KindDriver({ settings, runner, writeFile: () => {}, manageCluster: true, build: false });
    await d.up();
    await d.down();
    const lines = runner.lines();
    expect(lines.some((l) => l.startsWith('kind create cluster --name canarykit'))).toBe(true);
    expect(lines.some((l) => l.startsWith('kind load docker-image'))).toBe(true);
    expect(lines.some((l) => l.startsWith('make build'))).toBe(false);
    expect(lines.at(-1)).toBe('kind delete cluster --name canarykit');
  });
});

describe('KindDriver for a promotion', () => {
  it('with keepRouting, up checks istiod and deletes no routing object', async () => {
    const runner = scriptedRunner([[/^kind get clusters/, { stdout: 'canarykit\n' }]]);
    const d = new KindDriver({ settings, runner, writeFile: () => {}, keepRouting: true });
    await d.up();
    expect(runner.lines().filter((l) => / delete /.test(l))).toEqual([]);
    expect(runner.lines().at(-1)).toMatch(/rollout status deployment\/istiod/);
  });

  it('prepareServers upgrades the server releases as the scenario runs them, and touches no client and no routing', async () => {
    const runner = scriptedRunner([[/^kind get clusters/, { stdout: 'canarykit\n' }]]);
    const d = new KindDriver({ settings, runner, writeFile: () => {} });
    await d.prepareServers(weighted);
    const upgrades = runner.lines().filter((l) => l.startsWith('helm upgrade'));
    expect(upgrades.map((l) => l.split(' ')[3])).toEqual(settings.servers.map((s) => s.release));
    expect(runner.lines().some((l) => / apply /.test(l) || /greeter-client/.test(l))).toBe(false);
  });

  it('runningServers counts the pods of a version that are running, ready and not being deleted', async () => {
    const pod = (phase: string, ready: string, deleting = false) => ({
      metadata: deleting ? { deletionTimestamp: '2026-12-05T00:00:00Z' } : {},
      status: { phase, conditions: [{ type: 'Ready', status: ready }] },
    });
    const list = { items: [pod('Running', 'True'), pod('Running', 'False'), pod('Pending', 'False'), pod('Running', 'True', true), pod('Running', 'True')] };
    expect(readyPods(JSON.stringify(list))).toBe(2);
    expect(readyPods(JSON.stringify({ items: [] }))).toBe(0);
    const runner = scriptedRunner([[/get pods -n canarykit -l app=greeter-server,version=v2 -o json/, { stdout: JSON.stringify(list) }]]);
    expect(await new KindDriver({ settings, runner }).runningServers('v2')).toBe(2);
    const failing = scriptedRunner([[/get pods/, { exitCode: 1, stderr: 'connection refused' }]]);
    await expect(new KindDriver({ settings, runner: failing }).runningServers('v2')).rejects.toThrow(/exit 1\): connection refused/);
  });
});
