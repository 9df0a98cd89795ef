// The real istiod as the local mesh's control plane (src/istiod): etcd, kube-apiserver and an
// unpatched istiod as local processes, the scenario YAML applied with kubectl, the same clients and
// the same verdict code as with src/mesh. Needs the programs `make offline-images` builds (CI builds
// them before `make test`); elsewhere the suite is skipped with the command that enables it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../src/free-port.ts';
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

    // The programs are told their ports up front, so a port chosen free may be taken before they
    // bind it (CI runs several suites at once). Here etcd's is taken on purpose, the first time.
    it('start again on new ports when a chosen port was taken before its program bound it, and say so', async () => {
      const taken = await listenAnywhere();
      try {
        let calls = 0;
        const lines: string[] = [];
        const plane = await IstiodControlPlane.start({
          log: (line) => lines.push(line),
          choosePort: () => (++calls === 1 ? Promise.resolve(taken.port) : freePort()),
        });
        try {
          expect(lines.join('\n')).toMatch(/a port was taken between choosing and binding it \(attempt 1 of 3\); starting again on new ports/);
          expect(plane.address).not.toBe(`127.0.0.1:${taken.port}`);
          expect(plane.pids().length).toBe(3);
        } finally {
          await plane.stop();
        }
      } finally {
        taken.server.close();
      }
    }, 180_000);

    it('give up after 3 tries when the port stays taken, with the log line that says so', async () => {
      const taken = await listenAnywhere();
      try {
        let calls = 0;
        const lines: string[] = [];
        // The first port of every try (etcd's client port) is the taken one.
        const start = IstiodControlPlane.start({
          log: (line) => lines.push(line),
          choosePort: () => (calls++ % 6 === 0 ? Promise.resolve(taken.port) : freePort()),
        });
        await expect(start).rejects.toThrow(new RegExp(`etcd exited[\\s\\S]*127\\.0\\.0\\.1:${taken.port}: bind: address already in use[\\s\\S]*fix:`));
        expect(calls).toBe(3 * 6);
        expect(lines.filter((l) => l.includes('starting again on new ports'))).toHaveLength(2);
      } finally {
        taken.server.close();
      }
    }, 180_000);
  },
);

/** A TCP server on some loopback port, holding it. */
async function listenAnywhere(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
