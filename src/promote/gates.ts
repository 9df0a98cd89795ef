/**
 * The three gates a promotion step must pass, as pure functions of one step's calls, so the same
 * code decides a real promotion and thousands of simulated ones (simulate.ts).
 *
 * - split: v2's share of the calls is what the weight says (src/verify's two-sided exact check);
 * - error: v2 does not fail more often than v1 (one-sided Fisher exact test, fisher.ts);
 * - latency: v2's p99 is within `p99Factor` of v1's: with T = p99Factor · max(v1's p99, floorMs),
 *   at most 1% of v2's answers may take longer than T (one-sided exact binomial test of the share
 *   of v2 answers above T against 1%).
 *
 * Each test runs at alpha / (gated steps × 3) (Bonferroni), so a v2 no worse than v1 is rolled
 * back with probability at most `alpha` over the whole promotion. Each gate waits for its planned
 * number of calls and is decided once, on the first sample that has them (one look per gate and
 * step, so alpha holds; StepDecision).
 */
import { parseClientLine } from '../verify/log-line.ts';
import { exactTestPValue, requiredSampleSize } from '../verify/binomial.ts';
import { checkShare, plannedSampleSize } from '../verify/check.ts';
import { versionResolver } from '../verify/tally.ts';
import { CANARY, STABLE, type PromoteConfig } from './config.ts';
import { fisherGreaterPValue, fisherPower, planFisher, type FisherPlan } from './fisher.ts';

export type GateName = 'split' | 'error' | 'latency';
export const GATES: readonly GateName[] = ['split', 'error', 'latency'];

/** The calls of one version in one step. */
export interface VersionSample {
  /** Calls this version answered or failed. */
  calls: number;
  failures: number;
  /** Latency of each successful answer, ms (a failure's latency says nothing about v2's speed). */
  latenciesMs: number[];
}

export interface StepSample {
  v1: VersionSample;
  v2: VersionSample;
  /** Failures no version can be named for (a transport error): counted against v2 by the error gate. */
  unattributed: number;
}

export function emptySample(): StepSample {
  return { v1: { calls: 0, failures: 0, latenciesMs: [] }, v2: { calls: 0, failures: 0, latenciesMs: [] }, unattributed: 0 };
}

/** canarykit's servers name themselves in the failures they inject: `injected failure (failRate 0.2) in v2.0.0`. */
const FAILURE_ID = / in (v[\w.-]+)\s*$/;

/**
 * Sort a client's log lines by version. An answer carries its server's id; a failure carries it
 * only in the details the server wrote (canarykit's greeter does); any other failure (no
 * connection, a deadline) is unattributed. Lines of other versions or not about calls are ignored.
 */
export function sampleFromLines(lines: Iterable<string>, servers: ReadonlyArray<{ version: string; id?: string }>): StepSample {
  const s = emptySample();
  const resolve = versionResolver(servers);
  for (const line of lines) {
    const e = parseClientLine(line);
    if (!e) continue;
    if (e.kind === 'response') {
      const v = resolve(e.version).version;
      const target = v === STABLE ? s.v1 : v === CANARY ? s.v2 : undefined;
      if (!target) continue;
      target.calls++;
      if (e.latencyMs !== undefined) target.latenciesMs.push(e.latencyMs);
      continue;
    }
    const id = FAILURE_ID.exec(e.details ?? '')?.[1];
    const r = id ? resolve(id) : undefined;
    const target = r?.known && r.version === STABLE ? s.v1 : r?.known && r.version === CANARY ? s.v2 : undefined;
    if (!target) {
      s.unattributed++;
      continue;
    }
    target.calls++;
    target.failures++;
  }
  return s;
}

export interface StepPlan {
  /** v2's weight, percent. */
  weight: number;
  /** Level of each test at this step. */
  alpha: number;
  error: FisherPlan;
  /** v2 answers the latency gate needs, and its power against 1% + margin above the bound. */
  latencyN: number;
  /** Calls (v1 + v2) the split gate needs. */
  splitN: number;
  /** The least of each a step must collect before its gates decide. */
  needV1: number;
  needV2: number;
  needTotal: number;
}

/** Number of steps whose gates run (every step below 100). */
export function gatedSteps(schedule: readonly number[]): number {
  return schedule.filter((w) => w < 100).length;
}

export function alphaPerTest(config: Pick<PromoteConfig, 'alpha' | 'schedule'>): number {
  return config.alpha / Math.max(1, gatedSteps(config.schedule) * GATES.length);
}

/** v1 answers needed before its p99 is an order statistic at all. */
const MIN_V1_ANSWERS = 200;

