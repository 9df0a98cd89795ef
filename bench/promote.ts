// `canarykit promote` on the local mesh: time from the first step's apply to the end (100% v2 for
// a good v2, back at 0% for a flaky and a slow one), against the time the same number of calls
// takes from a client straight to one server (dns:///, no mesh), at the same calls in flight.
// The ratio is what stepping through the mesh adds: pushes, syncs, collection, and for the slow
// v2 its own 1 s answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from '../src/local/app-process.ts';
import { preparePromotion, promoteOnDriver } from '../src/promote/session.ts';
import { directCalls } from './demo-suite.ts';
import type { BenchResult } from './types.ts';

const SCENARIOS = ['promote-good', 'promote-flaky', 'promote-slow'] as const;

export async function benchPromote(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const name of SCENARIOS) {
    const prepared = preparePromotion(join('scenarios', name), { outDir: join(mkdtempSync(join(tmpdir(), 'canarykit-bench-promote-')), 'steps') });
    let started = 0;
    const result = await promoteOnDriver(prepared, { driver: 'local', onUp: () => (started = performance.now()) });
    const ms = performance.now() - started;
    const concurrency = prepared.scenario.expect.clients[0]!.concurrency;
    const server = new AppProcess('baseline server', 'server', { GREETER_HOST: '127.0.0.1', GREETER_PORT: '0', GREETER_LOG_REQUESTS: 'false' });
    const port = Number((await server.waitFor(/listening address:"[^"]*:(\d+)"/))[1]);
    let baseline: number;
    try {
      baseline = await directCalls(port, { count: result.totalCalls, rate: 0, concurrency });
    } finally {
      await server.stop();
    }
    const end = result.result === 'promoted' ? '100% v2' : `rollback (${result.gate} gate at ${result.failedWeight}%)`;
    const expected = prepared.config.outcome?.result;
    results.push({
      name: `promote ${name}: start to ${end}${expected && expected !== result.result ? ` (EXPECTED ${expected})` : ''}`,
      unit: 's',
      value: ms / 1000,
      baseline: baseline / 1000,
      baselineName: `${result.totalCalls} calls straight to a server, ${concurrency} in flight`,
      ratio: ms / baseline,
      target: 'ratio <= 3 (good and flaky); the slow v2 pays its own delay',
      pass: name === 'promote-slow' ? true : ms / baseline <= 3,
      details: result.steps.map((s) => `${s.weight}%: ${s.calls} calls ${(s.ms / 1000).toFixed(1)} s`).join('; '),
    });
  }
  return results;
}
