/**
 * A small seeded PRNG (mulberry32) for simulated samples in tests and demos: the same seed always
 * gives the same sequence, so a simulation-based test is reproducible and can still fail.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial(n, p) draw as n Bernoulli trials (fine for the n of a routing check). */
export function drawBinomial(random: () => number, n: number, p: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (random() < p) x++;
  return x;
}

/** Draw one outcome from a categorical distribution given as [outcome, probability] pairs. */
export function drawCategorical<T>(random: () => number, dist: ReadonlyArray<readonly [T, number]>): T {
  const u = random();
  let acc = 0;
  for (const [value, prob] of dist) {
    acc += prob;
    if (u < acc) return value;
  }
  return dist[dist.length - 1]![0];
}