export function planStep(weight: number, config: PromoteConfig): StepPlan {
  const alpha = alphaPerTest(config);
  const w = weight / 100;
  const error = planFisher(w, config.errors.baseline, config.errors.margin, alpha, config.power);
  const latencyN = requiredSampleSize(0.01, { alpha, power: config.power, delta: config.latency.margin, alternative: 'at-most' });
  const splitN = plannedSampleSize({ kind: 'share', value: w }, { alpha, power: config.power, delta: config.split.delta });
  const needV2 = Math.max(error.n2, latencyN);
  const needV1 = Math.max(error.n1, MIN_V1_ANSWERS);
  return {
    weight,
    alpha,
    error,
    latencyN,
    splitN,
    needV1,
    needV2,
    needTotal: Math.max(splitN, needV1 + needV2, Math.ceil(needV2 / w), Math.ceil(needV1 / (1 - w))),
  };
}

/**
 * Whether one gate has its planned calls. A step decides each gate once, on the first sample that
 * has its calls (one look per gate, so its alpha holds), and stops at the first gate that fails.
 */
export function gateHasEvidence(gate: GateName, s: StepSample, plan: StepPlan): boolean {
  switch (gate) {
    case 'split':
      return s.v1.calls + s.v2.calls >= plan.splitN;
    case 'error':
      return s.v1.calls >= plan.error.n1 && s.v2.calls + s.unattributed >= plan.error.n2;
    case 'latency':
      return s.v2.latenciesMs.length >= plan.latencyN && s.v1.latenciesMs.length >= MIN_V1_ANSWERS;
  }
}

export interface GateResult {
  gate: GateName;
  verdict: 'pass' | 'fail';
  /** What was compared, as a table shows it. */
  v1: string;
  v2: string;
  bound: string;
  n: number;
  planned: number;
  pValue: number;
  alpha: number;
  /** Power of the test at the planned n against its margin (the error gate: at v1's observed share). */
  power: number;
  reason: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x >= 100 ? Math.round(x) : x.toFixed(1)} ms`;

export function splitGate(s: StepSample, plan: StepPlan, config: PromoteConfig): GateResult {
  const n = s.v1.calls + s.v2.calls;
  const c = checkShare('default', CANARY, { kind: 'share', value: plan.weight / 100 }, s.v2.calls, n, {
    alpha: plan.alpha,
    power: config.power,
    delta: config.split.delta,
  });
  return {
    gate: 'split',
    verdict: c.verdict,
    v1: `${s.v1.calls} calls`,
    v2: `${s.v2.calls} calls (${n > 0 ? pct(s.v2.calls / n) : '-'})`,
    bound: `v2 share = ${pct(plan.weight / 100)}`,
    n,
    planned: plan.splitN,
    pValue: c.pValue,
    alpha: plan.alpha,
    power: config.power,
    reason: c.verdict === 'pass' ? c.reason : `the mesh does not route as the weight says: ${c.reason}`,
  };
}

/** `observedPower`: also compute the power at v1's observed failure share (exact, some ms; the
 * simulations leave it out and report the planned power). */
export function errorGate(s: StepSample, plan: StepPlan, config: PromoteConfig, observedPower = true): GateResult {
  const n1 = s.v1.calls;
  const x1 = s.v1.failures;
  const x2 = s.v2.failures + s.unattributed;
  const n2 = s.v2.calls + s.unattributed;
  const p = fisherGreaterPValue(x1, n1, x2, n2);
  const observedBaseline = n1 > 0 ? x1 / n1 : 0;
  // The power the planned sample had at the v1 share actually seen (the plan assumed `baseline`).
  const power = !observedPower
    ? plan.error.power
    : n1 > 0 && n2 > 0
      ? fisherPower(n1, observedBaseline, n2, Math.min(1, observedBaseline + config.errors.margin), plan.alpha)
      : 0;
  const failed =
    n2 < plan.error.n2 || n1 < plan.error.n1
      ? `only ${n2} v2 and ${n1} v1 calls; the plan needs ${plan.error.n2} and ${plan.error.n1}`
      : p < plan.alpha
        ? `v2 fails more often than v1: ${x2}/${n2} (${pct(n2 > 0 ? x2 / n2 : 0)}) against ${x1}/${n1} (${pct(observedBaseline)}), p = ${p.toExponential(2)} < ${plan.alpha.toPrecision(2)}`
        : undefined;
  const unattributed = s.unattributed > 0 ? ` (${s.unattributed} failures without a version counted as v2's)` : '';
  return {
    gate: 'error',
    verdict: failed ? 'fail' : 'pass',
    v1: `${x1}/${n1} failed (${pct(n1 > 0 ? x1 / n1 : 0)})`,
    v2: `${x2}/${n2} failed (${pct(n2 > 0 ? x2 / n2 : 0)})`,
    bound: `v2 ≤ v1 (+${pct(config.errors.margin)} caught)`,
    n: n1 + n2,
    planned: plan.error.n1 + plan.error.n2,
    pValue: p,
    alpha: plan.alpha,
    power,
    reason: (failed ?? `no evidence that v2 fails more often than v1 (p = ${p < 0.001 ? p.toExponential(2) : p.toFixed(3)})`) + unattributed,
  };
}

