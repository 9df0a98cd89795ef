// The IstioOperator overlay given to `istioctl install -f` (scripts/cluster/istio-operator.yaml).
// @kubernetes-models/istio ships IstioOperator without a spec schema, so the fields canarykit sets are
// checked here, strictly: istioctl rejects unknown fields too, but only once a cluster exists.
// Field reference: https://istio.io/latest/docs/reference/config/istio.operator.v1alpha1/
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity such as 100m or 256Mi'), z.number()]);
const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});

const servicePort = z.strictObject({
  name: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  targetPort: z.number().int().min(1).max(65535).optional(),
  // Kubernetes' default NodePort range.
  nodePort: z.number().int().min(30000).max(32767).optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});

const k8sSpec = z.strictObject({
  resources: resources.optional(),
  replicaCount: z.number().int().min(0).optional(),
  podAnnotations: z.record(z.string(), z.string()).optional(),
  service: z
    .strictObject({
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).optional(),
      ports: z.array(servicePort).optional(),
    })
    .optional(),
});

const gateway = z.strictObject({
  name: z.string().min(1),
  enabled: z.boolean().optional(),
  namespace: z.string().optional(),
  label: z.record(z.string(), z.string()).optional(),
  k8s: k8sSpec.optional(),
});

export const istioOperatorSchema = z.strictObject({
  apiVersion: z.literal('install.istio.io/v1alpha1'),
  kind: z.literal('IstioOperator'),
  metadata: z.strictObject({ name: z.string().min(1), namespace: z.string().optional() }).optional(),
  spec: z.strictObject({
    // `default` and `demo` both install the ingress gateway; `minimal`, `ambient` and `empty` do not.
    profile: z.enum(['default', 'demo']),
    hub: z.string().optional(),
    tag: z.string().optional(),
    meshConfig: z
      .strictObject({
        accessLogFile: z.string().optional(),
        accessLogEncoding: z.enum(['TEXT', 'JSON']).optional(),
        defaultConfig: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    components: z
      .strictObject({
        base: z.strictObject({ enabled: z.boolean().optional() }).optional(),
        pilot: z.strictObject({ enabled: z.boolean().optional(), k8s: k8sSpec.optional() }).optional(),
        ingressGateways: z.array(gateway).optional(),
        egressGateways: z.array(gateway).optional(),
      })
      .optional(),
    values: z
      .strictObject({
        global: z
          .strictObject({
            imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
            proxy: z.strictObject({ resources: resources.optional() }).optional(),
          })
          .optional(),
      })
      .optional(),
  }),
});

export type IstioOperator = z.infer<typeof istioOperatorSchema>;

export function parseIstioOperator(text: string, file = 'IstioOperator'): IstioOperator {
  const result = istioOperatorSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
    throw new Error(`${file} is not a valid install.istio.io/v1alpha1 IstioOperator (for the fields canarykit uses):\n${problems}`);
  }
  return result.data;
}

export function loadIstioOperator(path: string): IstioOperator {
  return parseIstioOperator(readFileSync(path, 'utf8'), path);
}

/** The enabled ingress gateway named `istio-ingressgateway`, or undefined. */
export function ingressGateway(operator: IstioOperator) {
  return operator.spec.components?.ingressGateways?.find((gw) => gw.name === 'istio-ingressgateway' && gw.enabled !== false);
}

/** NodePorts of the ingress gateway Service, by port name (`http2` → 30080). */
export function ingressNodePorts(operator: IstioOperator): Record<string, number> {
  const ports = ingressGateway(operator)?.k8s?.service?.ports ?? [];
  return Object.fromEntries(ports.filter((p) => p.nodePort !== undefined).map((p) => [p.name, p.nodePort!]));
}
