/**
 * The repository's scenarios (scenarios/<name>/*.yaml) through translate(): every scenario whose
 * expect.yaml lists mode `local` translates; cluster-only ones translate or are refused with an
 * UnsupportedFeatureError (mirroring and the ingress gateway must be refused), never another error.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { translate, UnsupportedFeatureError, type MeshConfig, type MeshEndpoint } from './translate.ts';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const endpoints: MeshEndpoint[] = ['v1', 'v2'].map((v, i) => ({
  host: 'greeter-server',
  port: 20000,
  address: '127.0.0.1',
  endpointPort: 40001 + i,
  labels: { app: 'greeter-server', version: v },
}));

function load(dir: string): MeshConfig {
  const config: Required<MeshConfig> = { virtualServices: [], destinationRules: [], endpoints, gateways: [] };
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as { kind?: string } | null;
      if (!obj) continue;
      if (obj.kind === 'VirtualService') config.virtualServices.push(obj as never);
      else if (obj.kind === 'DestinationRule') config.destinationRules.push(obj as never);
      else config.gateways.push(obj);
    }
  }
  return config;
}

const scenarios = existsSync(SCENARIOS) ? readdirSync(SCENARIOS).filter((d) => !d.startsWith('.')) : [];
/** Cluster-only scenarios the local mesh must refuse, with a word the reason must contain. */
const REFUSED: Record<string, RegExp> = { 'mirror-v2': /mirror/, 'ingress-weighted-70-30': /[Gg]ateway/ };

/** `modes` of scenarios/<name>/expect/expect.yaml ([] if absent). */
function modes(name: string): string[] {
  const file = join(SCENARIOS, name, 'expect', 'expect.yaml');
  if (!existsSync(file)) return [];
  const doc = parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS() as { modes?: string[] } | undefined;
  return doc?.modes ?? [];
}

describe.skipIf(scenarios.length === 0)('scenarios on the local mesh', () => {
  for (const name of scenarios) {
    const local = modes(name).includes('local');
    it(`${name}: ${local ? 'translates (mode local)' : 'cluster only: translates or is refused with a reason'}`, () => {
      const config = load(join(SCENARIOS, name));
      if (local) {
        expect(translate(config).listeners.has('greeter-server:20000')).toBe(true);
        return;
      }
      let error: unknown;
      try {
        translate(config);
      } catch (e) {
        error = e;
      }
      if (error !== undefined) expect(error).toBeInstanceOf(UnsupportedFeatureError);
      if (REFUSED[name]) expect(String(error)).toMatch(REFUSED[name]);
    });
  }
});
