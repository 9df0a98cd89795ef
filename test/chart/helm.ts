// Runs the real helm against charts/greeter and parses what it renders.
import { execa } from 'execa';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { isExecutable } from '../../src/cluster/tools.ts';
import type { ToolCheck } from './tool-gate.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHART = join(REPO_ROOT, 'charts/greeter');
export const CI_VALUES = join(CHART, 'ci');

/** The pinned copy in .tools/bin (what `make helm` installs), else the first helm on PATH. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    join(REPO_ROOT, '.tools/bin/helm'),
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'helm')),
  ];
  return candidates.find(isExecutable);
}

export const HELM = findHelm();

export const helmCheck: ToolCheck = {
  tool: 'helm',
  missing: HELM ? undefined : 'no helm in .tools/bin or on PATH',
  fix: 'make helm',
};

export interface HelmResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function helm(args: readonly string[]): Promise<HelmResult> {
  if (!HELM) throw new Error('helm not found: run `make helm`');
  const result = await execa(HELM, args, { reject: false, cwd: REPO_ROOT });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A rendered Kubernetes object: enough typing to reach kind and metadata. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

export interface RenderOptions {
  /** Values files under charts/greeter/ci/, e.g. 'server-v1-values.yaml'. */
  readonly values?: readonly string[];
  /** --set key=value pairs. */
  readonly set?: Readonly<Record<string, string | number | boolean>>;
  readonly namespace?: string;
}

export function valuesArgs(options: RenderOptions): string[] {
  const args: string[] = [];
  for (const file of options.values ?? []) args.push('-f', join(CI_VALUES, file));
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${String(value)}`);
  return args;
}

/** `helm template` with the test hook included; throws with helm's message when it fails. */
export async function render(release: string, options: RenderOptions = {}): Promise<K8sObject[]> {
  const result = await helm(['template', release, CHART, '--namespace', options.namespace ?? 'canarykit', ...valuesArgs(options)]);
  if (result.exitCode !== 0) throw new Error(`helm template ${release} failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

export function only(objects: readonly K8sObject[], kind: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function one(objects: readonly K8sObject[], kind: string): K8sObject {
  const found = only(objects, kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, rendered ${found.length}: ${found.map((o) => o.metadata.name).join(', ')}`);
  return found[0]!;
}