/** The value below which a share q of the sorted values lies (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function latencyGate(s: StepSample, plan: StepPlan, config: PromoteConfig): GateResult {
  const v1 = [...s.v1.latenciesMs].sort((a, b) => a - b);
  const v2 = [...s.v2.latenciesMs].sort((a, b) => a - b);
  const p99v1 = quantile(v1, 0.99);
  const bound = config.latency.p99Factor * Math.max(p99v1, config.latency.floorMs);
  const n = v2.length;
  const x = v2.filter((l) => l > bound).length;
  const p = n > 0 ? exactTestPValue(x, n, 0.01, 'at-most') : 1;
  const failed =
    v1.length < MIN_V1_ANSWERS
      ? `only ${v1.length} v1 answers carry a latency; a p99 to compare with needs ${MIN_V1_ANSWERS}`
      : n < plan.latencyN
        ? `only ${n} v2 answers carry a latency; the plan needs ${plan.latencyN}`
        : p < plan.alpha
          ? `v2's p99 is above ${ms(bound)} (${config.latency.p99Factor} × v1's p99 ${ms(p99v1)}${p99v1 < config.latency.floorMs ? `, taken as ${ms(config.latency.floorMs)}` : ''}): ${x} of ${n} answers (${pct(x / n)}) took longer, p = ${p.toExponential(2)} < ${plan.alpha.toPrecision(2)}`
          : undefined;
  return {
    gate: 'latency',
    verdict: failed ? 'fail' : 'pass',
    v1: v1.length > 0 ? `p99 ${ms(p99v1)}` : '-',
    v2: n > 0 ? `p99 ${ms(quantile(v2, 0.99))}, ${x}/${n} > bound` : '-',
    bound: `≤ 1% above ${Number.isFinite(bound) ? ms(bound) : '-'}`,
    n,
    planned: plan.latencyN,
    pValue: p,
    alpha: plan.alpha,
    power: config.power,
    reason:
      failed ??
      `${x} of ${n} v2 answers (${pct(n > 0 ? x / n : 0)}) above ${ms(bound)}: consistent with a p99 within ${config.latency.p99Factor} × v1's (p = ${p < 0.001 ? p.toExponential(2) : p.toFixed(3)})`,
  };
}

export function decideGate(gate: GateName, s: StepSample, plan: StepPlan, config: PromoteConfig, observedPower = true): GateResult {
  return gate === 'split' ? splitGate(s, plan, config) : gate === 'error' ? errorGate(s, plan, config, observedPower) : latencyGate(s, plan, config);
}

/**
 * One step's gates as its calls come in: `add` the sample so far (each sample holds the step's
 * calls from its start); each gate is decided on the first sample with its planned calls.
 * `finish` decides what is left on the last sample (short of calls: those fail).
 */
export class StepDecision {
  readonly #plan: StepPlan;
  readonly #config: PromoteConfig;
  readonly #observedPower: boolean;
  readonly #decided = new Map<GateName, GateResult>();
  #failed: GateResult | undefined;

  constructor(plan: StepPlan, config: PromoteConfig, options: { observedPower?: boolean } = {}) {
    this.#plan = plan;
    this.#config = config;
    this.#observedPower = options.observedPower ?? true;
  }

  #decide(gate: GateName, s: StepSample): void {
    const result = decideGate(gate, s, this.#plan, this.#config, this.#observedPower);
    this.#decided.set(gate, result);
    if (result.verdict === 'fail') this.#failed ??= result;
  }

  add(s: StepSample): void {
    for (const gate of GATES) {
      if (this.#decided.has(gate) || !gateHasEvidence(gate, s, this.#plan)) continue;
      this.#decide(gate, s);
    }
  }

  finish(s: StepSample): void {
    for (const gate of GATES) if (!this.#decided.has(gate)) this.#decide(gate, s);
  }

  /** The first gate that failed, in the order they were decided. */
  get failed(): GateResult | undefined {
    return this.#failed;
  }

  get done(): boolean {
    return this.#failed !== undefined || this.#decided.size === GATES.length;
  }

  /** The decided gates in GATES order. */
  get results(): GateResult[] {
    return GATES.flatMap((g) => (this.#decided.has(g) ? [this.#decided.get(g)!] : []));
  }
}
