// The local suite as `make demo` runs it: wall time of all local scenarios, and each scenario's
// time from apply to verdict. Baseline, measured in the same run: the same number of calls at
// the same rate from a client process straight to one server (dns:///, no mesh, no xDS), so the
// ratio is what the mesh adds: config push, sync, client restarts and collection.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../src/demo/run-demo.ts';
import { AppProcess } from '../src/local/app-process.ts';
import { plannedCalls } from '../src/verify/check.ts';
import { selectScenarios } from '../src/demo/run-demo.ts';
import type { BenchResult } from './types.ts';

const CLIENT_MAIN = fileURLToPath(new URL('../apps/greeter-client/src/main.ts', import.meta.url));
const LOCAL_RATE = 300;

/** Time for a fresh client process to make `count` calls at LOCAL_RATE to a server, no mesh. */
async function directCalls(port: number, count: number): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [CLIENT_MAIN], {
    env: { ...process.env, GREETER_CONFIG: '/dev/null', GREETER_TARGET: `dns:///127.0.0.1:${port}`, GREETER_COUNT: String(count), GREETER_RATE: String(LOCAL_RATE), GREETER_HTTP_PORT: '0' },
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`direct client exited ${code}`);
  return performance.now() - start;
}

export async function benchDemoSuite(): Promise<BenchResult[]> {
  const { run } = selectScenarios('scenarios', undefined);
  const callsOf = new Map(run.map((s) => [s.name, Math.max(...s.expect.clients.map((c) => plannedCalls(s.expect, c, 'local')))]));

  const server = new AppProcess('baseline server', 'server', { GREETER_HOST: '127.0.0.1', GREETER_PORT: '0', GREETER_LOG_REQUESTS: 'false' });
  const port = Number((await server.waitFor(/listening address:"[^"]*:(\d+)"/))[1]);
  const baselineOf = new Map<number, number>();
  try {
    for (const n of new Set(callsOf.values())) baselineOf.set(n, await directCalls(port, n));
  } finally {
    await server.stop();
  }

  const demo = await runDemo();
  const results: BenchResult[] = [];
  const suiteBaseline = [...callsOf.values()].reduce((a, n) => a + baselineOf.get(n)!, 0);
  results.push({
    name: `local suite: ${demo.scenarios.length} scenarios to verdicts (${demo.passed ? 'all passed' : 'SOME FAILED'})`,
    unit: 's',
    value: demo.totalMs / 1000,
    baseline: suiteBaseline / 1000,
    baselineName: 'the same calls per scenario, client straight to a server (no mesh)',
    ratio: demo.totalMs / suiteBaseline,
    target: 'under 30 s on this 2-core machine',
    pass: demo.totalMs < 30_000,
    details: `setup ${(demo.setupMs / 1000).toFixed(1)} s`,
  });
  for (const s of demo.scenarios) {
    const base = baselineOf.get(callsOf.get(s.name)!)!;
    results.push({
      name: `  ${s.name}: apply to verdict (${callsOf.get(s.name)} calls per client)`,
      unit: 's',
      value: s.ms / 1000,
      baseline: base / 1000,
      baselineName: 'direct',
      ratio: s.ms / base,
      target: 'within 2 s of the apply',
      pass: s.passed && s.ms < 2000,
    });
  }
  return results;
}
