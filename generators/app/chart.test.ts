// The chart of a generated project, rendered by a real helm: the version flags reach the objects.
import path from 'node:path';
import { expect, it } from 'vitest';
import helpers from 'yeoman-test';
import { describeWithTool } from '../../test/chart/tool-gate.ts';
import { helm, helmCheck, one, only, parseManifests, type K8sObject } from '../../test/chart/helm.ts';
import CanarykitAppGenerator from './index.ts';
import { generatorFile } from './paths.ts';

async function generateAndRender(options: Record<string, unknown>, release: string): Promise<K8sObject[]> {
  const result = await helpers
    .run(CanarykitAppGenerator as never, { namespace: 'canarykit:app', resolved: generatorFile })
    .withOptions({ yes: true, skipInstall: true, ...options } as never);
  const chart = path.join(result.cwd, 'chart');
  const lint = await helm(['lint', chart]);
  expect(lint.exitCode, lint.stdout + lint.stderr).toBe(0);
  const rendered = await helm(['template', release, chart, '--namespace', 'demo']);
  expect(rendered.exitCode, rendered.stderr).toBe(0);
  return parseManifests(rendered.stdout);
}

type PodTemplate = {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Array<{ image: string; env?: Array<{ name: string; value?: string }> }> };
};
const podTemplate = (deployment: K8sObject) => (deployment['spec'] as { template: PodTemplate }).template;
const env = (deployment: K8sObject, name: string) => podTemplate(deployment).spec.containers[0]?.env?.find((e) => e.name === name)?.value;

describeWithTool(helmCheck, 'generated chart (helm lint + helm template)', () => {
  it('server v1: Deployment demo-svc-v1 and the Service demo-svc', async () => {
    const objects = await generateAndRender({ name: 'demo-svc' }, 'demo-svc-v1');
    const deployment = one(objects, 'Deployment');
    expect(deployment.metadata.name).toBe('demo-svc-v1');
    expect(podTemplate(deployment).metadata.labels).toMatchObject({ app: 'demo-svc', version: 'v1' });
    expect(one(objects, 'Service').metadata.name).toBe('demo-svc');
  });

  it('server v2 with dubbogoAppVersion: pods labelled v2, answering v2.0.0, no Service of its own', async () => {
    const objects = await generateAndRender({ name: 'demo-svc', 'app-version': 'v2', 'version-label': 'dubbogoAppVersion' }, 'demo-svc-v2');
    const deployment = one(objects, 'Deployment');
    expect(deployment.metadata.name).toBe('demo-svc-v2');
    expect(podTemplate(deployment).metadata.labels).toMatchObject({ app: 'demo-svc', dubbogoAppVersion: 'v2' });
    expect(podTemplate(deployment).spec.containers[0]?.image).toBe('demo-svc:2.0.0');
    expect(env(deployment, 'GREETER_VERSION')).toBe('v2.0.0');
    expect(only(objects, 'Service')).toEqual([]);
  });

  it('proxyless client: grpc-agent template and an xds:/// target', async () => {
    const objects = await generateAndRender({ type: 'client', name: 'greeter-client', proxyless: true }, 'greeter-client-v1');
    const deployment = one(objects, 'Deployment');
    expect(podTemplate(deployment).metadata.annotations).toMatchObject({ 'inject.istio.io/templates': 'grpc-agent' });
    expect(env(deployment, 'GREETER_TARGET')).toBe('xds:///greeter-server:20000');
  });
});
