// The real istiod as the local mesh's control plane (src/istiod): etcd, kube-apiserver and an
// unpatched istiod as local processes, the scenario YAML applied with kubectl, the same clients and
// the same verdict code as with src/mesh. Needs the programs `make offline-images` builds (CI builds
// them before `make test`); elsewhere the suite is skipped with the command that enables it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeWithTool } from '../chart/tool-gate.ts';
import { runScenario } from '../../src/driver/run-scenario.ts';
import { IstiodControlPlane, istiodPrograms } from '../../src/istiod/istiod-plane.ts';
import { LocalDriver } from '../../src/local/local-driver.ts';
import { localCallsNeeded } from '../../src/demo/run-demo.ts';
import { loadScenario } from '../../src/scenarios/load.ts';
import { verifyLogs } from '../../src/verify/check.ts';
import { toVerifyOutcome } from '../../src/verify/report.ts';

const ROOT = join(import.meta.dirname, '../..');
let missing: string | undefined;
try {
  istiodPrograms();
} catch (error) {
  missing = (error as Error).message.split('\n')[0];
}

describeWithTool(
  { tool: 'the istiod programs', missing, fix: 'scripts/offline/build-binaries.sh kubernetes etcd istio' },
  'the local mesh with the real istiod',
  () => {
    const scenario = loadScenario(join(ROOT, 'scenarios/header-user-admin'));
    let driver: LocalDriver;
    beforeAll(async () => {
      driver = new LocalDriver({ controlPlane: 'istiod', callsNeeded: localCallsNeeded });
      await driver.up();
    }, 120_000);
    afterAll(async () => {
      await driver?.down();
    }, 60_000);

    it('routes header-user-admin as its expect.yaml says, with the verdict code src/mesh uses', async () => {
      const { outcome } = await runScenario({
        driver,
        scenario,
        sampleMs: 0,
        verify: (_s, logs) => toVerifyOutcome(verifyLogs(scenario.expect, logs, 'local'), { title: scenario.name }),
      });
      expect(outcome.passed, outcome.report).toBe(true);
    }, 120_000);

    it("shows the API server's own validation message for what istiod's CRDs refuse, and keeps the routing", async () => {
      const plane = driver.plane as IstiodControlPlane;
      const before = plane.version;
      const bad = {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'greeter-server' },
        spec: { hosts: ['greeter-server'], http: [{ match: [{ headers: { user: { exact: true } } }], route: [{ destination: { host: 'greeter-server' } }] }] },
      };
      await expect(plane.apply({ virtualServices: [bad as never], destinationRules: [], endpoints: [] })).rejects.toThrow(
        /spec\.http\[0\]\.match\[0\]\.headers\.user\.exact[\s\S]*must be of type string[\s\S]*fix:/,
      );
      expect(plane.version).toBe(before);
    }, 60_000);
  },
);

describeWithTool(
  { tool: 'the istiod programs', missing, fix: 'scripts/offline/build-binaries.sh kubernetes etcd istio' },
  "the istiod plane's processes",
  () => {
    it('are all gone after stop()', async () => {
      const plane = await IstiodControlPlane.start();
      const pids = plane.pids();
      expect(pids.length).toBe(3);
      await plane.stop();
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    }, 120_000);
  },
);
