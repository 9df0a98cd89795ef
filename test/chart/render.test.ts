// charts/greeter rendered by the real helm: lint, Kubernetes schema validation, and the properties
// Istio routing relies on (app/version labels, stable selectors, one shared Service, gRPC port).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { IContainer as Container } from 'kubernetes-models/v1/Container';
import type { IPodSpec as PodSpec } from 'kubernetes-models/v1/PodSpec';
import { CHART, CI_VALUES, REPO_ROOT, helm, helmCheck, one, only, render, valuesArgs } from './helm.ts';
import { asDeployment, asPod, asService, validateObject } from './models.ts';
import { describeWithTool } from './tool-gate.ts';

const SERVER_V1 = { values: ['server-v1-values.yaml'] };
const SERVER_V2 = { values: ['server-v2-values.yaml'] };
const CLIENT = { values: ['client-values.yaml'] };
const CLIENT_ADMIN = { values: ['client-admin-values.yaml'] };
const PROXYLESS = { values: ['proxyless-values.yaml'] };
const SELECTOR_KEYS = ['app', 'app.kubernetes.io/instance', 'app.kubernetes.io/name', 'version'];

function env(container: Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
}

function appContainer(spec: PodSpec | undefined): Container {
  expect(spec?.containers).toHaveLength(1);
  return spec!.containers[0]!;
}

async function deploymentOf(release: string, options: Parameters<typeof render>[1]) {
  return asDeployment(one(await render(release, options), 'Deployment'));
}

