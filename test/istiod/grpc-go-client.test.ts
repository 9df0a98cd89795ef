// A second client implementation: grpc-go (the client Istio documents for proxyless gRPC, built from
// clients/grpc-go by `make grpc-go-client`) against src/mesh and against the real istiod, for the
// header and the weighted scenarios. Its log lines are the greeter client's own format, so the
// verdict comes from the same code as every other (src/verify). Needs the Go client and the istiod
// programs (CI builds both before `make test`).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithTool } from '../chart/tool-gate.ts';
import { IstiodControlPlane, istiodPrograms } from '../../src/istiod/istiod-plane.ts';
import { AppProcess } from '../../src/local/app-process.ts';
import { MeshControlPlane } from '../../src/mesh/control-plane.ts';
import type { MeshEndpoint } from '../../src/mesh/translate.ts';
import { loadScenario } from '../../src/scenarios/load.ts';
import { plannedCalls, verifyLogs } from '../../src/verify/check.ts';
import { formatReport } from '../../src/verify/report.ts';

const ROOT = join(import.meta.dirname, '../..');
const GO_CLIENT = join(ROOT, '.tools/bin/greeter-go-client');
const run = promisify(execFile);

let missing: string | undefined;
try {
  istiodPrograms();
  if (!existsSync(GO_CLIENT)) missing = `${GO_CLIENT} is not built`;
} catch (error) {
  missing = (error as Error).message.split('\n')[0];
}

interface Plane {
  apply(config: { virtualServices: never[]; destinationRules: never[]; endpoints: MeshEndpoint[] }): unknown;
  bootstrap(nodeId: string): object;
}

describeWithTool(
  { tool: 'the grpc-go client and the istiod programs', missing, fix: 'make grpc-go-client && scripts/offline/build-binaries.sh kubernetes etcd istio' },
  'grpc-go routes as grpc-js-xds does',
  () => {
    const servers: AppProcess[] = [];
    const endpoints: MeshEndpoint[] = [];
    let mesh: MeshControlPlane;
    let istiod: IstiodControlPlane;
    beforeAll(async () => {
      for (const version of ['v1', 'v2']) {
        const proc = new AppProcess(`server ${version}`, 'server', {
          GREETER_HOST: '127.0.0.1',
          GREETER_PORT: '0',
          GREETER_VERSION: `${version}.0.0`,
          GREETER_LOG_REQUESTS: 'false',
        });
        servers.push(proc);
        const port = Number((await proc.waitFor(/listening address:"[^"]*:(\d+)"/, 60_000))[1]);
        endpoints.push({ host: 'greeter-server', port: 20000, address: '127.0.0.1', endpointPort: port, labels: { app: 'greeter-server', version } });
      }
      mesh = await MeshControlPlane.start();
      istiod = await IstiodControlPlane.start();
    }, 180_000);
    afterAll(async () => {
      await istiod?.stop();
      await mesh?.stop();
      await Promise.all(servers.map((s) => s.stop()));
    }, 60_000);

    let node = 0;
    async function goClient(plane: Plane, calls: number, headers: Record<string, string>): Promise<string[]> {
      const args = ['-calls', String(calls), '-concurrency', '8', ...Object.entries(headers).flatMap(([k, v]) => ['-header', `${k}=${v}`])];
      const { stdout } = await run(GO_CLIENT, args, {
        env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(plane.bootstrap(`grpc-go-${++node}`)) },
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout.trim().split('\n');
    }

    for (const name of ['header-user-admin', 'weighted-90-10']) {
      for (const which of ['src/mesh', 'istiod'] as const) {
        it(`${name}, xDS from ${which}: the verdict of expect.yaml`, async () => {
          const scenario = loadScenario(join(ROOT, 'scenarios', name));
          const plane: Plane = which === 'istiod' ? istiod : mesh;
          await plane.apply({
            virtualServices: scenario.resources.virtualServices as never[],
            destinationRules: scenario.resources.destinationRules as never[],
            endpoints,
          });
          if (which === 'istiod') await new Promise((r) => setTimeout(r, 3_000)); // istiod's informer and debounce; the client then fetches fresh
          const clients: Record<string, string[]> = {};
          for (const c of scenario.expect.clients) clients[c.identity] = await goClient(plane, plannedCalls(scenario.expect, c, 'local'), c.headers ?? {});
          const result = verifyLogs(scenario.expect, { clients }, 'local');
          expect(result.passed, formatReport(result, { title: `${name} (grpc-go, ${which})` })).toBe(true);
          // The client really called: every identity has its planned calls, all answered.
          for (const c of scenario.expect.clients) expect(result.totals[c.identity]).toBe(plannedCalls(scenario.expect, c, 'local'));
        }, 120_000);
      }
    }
  },
);
