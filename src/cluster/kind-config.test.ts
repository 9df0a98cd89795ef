import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostPortsFor, loadKindConfig, parseKindConfig } from './kind-config.ts';
import { ingressNodePorts, loadIstioOperator } from './istio-operator.ts';
import { REPO_ROOT } from './settings.ts';

const kindConfigPath = join(REPO_ROOT, 'scripts/kind-config.yaml');
const operatorPath = join(REPO_ROOT, 'scripts/cluster/istio-operator.yaml');

describe('scripts/kind-config.yaml', () => {
  const config = loadKindConfig(kindConfigPath);

  it('is a valid kind v1alpha4 Cluster named canarykit', () => {
    expect(config.name).toBe('canarykit');
    expect(config.nodes.map((n) => n.role)).toEqual(['control-plane']);
  });

  it('does not pin the node image itself (versions.env does, via --image)', () => {
    expect(config.nodes.every((n) => n.image === undefined)).toBe(true);
  });

  it('publishes every NodePort of the ingress gateway on the host, on loopback only', () => {
    const nodePorts = ingressNodePorts(loadIstioOperator(operatorPath));
    expect(nodePorts).toEqual({ http2: 30080, https: 30443 });
    for (const nodePort of Object.values(nodePorts)) {
      expect(hostPortsFor(config, nodePort), `NodePort ${nodePort}`).toEqual([nodePort]);
    }
    const mappings = config.nodes.flatMap((n) => n.extraPortMappings ?? []);
    expect(mappings.every((m) => m.listenAddress === '127.0.0.1')).toBe(true);
  });
});

describe('parseKindConfig', () => {
  const base = 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n';

  it('refuses unknown fields, as kind does, naming the field', () => {
    expect(() => parseKindConfig(`${base}nodes:\n  - role: control-plane\n    extraPortMapping: []\n`, 'x.yaml')).toThrow(
      /x\.yaml[\s\S]*nodes\.0[\s\S]*extraPortMapping/,
    );
  });

  it('refuses a wrong apiVersion', () => {
    expect(() => parseKindConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3\nnodes:\n  - role: control-plane\n')).toThrow(/apiVersion/);
  });

  it('refuses a cluster without a control-plane node', () => {
    expect(() => parseKindConfig(`${base}nodes:\n  - role: worker\n`)).toThrow(/control-plane/);
  });

  it('refuses a port that is not a number and a protocol kind does not know', () => {
    expect(() => parseKindConfig(`${base}nodes:\n  - role: control-plane\n    extraPortMappings:\n      - containerPort: "30080"\n`)).toThrow(/containerPort/);
    expect(() =>
      parseKindConfig(`${base}nodes:\n  - role: control-plane\n    extraPortMappings:\n      - containerPort: 30080\n        protocol: tcp\n`),
    ).toThrow(/protocol/);
  });

  it('refuses the same host port mapped twice', () => {
    const twice = `${base}nodes:\n  - role: control-plane\n    extraPortMappings:\n      - {containerPort: 30080, hostPort: 8080}\n  - role: worker\n    extraPortMappings:\n      - {containerPort: 30081, hostPort: 8080}\n`;
    expect(() => parseKindConfig(twice)).toThrow(/mapped twice/);
  });

  it('refuses a cluster name that is not a DNS label', () => {
    expect(() => parseKindConfig(`${base}name: Canary_Kit\nnodes:\n  - role: control-plane\n`)).toThrow(/name/);
  });
});
