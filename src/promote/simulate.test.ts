// The promotion's error rates, measured over thousands of simulated promotions decided by the real
// gates: a good v2 is rolled back at most `alpha` of the time, a v2 worse by a gate's margin is
// promoted at most 1 − power of the time. Each bound is asserted with an exact one-sided test on
// the simulated count (at 0.001: a correct design fails this test once in a thousand seeds).
import { describe, expect, it } from 'vitest';
import { exactTestPValue } from '../verify/binomial.ts';
import { seededRandom } from '../verify/prng.ts';
import { checkPromoteConfig } from './config.ts';
import { fastLatency, simulatePromotion, type SimulatedOutcome, type SimulatedVersion } from './simulate.ts';

const config = checkPromoteConfig({}, 'test');
const baseline: SimulatedVersion = { failRate: config.errors.baseline, latencyMs: fastLatency };

function run(runs: number, seed: number, v2: SimulatedVersion, trueShare?: (w: number) => number): SimulatedOutcome[] {
  const random = seededRandom(seed);
  return Array.from({ length: runs }, () => simulatePromotion(random, config, baseline, v2, trueShare ? { trueShare } : {}));
}

/** True unless the count is significantly above `bound` (exact one-sided binomial test at 0.001). */
const notAbove = (x: number, n: number, bound: number) => exactTestPValue(x, n, bound, 'at-most') >= 0.001;

describe('simulated promotions (default settings: alpha 0.01, power 0.99, margins 5 points)', () => {
  it('rolls back a good v2 (same failure share and latency as v1) at most alpha of the time', () => {
    const outcomes = run(2000, 14, baseline);
    const rolledBack = outcomes.filter((o) => o.result === 'rolled-back').length;
    expect(notAbove(rolledBack, outcomes.length, config.alpha), `${rolledBack} of ${outcomes.length} good promotions rolled back`).toBe(true);
  }, 180_000);

  it('promotes a v2 failing 5 points more often than v1 at most 1 − power of the time, and mostly stops it at 5%', () => {
    const outcomes = run(1000, 15, { failRate: config.errors.baseline + config.errors.margin, latencyMs: fastLatency });
    const promoted = outcomes.filter((o) => o.result === 'promoted').length;
    expect(notAbove(promoted, outcomes.length, 1 - config.power), `${promoted} of ${outcomes.length} bad promotions promoted`).toBe(true);
    const firstStep = outcomes.filter((o) => o.gate === 'error' && o.weight === 5).length;
    expect(
      exactTestPValue(firstStep, outcomes.length, config.power - config.alpha, 'at-least'),
      `${firstStep} stopped by the error gate at 5%`,
    ).toBeGreaterThanOrEqual(0.001);
  }, 120_000);

  it('promotes a v2 with 6% of answers above twice v1 p99 (1% allowed + the margin) at most 1 − power of the time', () => {
    // v1's p99 is under the 10 ms floor, so the bound is 20 ms; 6% of v2's answers take 25 ms.
    const slowShare = 0.01 + config.latency.margin;
    const outcomes = run(1000, 16, { failRate: config.errors.baseline, latencyMs: (r) => (r() < slowShare ? 25 : fastLatency(r)) });
    const promoted = outcomes.filter((o) => o.result === 'promoted').length;
    expect(notAbove(promoted, outcomes.length, 1 - config.power), `${promoted} of ${outcomes.length} slow promotions promoted`).toBe(true);
    expect(outcomes.filter((o) => o.gate === 'latency').length).toBeGreaterThan(0.95 * outcomes.length);
  }, 120_000);

  it('rolls back a mesh that routes 10 points more than the weight to v2', () => {
    const outcomes = run(500, 17, baseline, (w) => w / 100 + config.split.delta);
    const promoted = outcomes.filter((o) => o.result === 'promoted').length;
    expect(notAbove(promoted, outcomes.length, 1 - config.power), `${promoted} of ${outcomes.length} misrouted promotions promoted`).toBe(true);
    expect(outcomes.every((o) => o.result === 'promoted' || o.gate === 'split')).toBe(true);
  }, 120_000);
});