describeWithTool(helmCheck, 'charts/greeter with a real helm', () => {
  const examples = readdirSync(CI_VALUES)
    .filter((f) => f.endsWith('-values.yaml'))
    .sort();

  it('has the five example values files the tests and `make deploy` use', () => {
    expect(examples).toEqual(['client-admin-values.yaml', 'client-values.yaml', 'proxyless-values.yaml', 'server-v1-values.yaml', 'server-v2-values.yaml']);
  });

  it.each(examples)('helm lint --strict passes with ci/%s', async (file) => {
    const result = await helm(['lint', '--strict', CHART, ...valuesArgs({ values: [file] })]);
    expect(result.stderr + result.stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
    expect(result.exitCode).toBe(0);
  });

  it.each(examples)('every object rendered with ci/%s is valid Kubernetes (kubernetes-models)', async (file) => {
    const objects = await render('release', { values: [file] });
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) validateObject(object);
  });

  it('server v1: Deployment greeter-server-v1 with app/version pod labels and a version-specific selector', async () => {
    const deployment = await deploymentOf('greeter-server-v1', SERVER_V1);
    expect(deployment.metadata?.name).toBe('greeter-server-v1');
    const selector = deployment.spec!.selector.matchLabels!;
    expect(Object.keys(selector).sort()).toEqual(SELECTOR_KEYS);
    expect(selector).toMatchObject({ app: 'greeter-server', version: 'v1' });
    // The pod template carries every selector label (else the API server rejects the Deployment).
    expect(deployment.spec!.template.metadata!.labels).toMatchObject(selector);
    const container = appContainer(deployment.spec!.template.spec);
    expect(container.image).toBe('greeter-server:1.0.0');
    expect(env(container)).toMatchObject({ GREETER_VERSION: 'v1.0.0', GREETER_PORT: '20000', GREETER_FAIL_RATE: '0', GREETER_DELAY_MS: '0' });
  });

  it('server v1 + v2: exactly one Service, selecting only `app`, reaching both versions', async () => {
    const v1 = await render('greeter-server-v1', SERVER_V1);
    const v2 = await render('greeter-server-v2', SERVER_V2);
    const services = only([...v1, ...v2], 'Service').map(asService);
    expect(services).toHaveLength(1);
    const service = services[0]!;
    expect(service.metadata?.name).toBe('greeter-server');
    expect(service.spec?.selector).toEqual({ app: 'greeter-server' });
    expect(service.spec?.ports).toEqual([{ name: 'grpc', port: 20000, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' }]);

    const [d1, d2] = [asDeployment(one(v1, 'Deployment')), asDeployment(one(v2, 'Deployment'))];
    expect([d1.metadata?.name, d2.metadata?.name]).toEqual(['greeter-server-v1', 'greeter-server-v2']);
    for (const deployment of [d1, d2]) {
      expect(deployment.spec!.template.metadata!.labels).toMatchObject(service.spec!.selector!);
      const grpcPort = appContainer(deployment.spec!.template.spec).ports?.find((p) => p.name === 'grpc');
      expect(grpcPort?.containerPort).toBe(20000);
    }
    // Each Deployment selects only its own version's pods.
    expect(d1.spec!.selector.matchLabels!.version).toBe('v1');
    expect(d2.spec!.selector.matchLabels!.version).toBe('v2');
    expect(d2.spec!.template.metadata!.labels).not.toMatchObject(d1.spec!.selector.matchLabels!);
    expect(env(appContainer(d2.spec!.template.spec)).GREETER_VERSION).toBe('v2.0.0');
    expect(appContainer(d2.spec!.template.spec).image).toBe('greeter-server:2.0.0');
  });

  it('keeps the Deployment selector across upgrades that change the image, replicas, chart version or extra labels', async () => {
    const before = await deploymentOf('greeter-server-v1', SERVER_V1);
    const after = await deploymentOf('greeter-server-v1', {
      ...SERVER_V1,
      set: { 'image.tag': '1.0.1', replicaCount: 3, 'podLabels.team': 'demo', 'server.delayMs': 50, logFormat: 'json' },
    });
    expect(after.spec!.selector).toEqual(before.spec!.selector);
    expect(after.spec!.template.metadata!.labels).toMatchObject({ 'app.kubernetes.io/version': '1.0.1', team: 'demo' });
    // What changes from one chart or image version to the next never reaches the selector.
    expect(Object.keys(before.spec!.selector.matchLabels!)).not.toContain('helm.sh/chart');
    expect(Object.keys(before.spec!.selector.matchLabels!)).not.toContain('app.kubernetes.io/version');
  });

  it('puts the version under the configured label key: dubbogoAppVersion', async () => {
    const deployment = await deploymentOf('greeter-server-v1', { ...SERVER_V1, set: { versionLabel: 'dubbogoAppVersion' } });
    const podLabels = deployment.spec!.template.metadata!.labels!;
    expect(podLabels).toMatchObject({ app: 'greeter-server', dubbogoAppVersion: 'v1' });
    expect(podLabels).not.toHaveProperty('version');
    expect(deployment.spec!.selector.matchLabels).toMatchObject({ dubbogoAppVersion: 'v1' });
  });

  it.each([
    ['server v1', SERVER_V1],
    ['server v2', SERVER_V2],
    ['client', CLIENT],
    ['proxyless client', PROXYLESS],
  ])('%s: every pod runs hardened (non-root, read-only root FS, no capabilities, RuntimeDefault seccomp)', async (_name, options) => {
    const objects = await render('release', options);
    const specs: PodSpec[] = [
      ...only(objects, 'Deployment').map((o) => asDeployment(o).spec!.template.spec!),
      ...only(objects, 'Pod').map((o) => asPod(o).spec!),
    ];
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      for (const container of spec.containers) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(container.securityContext?.capabilities?.add ?? []).toEqual([]);
        expect(container.securityContext?.privileged).not.toBe(true);
      }
    }
  });

  it("runs as the user the Dockerfiles set (USER 1000:1000, the base image's node user)", async () => {
    const spec = (await deploymentOf('r', SERVER_V1)).spec!.template.spec!;
    for (const app of ['greeter-server', 'greeter-client']) {
      const dockerfile = readFileSync(join(REPO_ROOT, 'apps', app, 'Dockerfile'), 'utf8');
      const user = /^USER\s+(\S+)\s*$/m.exec(dockerfile)?.[1];
      expect(user, `${app}/Dockerfile USER`).toBe(`${spec.securityContext!.runAsUser}:${spec.securityContext!.runAsGroup}`);
    }
  });

  it('server: native gRPC liveness and readiness probes on the grpc port; limits set', async () => {
    const container = appContainer((await deploymentOf('r', SERVER_V1)).spec!.template.spec);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe?.grpc).toEqual({ port: 20000 });
      expect(probe?.httpGet).toBeUndefined();
    }
    expect(container.resources?.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources?.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    // The gRPC port moves with server.port: container port, probe and GREETER_PORT together.
    const moved = appContainer((await deploymentOf('r', { ...SERVER_V1, set: { 'server.port': 50051 } })).spec!.template.spec);
    expect(moved.ports?.[0]).toMatchObject({ name: 'grpc', containerPort: 50051 });
    expect(moved.readinessProbe?.grpc?.port).toBe(50051);
    expect(env(moved).GREETER_PORT).toBe('50051');
  });

  it('client: no Service, no test pod, HTTP probes on /healthz, settings as GREETER_* env', async () => {
    const objects = await render('greeter-client-v1', CLIENT);
    expect(objects.map((o) => o.kind)).toEqual(['Deployment']);
    const deployment = asDeployment(objects[0]!);
    expect(deployment.metadata?.name).toBe('greeter-client-v1');
    expect(deployment.spec!.template.metadata!.labels).toMatchObject({ app: 'greeter-client', version: 'v1' });
    const container = appContainer(deployment.spec!.template.spec);
    expect(container.image).toBe('greeter-client:1.0.0');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(probe?.grpc).toBeUndefined();
    }
    expect(env(container)).toMatchObject({
      GREETER_TARGET: 'dns:///greeter-server:20000',
      GREETER_RATE: '10',
      GREETER_CONCURRENCY: '1',
      GREETER_HTTP_PORT: '8080',
    });
    expect(env(container)).not.toHaveProperty('GREETER_METADATA');
    expect(env(container)).not.toHaveProperty('GREETER_VERSION');
    expect(deployment.spec!.template.metadata!.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' });
  });

  it('client with httpPort 0 and probes off: no port, no probes, no scrape annotations', async () => {
    const deployment = await deploymentOf('c', { ...CLIENT, set: { 'client.httpPort': 0, 'probes.enabled': false } });
    const container = appContainer(deployment.spec!.template.spec);
    expect(container.ports).toBeUndefined();
    expect(container.livenessProbe).toBeUndefined();
    expect(container.readinessProbe).toBeUndefined();
    expect(env(container).GREETER_HTTP_PORT).toBe('0');
    expect(deployment.spec!.template.metadata!.annotations ?? {}).not.toHaveProperty('prometheus.io/scrape');
  });

  it('client with user: admin sends it as GREETER_METADATA; several headers are joined in key order', async () => {
    const admin = appContainer((await deploymentOf('greeter-client-admin-v1', CLIENT_ADMIN)).spec!.template.spec);
    expect(env(admin).GREETER_METADATA).toBe('user=admin');
    const two = appContainer(
      (await deploymentOf('c', { ...CLIENT, set: { 'client.metadata.x-dark-launch': 'v2', 'client.metadata.user': 'admin' } })).spec!.template.spec,
    );
    expect(env(two).GREETER_METADATA).toBe('user=admin,x-dark-launch=v2');
  });

  it('proxyless: grpc-agent template and holdApplicationUntilProxyStarts; neither by default', async () => {
    const proxyless = await deploymentOf('p', PROXYLESS);
    const annotations = proxyless.spec!.template.metadata!.annotations!;
    expect(annotations['inject.istio.io/templates']).toBe('grpc-agent');
    expect(JSON.parse(annotations['proxy.istio.io/config']!)).toEqual({ holdApplicationUntilProxyStarts: true });
    expect(env(appContainer(proxyless.spec!.template.spec)).GREETER_TARGET).toMatch(/^xds:\/\/\//);
    for (const options of [SERVER_V1, CLIENT]) {
      const plain = (await deploymentOf('r', options)).spec!.template.metadata!.annotations ?? {};
      expect(plain).not.toHaveProperty('inject.istio.io/templates');
      expect(plain).not.toHaveProperty('proxy.istio.io/config');
    }
  });

  it('helm test pod: a hook without sidecar that calls the Service, outside every selector', async () => {
    const objects = await render('greeter-server-v1', SERVER_V1);
    const pod = asPod(one(objects, 'Pod'));
    expect(pod.metadata?.annotations).toMatchObject({ 'helm.sh/hook': 'test', 'sidecar.istio.io/inject': 'false' });
    expect(pod.spec?.restartPolicy).toBe('Never');
    const container = appContainer(pod.spec);
    expect(env(container)).toMatchObject({ GREETER_TARGET: 'dns:///greeter-server:20000', GREETER_COUNT: '1' });
    // A pod matching the Deployment's selector would be adopted by its ReplicaSet; one matching the
    // Service's selector would receive traffic.
    const labels = pod.metadata?.labels ?? {};
    const deployment = asDeployment(one(objects, 'Deployment'));
    expect(labels).not.toMatchObject(deployment.spec!.selector.matchLabels!);
    expect(labels).not.toMatchObject(asService(one(objects, 'Service')).spec!.selector!);
  });

  it('NOTES.txt says what was installed and how to look at it', async () => {
    const result = await helm(['install', 'greeter-server-v2', CHART, '--dry-run=client', '--namespace', 'canarykit', ...valuesArgs(SERVER_V2)]);
    expect(result.exitCode, result.stderr).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('Deployment greeter-server-v2');
    expect(notes).toContain('app=greeter-server,version=v2');
    expect(notes).toContain('No Service from this release');
    expect(notes).toContain('answers with id "v2.0.0"');
    expect(notes).toContain('kubectl logs -n canarykit -f deploy/greeter-server-v2');
  });
});
