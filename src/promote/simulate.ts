/**
 * Simulated promotions: each step's calls drawn with a seeded PRNG from a known truth (the split,
 * each version's failure share and latency law), decided by the very gates a real promotion uses
 * (gates.ts). Thousands of them measure how often a good v2 is rolled back and a bad one promoted.
 */
import type { PromoteConfig } from './config.ts';
import { emptySample, hasEvidence, planStep, runGates, type GateName, type StepSample } from './gates.ts';

export interface SimulatedVersion {
  failRate: number;
  /** One answer's latency in ms. */
  latencyMs: (random: () => number) => number;
}

export interface SimulatedOutcome {
  result: 'promoted' | 'rolled-back';
  /** The first failing gate and the weight it failed at (rolled back only). */
  gate?: GateName;
  weight?: number;
  calls: number;
}

/** A fast server: 1 ms plus an exponential tail of mean 0.5 ms, at 0.1 ms resolution (as clients log). */
export const fastLatency = (random: () => number): number => Math.round((1 - 0.5 * Math.log(1 - random())) * 10) / 10;

export interface SimulateOptions {
  /** The mesh's true share of v2 at weight w (default: w itself). */
  trueShare?: (weight: number) => number;
}

export function simulatePromotion(random: () => number, config: PromoteConfig, v1: SimulatedVersion, v2: SimulatedVersion, options: SimulateOptions = {}): SimulatedOutcome {
  let calls = 0;
  for (const weight of config.schedule) {
    if (weight >= 100) break;
    const plan = planStep(weight, config);
    const share = options.trueShare ? options.trueShare(weight) : weight / 100;
    const s: StepSample = emptySample();
    // As a real step does: draw until every gate has its planned calls.
    let drawn = 0;
    while (drawn < plan.needTotal || !hasEvidence(s, plan)) {
      drawn++;
      const toV2 = random() < share;
      const truth = toV2 ? v2 : v1;
      const target = toV2 ? s.v2 : s.v1;
      target.calls++;
      if (random() < truth.failRate) target.failures++;
      else target.latenciesMs.push(truth.latencyMs(random));
    }
    calls += drawn;
    const failed = runGates(s, plan, config).find((g) => g.verdict === 'fail');
    if (failed) return { result: 'rolled-back', gate: failed.gate, weight, calls };
  }
  return { result: 'promoted', calls };
}
