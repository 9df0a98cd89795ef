// The kind cluster config (scripts/kind-config.yaml) and a schema for the part of
// kind.x-k8s.io/v1alpha4 `Cluster` canarykit uses. kind decodes its config strictly (an unknown
// field is an error), so the schema is strict too: a typo fails here, not halfway through cluster-up.
// Field reference: https://kind.sigs.k8s.io/docs/user/configuration/
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);

export const portMappingSchema = z.strictObject({
  containerPort: port,
  hostPort: port.optional(),
  listenAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});

export const kindNodeSchema = z.strictObject({
  role: z.enum(['control-plane', 'worker']),
  image: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  extraPortMappings: z.array(portMappingSchema).optional(),
  extraMounts: z
    .array(
      z.strictObject({
        hostPath: z.string(),
        containerPath: z.string(),
        readOnly: z.boolean().optional(),
        selinuxRelabel: z.boolean().optional(),
        propagation: z.enum(['None', 'HostToContainer', 'Bidirectional']).optional(),
      }),
    )
    .optional(),
  kubeadmConfigPatches: z.array(z.string()).optional(),
});

export const kindClusterSchema = z
  .strictObject({
    kind: z.literal('Cluster'),
    apiVersion: z.literal('kind.x-k8s.io/v1alpha4'),
    // kind uses the name for the Docker containers and the kubeconfig context `kind-<name>`.
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label: lowercase letters, digits and -')
      .optional(),
    nodes: z
      .array(kindNodeSchema)
      .min(1)
      .refine((nodes) => nodes.some((node) => node.role === 'control-plane'), 'needs at least one control-plane node'),
    networking: z
      .strictObject({
        ipFamily: z.enum(['ipv4', 'ipv6', 'dual']).optional(),
        apiServerAddress: z.string().optional(),
        apiServerPort: port.optional(),
        podSubnet: z.string().optional(),
        serviceSubnet: z.string().optional(),
        disableDefaultCNI: z.boolean().optional(),
        kubeProxyMode: z.enum(['iptables', 'ipvs', 'nftables', 'none']).optional(),
      })
      .optional(),
    featureGates: z.record(z.string(), z.boolean()).optional(),
    runtimeConfig: z.record(z.string(), z.string()).optional(),
    containerdConfigPatches: z.array(z.string()).optional(),
  })
  .superRefine((cluster, ctx) => {
    const seen = new Map<string, number>();
    cluster.nodes.forEach((node, index) => {
      for (const mapping of node.extraPortMappings ?? []) {
        if (mapping.hostPort === undefined || mapping.hostPort === 0) continue;
        const key = `${mapping.listenAddress ?? '0.0.0.0'}:${mapping.hostPort}/${mapping.protocol ?? 'TCP'}`;
        if (seen.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['nodes', index, 'extraPortMappings'],
            message: `host port ${key} is mapped twice (nodes ${seen.get(key)} and ${index}): Docker cannot bind it twice`,
          });
        }
        seen.set(key, index);
      }
    });
  });

export type KindCluster = z.infer<typeof kindClusterSchema>;

/** Parse and validate a kind config; errors name the file and the field. */
export function parseKindConfig(text: string, file = 'kind config'): KindCluster {
  const result = kindClusterSchema.safeParse(parse(text));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
    throw new Error(`${file} is not a valid kind.x-k8s.io/v1alpha4 Cluster:\n${problems}`);
  }
  return result.data;
}

export function loadKindConfig(path: string): KindCluster {
  return parseKindConfig(readFileSync(path, 'utf8'), path);
}

/** Host ports published for a node port, e.g. 30080 → [30080]. */
export function hostPortsFor(cluster: KindCluster, containerPort: number): number[] {
  return cluster.nodes.flatMap((node) =>
    (node.extraPortMappings ?? []).filter((mapping) => mapping.containerPort === containerPort).map((mapping) => mapping.hostPort ?? containerPort),
  );
}
