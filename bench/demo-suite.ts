// The local suite as `make demo` runs it: wall time of all local scenarios, and each scenario's
// time from apply to verdict. Baseline, measured in the same run: the same number of calls, with
// the same rate and calls in flight, from a client straight to one server (dns:///, no mesh, no
// xDS), timed from its first call to its last (the demo's processes are started beforehand too).
// The ratio is what the mesh adds: config push, sync and collection, plus any latency the
// scenario itself injects (delays, timeouts, retries' backoff).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../src/demo/run-demo.ts';
import { AppProcess } from '../src/local/app-process.ts';
import { plannedCalls } from '../src/verify/check.ts';
import { selectScenarios } from '../src/demo/run-demo.ts';
import type { BenchResult } from './types.ts';

const CLIENT_MAIN = fileURLToPath(new URL('../apps/greeter-client/src/main.ts', import.meta.url));

export interface Load {
  count: number;
  rate: number;
  concurrency: number;
}

/** Milliseconds from the first to the last call of a client making `load` straight to a server. */
export async function directCalls(port: number, load: Load): Promise<number> {
  const child = spawn(process.execPath, [CLIENT_MAIN], {
    env: {
      ...process.env,
      GREETER_CONFIG: '/dev/null',
      GREETER_TARGET: `dns:///127.0.0.1:${port}`,
      GREETER_COUNT: String(load.count),
      GREETER_RATE: String(load.rate),
      GREETER_CONCURRENCY: String(load.concurrency),
      GREETER_HTTP_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`direct client exited ${code}`);
  const times = out
    .split('\n')
    .filter((l) => l.includes('call server'))
    .map((l) => Date.parse(l.slice(0, 24)));
  return times.at(-1)! - times[0]!;
}

export async function benchDemoSuite(): Promise<BenchResult[]> {
  const { run } = selectScenarios('scenarios', undefined, { skipPromotions: true });
  // Each scenario's busiest client: the calls it needs, at its rate and calls in flight.
  const loadOf = new Map<string, Load>(
    run.map((s) => {
      const loads = s.expect.clients.map((c) => ({ count: plannedCalls(s.expect, c, 'local'), rate: c.rate ?? 0, concurrency: c.concurrency }));
      return [s.name, loads.sort((a, b) => b.count - a.count)[0]!];
    }),
  );

  const server = new AppProcess('baseline server', 'server', { GREETER_HOST: '127.0.0.1', GREETER_PORT: '0', GREETER_LOG_REQUESTS: 'false' });
  const port = Number((await server.waitFor(/listening address:"[^"]*:(\d+)"/))[1]);
  const baselineOf = new Map<string, number>();
  try {
    for (const [name, load] of loadOf) baselineOf.set(name, await directCalls(port, load));
  } finally {
    await server.stop();
  }

  const demo = await runDemo();
  const results: BenchResult[] = [];
  const suiteBaseline = [...baselineOf.values()].reduce((a, ms) => a + ms, 0);
  results.push({
    name: `local suite: ${demo.scenarios.length} scenarios to verdicts (${demo.passed ? 'all passed' : 'SOME FAILED'})`,
    unit: 's',
    value: demo.totalMs / 1000,
    baseline: suiteBaseline / 1000,
    baselineName: 'the same calls per scenario, straight to a server (no mesh)',
    ratio: demo.totalMs / suiteBaseline,
    target: 'under 30 s on this 2-core machine',
    pass: demo.totalMs < 30_000,
    details: `setup ${(demo.setupMs / 1000).toFixed(1)} s (control plane, every scenario's servers and clients); the baseline has no setup`,
  });
  for (const s of demo.scenarios) {
    const base = baselineOf.get(s.name)!;
    const load = loadOf.get(s.name)!;
    results.push({
      name: `  ${s.name}: apply to verdict (${load.count} calls, ${load.concurrency} in flight)`,
      unit: 's',
      value: s.ms / 1000,
      baseline: base / 1000,
      baselineName: 'straight to a server',
      ratio: s.ms / base,
      target: 'within 2 s of the apply',
      pass: s.passed && s.ms < 2000,
    });
  }
  return results;
}
