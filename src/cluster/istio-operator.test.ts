import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingressGateway, loadIstioOperator, parseIstioOperator } from './istio-operator.ts';
import { REPO_ROOT } from './settings.ts';

describe('scripts/cluster/istio-operator.yaml', () => {
  const operator = loadIstioOperator(join(REPO_ROOT, 'scripts/cluster/istio-operator.yaml'));

  it('uses a profile with the ingress gateway, enabled, as a NodePort (no LoadBalancer on kind)', () => {
    expect(operator.spec.profile).toBe('default');
    const gateway = ingressGateway(operator);
    expect(gateway?.k8s?.service?.type).toBe('NodePort');
    // The gateway's status port must stay, or its readiness probe target disappears from the Service.
    expect(gateway?.k8s?.service?.ports?.map((p) => p.name)).toContain('status-port');
  });

  it('asks for small resources so istiod, the gateway and a few sidecars fit on a laptop', () => {
    expect(operator.spec.components?.pilot?.k8s?.resources?.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(operator.spec.values?.global?.proxy?.resources?.requests).toEqual({ cpu: '10m', memory: '40Mi' });
  });
});

describe('parseIstioOperator', () => {
  const head = 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n';
  it('refuses a profile without the ingress gateway', () => {
    expect(() => parseIstioOperator(`${head}spec:\n  profile: minimal\n`, 'op.yaml')).toThrow(/op\.yaml[\s\S]*spec\.profile/);
  });
  it('refuses a misspelt field and a nodePort outside 30000-32767', () => {
    expect(() => parseIstioOperator(`${head}spec:\n  profile: default\n  component: {}\n`)).toThrow(/component/);
    expect(() =>
      parseIstioOperator(
        `${head}spec:\n  profile: default\n  components:\n    ingressGateways:\n      - name: istio-ingressgateway\n        k8s:\n          service:\n            ports:\n              - {name: http2, port: 80, nodePort: 8080}\n`,
      ),
    ).toThrow(/nodePort/);
  });
  it('refuses a resource quantity Kubernetes would not parse', () => {
    expect(() =>
      parseIstioOperator(
        `${head}spec:\n  profile: default\n  values:\n    global:\n      proxy:\n        resources:\n          requests:\n            memory: 40MB\n`,
      ),
    ).toThrow(/memory/);
  });
});
