// The Kubernetes objects a scenario applies to the cluster: every *.yaml directly in
// scenarios/<name>/ (expect/ holds the expectation, which is not a Kubernetes object), each one
// validated against its schema (@kubernetes-models/istio) before anything reaches a cluster.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { Gateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';

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
