/**
 * Exact binomial inference for routing checks: tail probabilities, the two-sided exact test,
 * the Clopper–Pearson interval, power and the sample size that gives a required power.
 *
 * Why hand-written: the npm registry has pmf/cdf helpers (@stdlib/stats-base-dists-binomial-*) and
 * one exact test (@stdlib/stats-binomial-test, which uses a different two-sided rule and pulls in
 * dozens of @stdlib packages), but nothing computes the power of the exact test or a sample size
 * for it. Power must be computed on the SAME rejection region the verdict uses, so the test, the
 * interval and the power all live here, on one tail function.
 *
 * Conventions
 * - Two-sided p-value: the "central" rule, p = min(1, 2·min(P(X ≤ x), P(X ≥ x))). With it the test
 *   rejects p0 at level alpha exactly when p0 lies outside the Clopper–Pearson (1 − alpha) interval,
 *   so the verdict and the interval in a report never disagree.
 * - Everything is done in log space: a tail is log pmf(x) + log(Σ ratio products), the sum starting
 *   at 1 and walking away from the mode, so nothing underflows at n in the thousands.
 */

const logFactorialCache: number[] = [0];

/** ln(k!) from a cumulative table (exact summation, grown on demand). */
export function logFactorial(k: number): number {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`logFactorial: k must be a non-negative integer, got ${k}`);
  for (let i = logFactorialCache.length; i <= k; i++) {
    logFactorialCache.push(logFactorialCache[i - 1]! + Math.log(i));
  }
  return logFactorialCache[k]!;
}

/** ln C(n, k). */
export function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return -Infinity;
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

