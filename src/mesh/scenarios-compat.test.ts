/**
 * The repository's scenarios, as src/scenarios loads them, through translate(): every scenario whose
 * expect.yaml lists mode `local` translates; cluster-only ones translate or are refused with an
 * UnsupportedFeatureError (mirroring and the ingress gateway must be refused), never another error.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioDirs } from '../scenarios/load.ts';
import { translate, UnsupportedFeatureError, type MeshConfig, type MeshEndpoint } from './translate.ts';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const endpoints: MeshEndpoint[] = ['v1', 'v2'].map((v, i) => ({
  host: 'greeter-server',
  port: 20000,
  address: '127.0.0.1',
  endpointPort: 40001 + i,
  labels: { app: 'greeter-server', version: v },
}));

/** The scenario as src/scenarios loads it, with local endpoints. */
function load(name: string): { config: MeshConfig; local: boolean } {
  const scenario = loadScenario(join(SCENARIOS, name));
  const { virtualServices, destinationRules, gateways } = scenario.resources;
  return { config: { virtualServices, destinationRules, gateways, endpoints }, local: scenario.modes.includes('local') };
}

const scenarios = existsSync(SCENARIOS) ? scenarioDirs(SCENARIOS).map((dir) => basename(dir)) : [];
/** Cluster-only scenarios the local mesh must refuse, with a word the reason must contain. */
const REFUSED: Record<string, RegExp> = { 'mirror-v2': /mirror/, 'ingress-weighted-70-30': /[Gg]ateway/ };

describe.skipIf(scenarios.length === 0)('scenarios on the local mesh', () => {
  for (const name of scenarios) {
    const { config, local } = load(name);
    it(`${name}: ${local ? 'translates (mode local)' : 'cluster only: translates or is refused with a reason'}`, () => {
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
