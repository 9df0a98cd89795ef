// `canarykit mesh diff` over every local scenario: what src/mesh and a real istiod send the same
// proxyless gRPC client, field by field. Fails on a difference the reviewed allow-list
// (src/istiod/xds-diff-allow.yaml) does not explain, and on an entry no scenario needs. Needs the
// programs `make offline-images` builds (CI builds them before `make test`).
import { beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeWithTool } from '../chart/tool-gate.ts';
import { istiodPrograms } from '../../src/istiod/istiod-plane.ts';
import { diffScenarios, unusedEntries, type ScenarioDiff } from '../../src/istiod/mesh-diff.ts';
import { formatDifferences, loadAllowList } from '../../src/istiod/xds-diff.ts';
import { listScenarios } from '../../src/scenarios/load.ts';

const ROOT = join(import.meta.dirname, '../..');
let missing: string | undefined;
try {
  istiodPrograms();
} catch (error) {
  missing = (error as Error).message.split('\n')[0];
}

describeWithTool(
  { tool: 'the istiod programs', missing, fix: 'scripts/offline/build-binaries.sh kubernetes etcd istio' },
  'xDS from istiod and from src/mesh',
  () => {
    const scenarios = listScenarios(join(ROOT, 'scenarios')).filter((s) => s.modes.includes('local') && s.resources.gateways.length === 0);
    const allow = loadAllowList();
    let results: ScenarioDiff[];
    beforeAll(async () => {
      results = await diffScenarios(scenarios, { allow });
    }, 300_000);

    it('differ, in every local scenario, only where the allow-list says why', () => {
      expect(results.map((r) => r.scenario)).toEqual(scenarios.map((s) => s.name));
      const report = results.map((r) => formatDifferences(r.scenario, r.differences)).join('\n');
      expect(
        results.flatMap((r) => r.differences.filter((d) => !d.allowedBy)),
        report,
      ).toEqual([]);
      // The two planes were really fetched and compared: istiod spells many fields its own way.
      for (const r of results) expect(r.differences.length, r.scenario).toBeGreaterThan(10);
    });

    it('need every allow-list entry (a stale entry would hide a future difference)', () => {
      expect(unusedEntries(results, allow)).toEqual([]);
    });
  },
);
