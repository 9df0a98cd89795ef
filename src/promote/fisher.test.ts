import { describe, expect, it } from 'vitest';
import { criticalFailures, fisherGreaterPValue, fisherPower, planFisher } from './fisher.ts';

/** The hypergeometric tail by plain products (small n only), as a reference. */
function bruteForce(x1: number, n1: number, x2: number, n2: number): number {
  const choose = (n: number, k: number): number => {
    if (k < 0 || k > n) return 0;
    let r = 1;
    for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
    return r;
  };
  const N = n1 + n2;
  const K = x1 + x2;
  let p = 0;
  for (let k = x2; k <= Math.min(K, n2); k++) p += (choose(K, k) * choose(N - K, n2 - k)) / choose(N, n2);
  return p;
}

describe("Fisher's exact test, one-sided (v2 fails more often than v1)", () => {
  it('matches known values', () => {
    // The lady tasting tea: 3 of 4 right in each row; R: fisher.test(matrix(c(3,1,1,3),2), alternative="greater")$p.value = 0.2428571
    expect(fisherGreaterPValue(1, 4, 3, 4)).toBeCloseTo(0.2428571, 6);
    // No failures at all, or none in v2: nothing against v2.
    expect(fisherGreaterPValue(0, 100, 0, 5)).toBe(1);
    expect(fisherGreaterPValue(7, 100, 0, 5)).toBe(1);
    // Every failure in v2, which has 5 of 105 calls: C(5,3)/C(105,3).
    expect(fisherGreaterPValue(0, 100, 3, 5)).toBeCloseTo((10 * 6) / (105 * 104 * 103), 12);
  });

  it('agrees with a brute-force hypergeometric sum on both sides of the mode', () => {
    for (const [x1, n1, x2, n2] of [
      [2, 30, 5, 20],
      [10, 40, 1, 25],
      [5, 50, 5, 50],
      [0, 12, 12, 12],
      [9, 60, 4, 15],
    ] as const) {
      expect(fisherGreaterPValue(x1, n1, x2, n2)).toBeCloseTo(bruteForce(x1, n1, x2, n2), 10);
    }
  });

  it('stays finite at tens of thousands of calls', () => {
    const p = fisherGreaterPValue(70, 7000, 75, 380);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-40);
    expect(fisherGreaterPValue(70, 7000, 4, 380)).toBeGreaterThan(0.3);
  });

  it('refuses impossible tables', () => {
    expect(() => fisherGreaterPValue(5, 4, 0, 1)).toThrow(/exceed/);
    expect(() => fisherGreaterPValue(-1, 4, 0, 1)).toThrow(/non-negative/);
  });

  it('the critical count is the first that rejects', () => {
    const c = criticalFailures(3, 2000, 200, 0.001);
    expect(fisherGreaterPValue(3, 2000, c, 200)).toBeLessThan(0.001);
    expect(fisherGreaterPValue(3, 2000, c - 1, 200)).toBeGreaterThanOrEqual(0.001);
  });

  it('rolls back a v2 as good as v1 with probability at most alpha (exact size)', () => {
    for (const p of [0.001, 0.01, 0.05, 0.2]) {
      expect(fisherPower(3000, p, 300, p, 0.001)).toBeLessThanOrEqual(0.001);
      expect(fisherPower(500, p, 500, p, 0.01)).toBeLessThanOrEqual(0.01);
    }
  });

  it('plans a v2 sample with the wanted power, which a smaller sample does not have', () => {
    const plan = planFisher(0.05, 0.01, 0.05, 0.001, 0.99);
    expect(plan.power).toBeGreaterThanOrEqual(0.99);
    expect(plan.n1).toBe(Math.ceil((plan.n2 * 0.95) / 0.05));
    const smaller = plan.n2 - 50;
    expect(fisherPower(Math.ceil((smaller * 0.95) / 0.05), 0.01, smaller, 0.06, 0.001)).toBeLessThan(0.99);
    // Power grows with the margin: a bigger difference needs fewer calls.
    expect(planFisher(0.05, 0.01, 0.2, 0.001, 0.99).n2).toBeLessThan(plan.n2);
  });
});
