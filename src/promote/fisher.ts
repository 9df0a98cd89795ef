/**
 * The error gate's test: Fisher's exact test, one-sided, on a 2×2 table (version × failed), and
 * its power and planned sample size, computed on the same rejection rule.
 *
 * Question: does v2 fail more often than v1? H0: v2's failure share ≤ v1's. Conditional on the
 * total number of failures K among N = n1 + n2 calls, v2's failures X are hypergeometric under
 * equal shares: P(X = k) = C(K, k) · C(N − K, n2 − k) / C(N, n2). The p-value is P(X ≥ x2); the
 * gate rolls back when it is below alpha. Conditioning makes the test exact whatever v1's true
 * failure share is (no estimate is plugged in), and conservative (size ≤ alpha).
 *
 * Built on binomial.ts's log-factorials, so nothing underflows at n in the tens of thousands.
 */
import { logChoose, logPmf, logCdfUpper } from '../verify/binomial.ts';

/** ln P(X = k) for the hypergeometric law above. */
function logHyper(k: number, K: number, n2: number, N: number): number {
  return logChoose(K, k) + logChoose(N - K, n2 - k) - logChoose(N, n2);
}

/** One-sided p-value: probability, under equal failure shares, of x2 or more v2 failures. */
export function fisherGreaterPValue(x1: number, n1: number, x2: number, n2: number): number {
  for (const [v, name] of [
    [x1, 'x1'],
    [n1, 'n1'],
    [x2, 'x2'],
    [n2, 'n2'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  if (x1 > n1 || x2 > n2) throw new RangeError(`failures exceed calls: ${x1}/${n1}, ${x2}/${n2}`);
  const N = n1 + n2;
  const K = x1 + x2;
  if (x2 === 0 || n2 === 0 || K === 0) return 1;
  const top = Math.min(K, n2);
  // Terms fall away from the mode; x2 above the mode sums downwards quickly. Below or at the mode
  // the tail is large: compute it as 1 − P(X < x2) from the short side.
  const mode = Math.floor(((n2 + 1) * (K + 1)) / (N + 2));
  if (x2 > mode) return Math.min(1, sumExp(x2, top, K, n2, N));
  const low = Math.max(0, K - (N - n2));
  if (x2 <= low) return 1;
  return Math.max(0, Math.min(1, 1 - sumExp(low, x2 - 1, K, n2, N)));
}

function sumExp(from: number, to: number, K: number, n2: number, N: number): number {
  let s = 0;
  for (let k = from; k <= to; k++) {
    const t = Math.exp(logHyper(k, K, n2, N));
    s += t;
    if (t < s * 1e-16 && k > from + 2) break;
  }
  return s;
}

/** The smallest number of v2 failures that rejects at alpha given x1 of n1 v1 failures (n2 + 1 when none does). */
export function criticalFailures(x1: number, n1: number, n2: number, alpha: number): number {
  // The p-value falls as x2 grows (x1 fixed): walk up from the share v1 shows.
  let x2 = Math.min(n2, Math.floor((x1 / Math.max(1, n1)) * n2));
  while (x2 <= n2 && fisherGreaterPValue(x1, n1, x2, n2) >= alpha) x2++;
  return x2;
}

/**
 * Probability that the gate rolls back when v1 fails with share p1 and v2 with p2, for n1 and n2
 * calls: Σ over v1's failures of P(x1) · P(X2 ≥ critical(x1)). Exact up to the v1 tail below 1e-12.
 */
export function fisherPower(n1: number, p1: number, n2: number, p2: number, alpha: number): number {
  let total = 0;
  let seen = 0;
  const mean = n1 * p1;
  for (let x1 = 0; x1 <= n1; x1++) {
    const w = Math.exp(logPmf(x1, n1, p1));
    seen += w;
    if (w < 1e-14 && x1 > mean) {
      if (1 - seen < 1e-12) break;
      continue;
    }
    if (w < 1e-14) continue;
    const c = criticalFailures(x1, n1, n2, alpha);
    if (c <= n2) total += w * Math.exp(logCdfUpper(c, n2, p2));
  }
  return Math.min(1, total);
}

export interface FisherPlan {
  /** v2 calls and v1 calls the step needs. */
  n2: number;
  n1: number;
  /** The power at that size against v2 failing `margin` more than v1 at the baseline share. */
  power: number;
}

const planCache = new Map<string, FisherPlan>();

/**
 * The smallest v2 sample (a multiple of `step`) at which the test, with v1 getting the rest of a
 * weight-w split, rolls back a v2 that fails `margin` more often than a v1 failing `baseline` of
 * its calls, with at least the wanted power. The power of an exact test is a sawtooth in n: the
 * search accepts a size only when the next two steps keep the power too.
 */
export function planFisher(weight: number, baseline: number, margin: number, alpha: number, wanted: number, step = 10, maxN2 = 20_000): FisherPlan {
  const key = JSON.stringify([weight, baseline, margin, alpha, wanted, step]);
  const cached = planCache.get(key);
  if (cached) return cached;
  if (!(weight > 0 && weight < 1)) throw new RangeError(`weight must be in (0, 1), got ${weight}`);
  const p2 = Math.min(1, baseline + margin);
  const n1For = (n2: number) => Math.ceil((n2 * (1 - weight)) / weight);
  const ok = (n2: number) => fisherPower(n1For(n2), baseline, n2, p2, alpha);
  for (let n2 = step; n2 <= maxN2; n2 += step) {
    const p = ok(n2);
    if (p >= wanted && ok(n2 + step) >= wanted && ok(n2 + 2 * step) >= wanted) {
      const plan = { n2, n1: n1For(n2), power: p };
      planCache.set(key, plan);
      return plan;
    }
  }
  throw new RangeError(
    `no v2 sample up to ${maxN2} calls reaches power ${wanted} at weight ${weight} (baseline ${baseline}, margin ${margin}, alpha ${alpha})`,
  );
}
