/**
 * Simulated client logs for tests and demos: calls drawn from a known split with a seeded PRNG,
 * written in the client's own log formats (docs/contracts.md).
 */
import { GRPC_CODE_NAMES } from '../scenarios/expect.ts';
import { drawCategorical } from './prng.ts';
import { emptyTally, type Tally } from './tally.ts';

/** A true split: outcome (version like `v2` or a gRPC code name) → probability. */
export type Split = ReadonlyArray<readonly [string, number]>;

const isCode = (o: string) => (GRPC_CODE_NAMES as readonly string[]).includes(o);

/** One client log line for an outcome. */
export function clientLine(outcome: string, format: 'text' | 'json', latencyMs = 2, at = new Date(0)): string {
  const time = at.toISOString();
  if (isCode(outcome)) {
    const code = (GRPC_CODE_NAMES as readonly string[]).indexOf(outcome);
    return format === 'json'
      ? JSON.stringify({ time, level: 'error', msg: 'call server error', code, status: outcome, details: 'simulated', latencyMs })
      : `${time} ERROR call server error = code:${code} status:"${outcome}" details:"simulated" latency_ms:${latencyMs}`;
  }
  const id = `${outcome}.0.0`;
  return format === 'json'
    ? JSON.stringify({ time, level: 'info', msg: 'call server response', name: 'Hello laurence', id, latencyMs })
    : `${time} INFO call server response = name:"Hello laurence" id:"${id}" latency_ms:${latencyMs}`;
}

/** n simulated log lines drawn from `split`. */
export function simulateLines(random: () => number, split: Split, n: number, format: 'text' | 'json' = 'text'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(clientLine(drawCategorical(random, split), format, Math.floor(random() * 5)));
  return out;
}

/** A tally of n simulated calls, without going through log lines (fast, for many runs). */
export function simulateTally(random: () => number, split: Split, n: number): Tally {
  const t = emptyTally();
  for (let i = 0; i < n; i++) {
    const o = drawCategorical(random, split);
    t.total++;
    if (isCode(o)) t.errors++;
    else t.responses++;
    t.byOutcome.set(o, (t.byOutcome.get(o) ?? 0) + 1);
  }
  return t;
}
