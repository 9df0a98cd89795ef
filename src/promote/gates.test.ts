import { describe, expect, it } from 'vitest';
import { checkPromoteConfig } from './config.ts';
import { alphaPerTest, emptySample, errorGate, latencyGate, planStep, quantile, sampleFromLines, splitGate, StepDecision, type StepSample } from './gates.ts';

const config = checkPromoteConfig({}, 'test');
const SERVERS = [{ version: 'v1' }, { version: 'v2' }];
const ok = (id: string, ms: number, seq: number) =>
  `2026-12-05T07:00:00.000Z INFO call server response = name:"Hello laurence" id:"${id}" latency_ms:${ms} seq:${seq}`;
const err = (details: string, seq: number) =>
  `2026-12-05T07:00:00.000Z ERROR call server error = code:14 status:"UNAVAILABLE" details:"${details}" latency_ms:1 seq:${seq}`;

/** A sample with the given counts; every answer takes `ms` (v1) or `ms2` (v2). */
function sample(v1: number, f1: number, v2: number, f2: number, ms = 2, ms2 = ms, unattributed = 0): StepSample {
  return {
    v1: { calls: v1, failures: f1, latenciesMs: Array(v1 - f1).fill(ms) },
    v2: { calls: v2, failures: f2, latenciesMs: Array(v2 - f2).fill(ms2) },
    unattributed,
  };
}

describe('reading a step from client log lines', () => {
  it('sorts answers and failures by version; a failure that names no version is unattributed', () => {
    const s = sampleFromLines(
      [
        ok('v1.0.0', 2.5, 1),
        ok('v2.0.0', 3, 2),
        err('injected failure (failRate 0.2) in v2.0.0', 3),
        err('injected failure (failRate 0.1) in v1.0.0', 4),
        err('No connection established', 5),
        ok('v3.0.0', 1, 6),
        'greeter client started target:"xds:///greeter-server:20000"',
        JSON.stringify({ time: '2026-12-05T07:00:00.000Z', level: 'info', msg: 'call server response', name: 'Hello', id: 'v2.0.0', latencyMs: 4, seq: 7 }),
      ],
      SERVERS,
    );
    expect(s).toEqual({
      v1: { calls: 2, failures: 1, latenciesMs: [2.5] },
      v2: { calls: 3, failures: 1, latenciesMs: [3, 4] },
      unattributed: 1,
    });
  });

  it('honours a server id that is not <version>.0.0', () => {
    const s = sampleFromLines(
      [ok('2.1-canary', 3, 1), err('injected failure (failRate 0.2) in 2.1-canary', 2)],
      [{ version: 'v1' }, { version: 'v2', id: '2.1-canary' }],
    );
    expect(s.v2.calls).toBe(1);
    expect(s.unattributed).toBe(1); // `in 2.1-canary` does not look like a version: left unattributed (counted against v2 anyway)
  });
});

describe('the plan of a step', () => {
  it('splits alpha over every test of every gated step (Bonferroni)', () => {
    expect(alphaPerTest(config)).toBeCloseTo(0.01 / 12, 12);
    expect(alphaPerTest({ alpha: 0.01, schedule: [50, 100] })).toBeCloseTo(0.01 / 3, 12);
  });

  it('asks for enough calls at the weight for every gate', () => {
    for (const w of [5, 10, 25, 50]) {
      const plan = planStep(w, config);
      expect(plan.needTotal * (w / 100)).toBeGreaterThanOrEqual(plan.needV2 - 1e-9);
      expect(plan.needTotal * (1 - w / 100)).toBeGreaterThanOrEqual(plan.needV1 - 1e-9);
      expect(plan.needTotal).toBeGreaterThanOrEqual(plan.splitN);
      expect(plan.error.power).toBeGreaterThanOrEqual(config.power);
    }
  });
});

