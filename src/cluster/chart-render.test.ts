// The Helm values the kind path generates, rendered by the real helm with charts/greeter: the pods
// carry the labels the log selectors use, the containers have the names `kubectl logs -c` uses,
// and the Deployments have the names istioctl probes. Skipped (visibly) without helm: `make helm`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load.ts';
import { CLIENT_CONTAINER, clientDeployment, clientSelector, SERVER_CONTAINER, serverSelector } from './helm-values.ts';
import { clientsOf, deployPlan, e2ePlan, type ExecStep } from './plan.ts';
import { defaultClusterSettings, REPO_ROOT } from './settings.ts';
import { findTool } from './tools.ts';

const helmBin = findTool('helm', { localBin: join(REPO_ROOT, '.tools/bin') });
const fixtures = join(import.meta.dirname, 'testdata/scenarios');

interface Obj {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Array<{ name: string; image: string; imagePullPolicy: string; env?: Array<{ name: string; value?: string }> }> };
}

async function render(step: ExecStep): Promise<Obj[]> {
  const dir = mkdtempSync(join(tmpdir(), 'canarykit-values-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, step.files![0]!.content);
  const release = step.argv[3]!;
  const result = await execa(helmBin!, ['template', release, join(REPO_ROOT, 'charts/greeter'), '--namespace', 'canarykit', '-f', file], { reject: false });
  expect(result.exitCode, String(result.stderr)).toBe(0);
  return parseAllDocuments(String(result.stdout))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

const matches = (selector: string, labels: Record<string, string>) =>
  selector.split(',').every((pair) => {
    const [k, v] = pair.split('=');
    return labels[k!] === v;
  });

describe.runIf(helmBin !== undefined)('generated values rendered with helm template (charts/greeter)', () => {
  const settings = defaultClusterSettings({ versions: { kind: 'v0.33.0', kindNodeImage: 'x', istio: '1.31.1', kubectl: 'v1.36.4', helm: 'v4.3.1' } });
  const scenarios = ['header-user-admin', 'ingress-70-30'].map((n) => loadScenario(join(fixtures, n)));
  const helmSteps = (steps: readonly { type: string }[]) =>
    steps.filter((s): s is ExecStep => s.type === 'exec' && (s as ExecStep).argv[0] === 'helm' && (s as ExecStep).argv[1] === 'upgrade');

  it('client pods match the log selector, have the client container and the Deployment istioctl probes', async () => {
    for (const step of helmSteps(deployPlan(settings, { build: false, clients: clientsOf(scenarios) }).steps).filter((s) =>
      s.argv[3]!.startsWith('greeter-client-'),
    )) {
      const identity = step.argv[3]!.slice('greeter-client-'.length);
      const objects = await render(step);
      const deployment = objects.find((o) => o.kind === 'Deployment')!;
      expect(deployment.metadata.name).toBe(clientDeployment(identity));
      const pod = (deployment.spec as { template: PodTemplate }).template;
      expect(matches(clientSelector(identity), pod.metadata.labels), `${identity}: ${JSON.stringify(pod.metadata.labels)}`).toBe(true);
      expect(pod.spec.containers.map((c) => c.name)).toContain(CLIENT_CONTAINER);
      expect(pod.spec.containers[0]).toMatchObject({ image: 'greeter-client:1.0.0', imagePullPolicy: 'IfNotPresent' });
      expect(objects.some((o) => o.kind === 'Service')).toBe(false);
      const env = Object.fromEntries((pod.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
      if (identity === 'admin') expect(env.GREETER_METADATA).toContain('user=admin');
      if (identity === 'ingress') {
        expect(pod.metadata.annotations?.['sidecar.istio.io/inject']).toBe('false');
        expect(env.GREETER_TARGET).toBe('dns:///istio-ingressgateway.istio-system.svc.cluster.local:80');
      }
    }
  });

  it('server pods match the log selector; only v1 makes the Service, with the grpc port', async () => {
    const plan = e2ePlan(settings, [{ scenario: scenarios[1]! }]);
    for (const step of helmSteps(plan.steps).filter((s) => s.argv[3]!.startsWith('greeter-server-'))) {
      const version = step.argv[3]!.slice('greeter-server-'.length);
      const objects = await render(step);
      const deployment = objects.find((o) => o.kind === 'Deployment')!;
      expect(deployment.metadata.name).toBe(`greeter-server-${version}`);
      const spec = deployment.spec as { replicas: number; template: PodTemplate };
      expect(matches(serverSelector(version), spec.template.metadata.labels)).toBe(true);
      expect(spec.template.spec.containers.map((c) => c.name)).toContain(SERVER_CONTAINER);
      expect(spec.replicas).toBe(version === 'v1' ? 2 : 1);
      const service = objects.find((o) => o.kind === 'Service');
      if (version === 'v1') {
        expect(service?.metadata.name).toBe('greeter-server');
        expect((service!.spec as { ports: Array<{ name: string; port: number }> }).ports).toEqual(
          expect.arrayContaining([expect.objectContaining({ name: 'grpc', port: 20000 })]),
        );
      } else {
        expect(service).toBeUndefined();
      }
    }
  });

  it('proxyless clients get the grpc-agent template', async () => {
    const proxyless = defaultClusterSettings({ versions: settings.versions, meshMode: 'proxyless' });
    const step = helmSteps(deployPlan(proxyless, { build: false, clients: [{ identity: 'default' }] }).steps).find(
      (s) => s.argv[3] === 'greeter-client-default',
    )!;
    const pod = ((await render(step)).find((o) => o.kind === 'Deployment')!.spec as { template: PodTemplate }).template;
    expect(pod.metadata.annotations?.['inject.istio.io/templates']).toBe('grpc-agent');
  });
});
