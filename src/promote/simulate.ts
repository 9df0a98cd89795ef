/**
 * Simulated promotions: each step's calls drawn with a seeded PRNG from a known truth (the split,
 * each version's failure share and latency law), decided by the very gates a real promotion uses
 * (gates.ts). Thousands of them measure how often a good v2 is rolled back and a bad one promoted.
 */
import type { PromoteConfig } from './config.ts';
import { emptySample, planStep, StepDecision, type GateName, type StepSample } from './gates.ts';

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

/** Calls between two looks at a step's sample. */
const LOOK_EVERY = 50;

export interface SimulateOptions {
  /** The mesh's true share of v2 at weight w (default: w itself). */
  trueShare?: (weight: number) => number;
}

export function simulatePromotion(
  random: () => number,
  config: PromoteConfig,
  v1: SimulatedVersion,
  v2: SimulatedVersion,
  options: SimulateOptions = {},
): SimulatedOutcome {
  let calls = 0;
  for (const weight of config.schedule) {
    if (weight >= 100) break;
    const plan = planStep(weight, config);
    const share = options.trueShare ? options.trueShare(weight) : weight / 100;
    const s: StepSample = emptySample();
    // As a real step does: each gate decided on the first sample with its planned calls, the step
    // over at the first failure or once every gate has passed.
    const decision = new StepDecision(plan, config, { observedPower: false });
    let drawn = 0;
    while (!decision.done) {
      drawn++;
      const toV2 = random() < share;
      const truth = toV2 ? v2 : v1;
      const target = toV2 ? s.v2 : s.v1;
      target.calls++;
      if (random() < truth.failRate) target.failures++;
      else target.latenciesMs.push(truth.latencyMs(random));
      // A real step looks every second or so (hundreds of calls), not after every call.
      if (drawn % LOOK_EVERY === 0) decision.add(s);
    }
    calls += drawn;
    const failed = decision.failed;
    if (failed) return { result: 'rolled-back', gate: failed.gate, weight, calls };
  }
  return { result: 'promoted', calls };
}