describe('the gates', () => {
  const plan = planStep(5, config);

  it('split: passes the weight, fails a split 10 points off', () => {
    expect(splitGate(sample(7030, 0, 370, 0), plan, config).verdict).toBe('pass');
    const off = splitGate(sample(6290, 0, 1110, 0), plan, config);
    expect(off.verdict).toBe('fail');
    expect(off.reason).toMatch(/the mesh does not route as the weight says: observed 15\.0%/);
  });

  it('error: passes a v2 that fails as often as v1, fails one that fails 5 points more', () => {
    expect(errorGate(sample(7030, 70, 370, 4), plan, config).verdict).toBe('pass');
    const bad = errorGate(sample(7030, 70, 370, 23), plan, config);
    expect(bad.verdict).toBe('fail');
    expect(bad.reason).toMatch(/v2 fails more often than v1: 23\/370 \(6\.2%\) against 70\/7030 \(1\.0%\)/);
    // Short of its planned calls it cannot pass.
    expect(errorGate(sample(700, 0, 37, 0), plan, config)).toMatchObject({
      verdict: 'fail',
      reason: expect.stringMatching(/^only 37 v2 and 700 v1 calls; the plan needs 370 and 7030/),
    });
  });

  it('error: unattributed failures count against v2', () => {
    const g = errorGate(sample(7030, 70, 370, 4, 2, 2, 25), plan, config);
    expect(g.verdict).toBe('fail');
    expect(g.reason).toMatch(/25 failures without a version counted as v2's/);
  });

  it('latency: bound is p99Factor × v1 p99, with v1 p99 floored', () => {
    // v1 p99 2 ms → floor 10 ms → bound 20 ms.
    expect(latencyGate(sample(7030, 0, 370, 0, 2, 19), plan, config).verdict).toBe('pass');
    const slow = latencyGate(sample(7030, 0, 370, 0, 2, 21), plan, config);
    expect(slow.verdict).toBe('fail');
    expect(slow.reason).toMatch(/above 20\.0 ms \(2 × v1's p99 2\.0 ms, taken as 10\.0 ms\): 370 of 370/);
    // v1 p99 50 ms → bound 100 ms.
    expect(latencyGate(sample(7030, 0, 370, 0, 50, 99), plan, config).verdict).toBe('pass');
    expect(latencyGate(sample(7030, 0, 370, 0, 50, 101), plan, config).verdict).toBe('fail');
  });

  it('latency: a few slow v2 answers (within 1%) pass, many fail', () => {
    const s = sample(7030, 0, 370, 0);
    s.v2.latenciesMs.fill(500, 0, 3);
    expect(latencyGate(s, plan, config).verdict).toBe('pass');
    s.v2.latenciesMs.fill(500, 0, 30);
    expect(latencyGate(s, plan, config).verdict).toBe('fail');
  });

  it('quantile is the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile([5], 0.99)).toBe(5);
    expect(quantile([], 0.99)).toBeNaN();
  });
});

describe('a step decides each gate once', () => {
  it('on the first sample with its planned calls, and stops at the first failure', () => {
    const plan = planStep(5, config);
    const d = new StepDecision(plan, config);
    d.add(emptySample());
    expect(d.results).toEqual([]);
    // Enough calls for the split gate only (271), not for the latency (353 v2 answers) or error gate (7030 + 370).
    d.add(sample(300, 0, 15, 0));
    expect(d.results.map((g) => g.gate)).toEqual(['split']);
    expect(d.done).toBe(false);
    // A later sample with a misrouted split does not revisit the split's verdict.
    d.add(sample(300, 0, 200, 0));
    expect(d.results.find((g) => g.gate === 'split')!.n).toBe(315);
    expect(d.results.find((g) => g.gate === 'split')!.verdict).toBe('pass');
    d.add(sample(7100, 0, 380, 0));
    expect(d.results.map((g) => `${g.gate} ${g.verdict}`)).toEqual(['split pass', 'error pass', 'latency pass']);
    expect(d.done).toBe(true);
    expect(d.failed).toBeUndefined();
  });

  it('finish decides what is left, failing gates short of calls', () => {
    const d = new StepDecision(planStep(5, config), config);
    d.finish(sample(100, 0, 5, 0));
    expect(d.failed?.gate).toBe('split');
    expect(d.results.map((g) => g.verdict)).toEqual(['fail', 'fail', 'fail']);
  });
});

describe('a gate is judged on its own planned calls', () => {
  it('the error gate passes with its own sample size even when the latency gate needs more v2 calls', () => {
    // A large latency margin needs few answers, a small error margin many calls: and the other way round.
    const c = checkPromoteConfig({ errors: { baseline: 0.01, margin: 0.2 }, latency: { margin: 0.01 } }, 'test');
    const plan = planStep(50, c);
    expect(plan.error.n2).toBeLessThan(plan.latencyN);
    const d = new StepDecision(plan, c);
    d.add(sample(plan.error.n1, 0, plan.error.n2, 0));
    expect(d.results.map((g) => `${g.gate} ${g.verdict}`)).toContain('error pass');
  });
});
