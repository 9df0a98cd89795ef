import { describe, expect, it } from 'vitest';
import { cdfLower, cdfUpper, clopperPearson, exactTestPValue, logCdfLower, pmf, power, rejectionRegion, requiredSampleSize } from './binomial.ts';
import { drawBinomial, seededRandom } from './prng.ts';

describe('binomial distribution (known values)', () => {
  it('pmf matches closed forms', () => {
    expect(pmf(5, 10, 0.5)).toBeCloseTo(252 / 1024, 14);
    expect(pmf(0, 44, 0.1)).toBeCloseTo(0.9 ** 44, 14);
    // Stirling: C(10000, 5000)/2^10000 ≈ 1/sqrt(pi*5000)
    expect(pmf(5000, 10000, 0.5)).toBeCloseTo(0.00797864613, 10);
  });

  it('tails match R pbinom', () => {
    expect(cdfUpper(2, 10, 0.1)).toBeCloseTo(1 - 0.9 ** 10 - 10 * 0.1 * 0.9 ** 9, 14);
    expect(cdfLower(450, 1000, 0.5)).toBeCloseTo(0.000865268, 8); // pbinom(450, 1000, 0.5)
    expect(cdfLower(7, 20, 0.5) + cdfUpper(8, 20, 0.5)).toBeCloseTo(1, 14);
  });

  it('stays finite in log space far in the tail at n in the thousands', () => {
    const l = logCdfLower(100, 5000, 0.5);
    expect(Number.isFinite(l)).toBe(true);
    expect(l).toBeLessThan(-2500); // e^-2500 underflows as a double; the log does not
  });
});

describe('exact test and Clopper–Pearson interval', () => {
  it('two-sided p-value matches R binom.test(7, 20) = 0.2632', () => {
    expect(exactTestPValue(7, 20, 0.5)).toBeCloseTo(0.263176, 6);
  });

  it('interval matches R binom.test CIs', () => {
    const a = clopperPearson(7, 20, 0.05);
    expect(a.lower).toBeCloseTo(0.1539092, 6);
    expect(a.upper).toBeCloseTo(0.5921885, 6);
    const b = clopperPearson(682, 925, 0.05);
    expect(b.lower).toBeCloseTo(0.7076683, 6);
    expect(b.upper).toBeCloseTo(0.7654066, 6);
    expect(clopperPearson(0, 50, 0.05)).toEqual({ lower: 0, upper: expect.closeTo(1 - 0.025 ** (1 / 50), 8) });
  });

  it('rejects exactly when p0 is outside the interval', () => {
    for (const [x, n] of [
      [30, 400],
      [40, 400],
      [61, 400],
      [62, 400],
      [350, 400],
    ] as const) {
      const ci = clopperPearson(x, n, 0.001);
      const outside = 0.1 < ci.lower || 0.1 > ci.upper;
      expect(exactTestPValue(x, n, 0.1) < 0.001).toBe(outside);
    }
  });

  it('one-sided tests look at one tail only', () => {
    expect(exactTestPValue(10, 10, 0.5, 'at-least')).toBe(1);
    expect(exactTestPValue(0, 10, 0.5, 'at-least')).toBeCloseTo(1 / 1024, 12);
    expect(exactTestPValue(0, 10, 0.5, 'at-most')).toBe(1);
  });

  it('deterministic expectations allow zero misses', () => {
    expect(rejectionRegion(100, 1, 0.001, 'two-sided')).toEqual({ lower: 99, upper: 101 });
    expect(exactTestPValue(99, 100, 1)).toBe(0);
    expect(exactTestPValue(100, 100, 1)).toBe(1);
    expect(exactTestPValue(1, 100, 0)).toBe(0);
  });
});

describe('sample size', () => {
  it('about 400 calls for a 90/10 split, more for 50/50', () => {
    const n90 = requiredSampleSize(0.9);
    expect(n90).toBeGreaterThan(350);
    expect(n90).toBeLessThan(450);
    expect(requiredSampleSize(0.5)).toBeGreaterThan(n90);
    expect(requiredSampleSize(0.1)).toBe(n90); // symmetric
  });

  it('reaches the power at the planned n and not far below it', () => {
    const n = requiredSampleSize(0.9);
    expect(power(n, 0.9, 0.8, 0.001)).toBeGreaterThanOrEqual(0.99);
    expect(power(n, 0.9, 1.0, 0.001)).toBeGreaterThanOrEqual(0.99);
    expect(power(Math.floor(n * 0.8), 0.9, 0.8, 0.001)).toBeLessThan(0.99);
  });

  it('deterministic: 44 calls catch a 10% misroute with power 0.99 (0.9^44 < 0.01)', () => {
    expect(requiredSampleSize(1)).toBe(44);
    expect(requiredSampleSize(0)).toBe(44);
  });
});

describe('simulated runs (seeded)', () => {
  // Each simulated run draws the count of "v2" answers for n calls and applies the same exact test
  // the checks use. 2000 runs per true share for false fails, 5000 for power.
  const alpha = 0.001;

  for (const p0 of [0.9, 0.7, 0.5]) {
    it(`false-fail rate at alpha=${alpha} stays ≤ 0.003 when the true share is ${p0}`, () => {
      const n = requiredSampleSize(p0);
      const random = seededRandom(1234 + Math.round(p0 * 100));
      let fails = 0;
      const runs = 2000;
      for (let i = 0; i < runs; i++) if (exactTestPValue(drawBinomial(random, n, p0), n, p0) < alpha) fails++;
      expect(fails / runs).toBeLessThanOrEqual(0.003);
    });

    it(`power ≥ 0.99 against a 10-point deviation from ${p0} (simulated)`, () => {
      const n = requiredSampleSize(p0);
      const random = seededRandom(99 + Math.round(p0 * 100));
      const runs = 5000;
      for (const p1 of [p0 - 0.1, p0 + 0.1]) {
        let caught = 0;
        for (let i = 0; i < runs; i++) if (exactTestPValue(drawBinomial(random, n, p1), n, p0) < alpha) caught++;
        // exact power ≥ 0.99; 3 simulation standard errors below it is 0.9858
        expect(caught / runs, `p1=${p1}`).toBeGreaterThanOrEqual(0.9858);
      }
    });
  }

  it('a too-small sample misses deviations (the power test can fail)', () => {
    const random = seededRandom(7);
    let caught = 0;
    for (let i = 0; i < 2000; i++) if (exactTestPValue(drawBinomial(random, 100, 0.8), 100, 0.9) < alpha) caught++;
    expect(caught / 2000).toBeLessThan(0.9);
  });
});