function checkArgs(x: number, n: number, p: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(x)) throw new RangeError(`x must be an integer, got ${x}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
}

/** ln P(X = x) for X ~ Binomial(n, p). */
export function logPmf(x: number, n: number, p: number): number {
  checkArgs(x, n, p);
  if (x < 0 || x > n) return -Infinity;
  if (p === 0) return x === 0 ? 0 : -Infinity;
  if (p === 1) return x === n ? 0 : -Infinity;
  return logChoose(n, x) + x * Math.log(p) + (n - x) * Math.log1p(-p);
}

export function pmf(x: number, n: number, p: number): number {
  return Math.exp(logPmf(x, n, p));
}

function logSumFrom(start: number, stop: number, step: 1 | -1, n: number, p: number): number {
  // Σ_{k from start towards stop} pmf(k), computed as pmf(start) · Σ ratios; the caller makes sure
  // the terms shrink in the walking direction (walks away from the mode), so the sum is ≥ 1 and stable.
  const lp = logPmf(start, n, p);
  if (lp === -Infinity) return -Infinity;
  const odds = p / (1 - p);
  let term = 1;
  let sum = 1;
  for (let k = start; k !== stop; k += step) {
    term *= step === 1 ? ((n - k) / (k + 1)) * odds : k / (n - k + 1) / odds;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return lp + Math.log(sum);
}

/** ln P(X ≤ x). */
export function logCdfLower(x: number, n: number, p: number): number {
  checkArgs(x, n, p);
  if (x < 0) return -Infinity;
  if (x >= n) return 0;
  if (p === 0) return 0;
  if (p === 1) return -Infinity;
  const mode = Math.floor((n + 1) * p);
  if (x < mode) return logSumFrom(x, 0, -1, n, p);
  return log1mexp(logCdfUpper(x + 1, n, p));
}

/** ln P(X ≥ x). */
export function logCdfUpper(x: number, n: number, p: number): number {
  checkArgs(x, n, p);
  if (x <= 0) return 0;
  if (x > n) return -Infinity;
  if (p === 0) return -Infinity;
  if (p === 1) return 0;
  const mode = Math.floor((n + 1) * p);
  if (x > mode) return logSumFrom(x, n, 1, n, p);
  return log1mexp(logCdfLower(x - 1, n, p));
}

/** ln(1 − e^a) for a ≤ 0, accurate near both ends. */
function log1mexp(a: number): number {
  if (a === -Infinity) return 0;
  if (a >= 0) return -Infinity;
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

export const cdfLower = (x: number, n: number, p: number): number => Math.exp(logCdfLower(x, n, p));
export const cdfUpper = (x: number, n: number, p: number): number => Math.exp(logCdfUpper(x, n, p));

/**
 * 'two-sided': H0 share = p0. 'at-least': H0 share ≥ p0 (rejected by too few successes).
 * 'at-most': H0 share ≤ p0 (rejected by too many).
 */
export type Alternative = 'two-sided' | 'at-least' | 'at-most';

/** Exact binomial test p-value for x successes in n trials against p0. */
export function exactTestPValue(x: number, n: number, p0: number, alternative: Alternative = 'two-sided'): number {
  checkArgs(x, n, p0);
  if (n === 0) return 1;
  if (alternative === 'at-least') return Math.exp(logCdfLower(x, n, p0));
  if (alternative === 'at-most') return Math.exp(logCdfUpper(x, n, p0));
  const lo = logCdfLower(x, n, p0);
  const hi = logCdfUpper(x, n, p0);
  return Math.min(1, Math.exp(Math.LN2 + Math.min(lo, hi)));
}

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Clopper–Pearson interval at confidence 1 − alpha (two-sided, alpha/2 in each tail), found by
 * bisection on the binomial tails (equivalent to the beta-quantile form).
 */
export function clopperPearson(x: number, n: number, alpha = 0.001): Interval {
  checkArgs(x, n, 0.5);
  if (n === 0) return { lower: 0, upper: 1 };
  const target = Math.log(alpha / 2);
  // lower: p with P(X ≥ x | p) = alpha/2 (increasing in p)
  const lower = x === 0 ? 0 : bisect((p) => logCdfUpper(x, n, p) - target);
  // upper: p with P(X ≤ x | p) = alpha/2 (decreasing in p)
  const upper = x === n ? 1 : bisect((p) => target - logCdfLower(x, n, p));
  return { lower, upper };
}

/** Root of an increasing function on (0, 1). */
function bisect(f: (p: number) => number): number {
  let a = 0;
  let b = 1;
  for (let i = 0; i < 60; i++) {
    const m = (a + b) / 2;
    if (f(m) < 0) a = m;
    else b = m;
  }
  return (a + b) / 2;
}

/** Largest x whose lower tail is below `logLevel` (−1 if none); the lower tail grows with x. */
function lowerCritical(n: number, p0: number, logLevel: number): number {
  let a = -1;
  let b = n + 1; // invariant: tail(a) < level (a = −1 trivially), tail(b) ≥ level
  while (b - a > 1) {
    const m = Math.floor((a + b) / 2);
    if (logCdfLower(m, n, p0) < logLevel) a = m;
    else b = m;
  }
  return a;
}

/** Smallest x whose upper tail is below `logLevel` (n + 1 if none). */
function upperCritical(n: number, p0: number, logLevel: number): number {
  let a = -1; // tail(a) ≥ level
  let b = n + 1; // tail(b) < level (n + 1 trivially)
  while (b - a > 1) {
    const m = Math.floor((a + b) / 2);
    if (logCdfUpper(m, n, p0) < logLevel) b = m;
    else a = m;
  }
  return b;
}

/**
 * The rejection region of the test at level alpha: reject when x ≤ lower or x ≥ upper.
 * For a deterministic expectation (p0 = 0 or 1) any single miss rejects.
 */
export function rejectionRegion(n: number, p0: number, alpha: number, alternative: Alternative): { lower: number; upper: number } {
  if (p0 === 1) return { lower: n - 1, upper: n + 1 };
  if (p0 === 0) return { lower: -1, upper: 1 };
  const level = Math.log(alternative === 'two-sided' ? alpha / 2 : alpha);
  // p-value < alpha ⇔ tail < level (strict), matching exactTestPValue.
  return {
    lower: alternative === 'at-most' ? -1 : lowerCritical(n, p0, level),
    upper: alternative === 'at-least' ? n + 1 : upperCritical(n, p0, level),
  };
}

/** Probability that the test rejects when the true share is p1. */
export function power(n: number, p0: number, p1: number, alpha: number, alternative: Alternative = 'two-sided'): number {
  const r = rejectionRegion(n, p0, alpha, alternative);
  const lo = r.lower >= 0 ? Math.exp(logCdfLower(r.lower, n, p1)) : 0;
  const hi = r.upper <= n ? Math.exp(logCdfUpper(r.upper, n, p1)) : 0;
  return Math.min(1, lo + hi);
}

export interface SampleSizeOptions {
  alpha?: number;
  power?: number;
  /** The deviation (absolute share) that must be caught. */
  delta?: number;
  alternative?: Alternative;
  /** Largest n considered. */
  maxN?: number;
}

/** The alternatives a check must detect: p0 ± delta, kept inside [0, 1], in the tested direction. */
export function alternativesFor(p0: number, delta: number, alternative: Alternative): number[] {
  const out: number[] = [];
  if (alternative !== 'at-most' && p0 - delta >= 0 - 1e-12) out.push(Math.max(0, p0 - delta));
  if (alternative !== 'at-least' && p0 + delta <= 1 + 1e-12) out.push(Math.min(1, p0 + delta));
  // Near an edge the full deviation does not fit on one side; test the edge itself then.
  if (out.length === 0) out.push(alternative === 'at-most' ? 1 : 0);
  return out;
}

/**
 * Smallest n such that the exact test at level alpha detects a deviation of `delta` from p0 with
 * at least the given power, for every n' ≥ n as well. (The power of an exact test is a sawtooth
 * in n; "stays above from here on", checked over a window of 25 further n, keeps a run that makes
 * a few extra calls from losing power.)
 */
const sampleSizeCache = new Map<string, number>();

export function requiredSampleSize(p0: number, options: SampleSizeOptions = {}): number {
  const key = JSON.stringify([p0, options.alpha, options.power, options.delta, options.alternative, options.maxN]);
  let n = sampleSizeCache.get(key);
  if (n === undefined) {
    n = computeSampleSize(p0, options);
    sampleSizeCache.set(key, n);
  }
  return n;
}

function computeSampleSize(p0: number, options: SampleSizeOptions): number {
  const alpha = options.alpha ?? 0.001;
  const target = options.power ?? 0.99;
  const delta = options.delta ?? 0.1;
  const alternative = options.alternative ?? 'two-sided';
  const maxN = options.maxN ?? 100_000;
  if (!(p0 >= 0 && p0 <= 1)) throw new RangeError(`p0 must be in [0, 1], got ${p0}`);
  const alts = alternativesFor(p0, delta, alternative);
  const ok = (n: number): boolean => alts.every((p1) => power(n, p0, p1, alpha, alternative) >= target);
  const window = 25;
  let run = 0;
  for (let n = 1; n <= maxN; n++) {
    if (ok(n)) {
      run++;
      if (run > window) return n - window;
    } else {
      run = 0;
    }
  }
  throw new RangeError(`no sample size up to ${maxN} reaches power ${target} for p0=${p0}, delta=${delta}`);
}
