// The Kubernetes objects a scenario applies to the cluster: every *.yaml directly in
// scenarios/<name>/ (expect/ holds the expectation, which is not a Kubernetes object), each one
// validated against its schema (@kubernetes-models/istio) before anything reaches a cluster.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { Gateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { z } from 'zod';
import type { DriverScenario } from '../driver/driver.ts';

export interface ManifestDoc {
  /** File the object came from (absolute path). */
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** The parsed object (plain JSON). */
  readonly object: Record<string, unknown>;
}

// The kinds a scenario may contain, each with its schema. Anything else is refused: the e2e
// deletes what it applied, so it must know what it applies.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'networking.istio.io/v1/VirtualService': VirtualService as never,
  'networking.istio.io/v1/DestinationRule': DestinationRule as never,
  'networking.istio.io/v1/Gateway': Gateway as never,
};

/** The Kubernetes manifest files of a scenario, sorted by name (the order `kubectl apply -f` gets them). */
export function scenarioManifestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort();
}

/** Parse and validate one manifest file; errors name the file, the object and the field. */
export function parseManifestFile(file: string, text = readFileSync(file, 'utf8')): ManifestDoc[] {
  const docs: ManifestDoc[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: YAML error: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as Record<string, unknown> | null;
    if (object === null || object === undefined) continue;
    const apiVersion = String(object.apiVersion ?? '');
    const kind = String(object.kind ?? '');
    const metadata = (object.metadata ?? {}) as { name?: unknown };
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    const Model = MODELS[`${apiVersion}/${kind}`];
    if (!Model) {
      throw new Error(`${file}: ${apiVersion || '(no apiVersion)'} ${kind || '(no kind)'} is not a kind canarykit applies (allowed: ${Object.keys(MODELS).join(', ')})`);
    }
    if (!name) throw new Error(`${file}: ${kind} has no metadata.name`);
    try {
      new Model(object as never).validate();
    } catch (error) {
      throw new Error(`${file}: ${kind} ${name} is invalid: ${(error as Error).message}`);
    }
    docs.push({ file, apiVersion, kind, name, object });
  }
  return docs;
}

export function scenarioManifests(dir: string): ManifestDoc[] {
  return scenarioManifestFiles(dir).flatMap((file) => parseManifestFile(file));
}

// Until the scenario loader (src/scenarios) is wired in, read the fields a driver needs straight
// from expect/expect.yaml. Loose (passthrough) on purpose: verification owns the full schema.
const expectFileSchema = z.looseObject({
  modes: z.array(z.enum(['local', 'cluster'])),
  servers: z.array(z.looseObject({
    version: z.string(),
    replicas: z.number().int().min(0).optional(),
    delayMs: z.number().min(0).optional(),
    failRate: z.number().min(0).max(1).optional(),
  })).default([{ version: 'v1' }, { version: 'v2' }]),
  clients: z.array(z.looseObject({
    identity: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label (it names a Helm release)'),
    headers: z.record(z.string(), z.string()).optional().superRefine((headers, ctx) => {
      for (const key of Object.keys(headers ?? {})) {
        if (!/^[a-z0-9][-a-z0-9_.]*$/.test(key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `header name '${key}' must be lowercase: gRPC metadata keys are lowercase and Istio header matches compare them as such` });
        }
      }
    }),
    via: z.enum(['mesh', 'ingress']).optional(),
    rate: z.number().min(0).optional(),
    concurrency: z.number().int().min(1).optional(),
  })).min(1),
});

export function readDriverScenario(dir: string): DriverScenario {
  const file = join(dir, 'expect', 'expect.yaml');
  const result = expectFileSchema.safeParse(parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS());
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new Error(`${file}:\n${problems}`);
  }
  const data = result.data;
  return {
    name: basename(dir),
    dir,
    modes: data.modes,
    servers: data.servers.map((s) => ({ version: s.version, replicas: s.replicas, delayMs: s.delayMs, failRate: s.failRate })),
    clients: data.clients.map((c) => ({ identity: c.identity, headers: c.headers, via: c.via, rate: c.rate, concurrency: c.concurrency })),
  };
}

/** Every scenario folder under `root` (sorted), as driver scenarios. */
export function readDriverScenarios(root: string): DriverScenario[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, entry.name))
    .sort()
    .map((dir) => readDriverScenario(dir));
}
