import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExpectSchema, type Expect } from '../scenarios/expect.ts';
import { listScenarios, loadScenario } from '../scenarios/load.ts';
import { checkShare, isStatistical, plannedCalls, statisticalChecks, SUITE_CHECK_BUDGET, SUITE_FALSE_FAIL_RATE, verifyLogs, verifyTallies } from './check.ts';
import { seededRandom } from './prng.ts';
import { simulateLines, simulateTally, type Split } from './simulate.ts';

const scenarios = join(import.meta.dirname, '..', '..', 'scenarios');
const load = (name: string) => loadScenario(join(scenarios, name));

describe('one check', () => {
  it('deterministic share: zero misses pass, one miss fails', () => {
    expect(checkShare('admin', 'v2', { kind: 'share', value: 1 }, 44, 44).verdict).toBe('pass');
    const c = checkShare('admin', 'v2', { kind: 'share', value: 1 }, 99, 100);
    expect(c.verdict).toBe('fail');
    expect(c.reason).toMatch(/1 of 100 calls missed v2/);
    expect(checkShare('d', 'v2', { kind: 'share', value: 0 }, 1, 100).verdict).toBe('fail');
  });

  it('90/10: 50 of 500 on v2 passes, 88 of 500 fails with the p-value in the reason', () => {
    const ok = checkShare('default', 'v2', { kind: 'share', value: 0.1 }, 50, 500);
    expect(ok.verdict).toBe('pass');
    expect(ok.interval.lower).toBeLessThan(0.1);
    expect(ok.interval.upper).toBeGreaterThan(0.1);
    const bad = checkShare('default', 'v2', { kind: 'share', value: 0.1 }, 88, 500);
    expect(bad.verdict).toBe('fail');
    expect(bad.pValue).toBeLessThan(0.0001);
    expect(bad.reason).toMatch(/observed 17\.6% \(88\/500\) is not consistent with 10\.0%/);
  });

  it('too few calls is a failure, not a weak pass', () => {
    const c = checkShare('default', 'v2', { kind: 'share', value: 0.1 }, 10, 100);
    expect(c.verdict).toBe('fail');
    expect(c.reason).toMatch(/only 100 calls; \d+ are needed/);
    expect(checkShare('default', 'v2', { kind: 'share', value: 0.1 }, 10, 100, { requirePlannedCalls: false }).verdict).toBe('pass');
  });

  it('bounds are one-sided', () => {
    expect(checkShare('d', 'UNAVAILABLE', { kind: 'at-most', value: 0.02 }, 0, 200).verdict).toBe('pass');
    expect(checkShare('d', 'UNAVAILABLE', { kind: 'at-most', value: 0.02 }, 20, 200).verdict).toBe('fail');
    expect(checkShare('d', 'v2', { kind: 'at-least', value: 0.98 }, 200, 200).verdict).toBe('pass');
    expect(checkShare('d', 'v2', { kind: 'at-least', value: 0.98 }, 180, 200).verdict).toBe('fail');
  });
});

describe('planned calls', () => {
  it('follow from the expectations, per client and mode', () => {
    const w = load('weighted-90-10');
    const n = plannedCalls(w.expect, w.expect.clients[0]!, 'local');
    expect(n).toBeGreaterThan(430);
    expect(n).toBeLessThan(500);
    const h = load('header-user-admin');
    expect(plannedCalls(h.expect, h.expect.clients[1]!, 'local')).toBe(44);
    const nr = load('no-rules');
    expect(plannedCalls(nr.expect, nr.expect.clients[0]!, 'local')).toBeGreaterThan(n);
  });
});

describe('scenario verification on simulated logs', () => {
  // True splits per scenario (what a correct mesh does), for each client in order.
  const truth: Record<string, { mode: 'local' | 'cluster'; splits: Split[] }> = {
    'weighted-90-10': {
      mode: 'local',
      splits: [
        [
          ['v1', 0.9],
          ['v2', 0.1],
        ],
      ],
    },
    'weighted-70-30': {
      mode: 'local',
      splits: [
        [
          ['v1', 0.7],
          ['v2', 0.3],
        ],
      ],
    },
    'no-rules': {
      mode: 'local',
      splits: [
        [
          ['v1', 0.5],
          ['v2', 0.5],
        ],
      ],
    },
    'fault-abort': {
      mode: 'local',
      splits: [
        [
          ['v1', 0.5],
          ['UNAVAILABLE', 0.5],
        ],
      ],
    },
    'header-user-admin': { mode: 'local', splits: [[['v1', 1]], [['v2', 1]]] },
    retries: {
      mode: 'local',
      splits: [
        [
          ['v2', 1 - 0.3 ** 5],
          ['UNAVAILABLE', 0.3 ** 5],
        ],
        [
          ['v2', 0.7],
          ['UNAVAILABLE', 0.3],
        ],
      ],
    },
    'replicas-canary': {
      mode: 'cluster',
      splits: [
        [
          ['v1', 0.75],
          ['v2', 0.25],
        ],
      ],
    },
  };

  for (const [name, { mode, splits }] of Object.entries(truth)) {
    it(`${name}: false-fail rate ≤ 0.003 over 1000 simulated runs at the planned n`, () => {
      const s = load(name);
      const random = seededRandom(name.length * 7919);
      const ns = s.expect.clients.map((c) => plannedCalls(s.expect, c, mode));
      let fails = 0;
      const runs = 1000;
      for (let r = 0; r < runs; r++) {
        const tallies = Object.fromEntries(s.expect.clients.map((c, i) => [c.identity, simulateTally(random, splits[i]!, ns[i]!)]));
        if (!verifyTallies(s.expect, tallies, mode).passed) fails++;
      }
      expect(fails / runs).toBeLessThanOrEqual(0.003);
    });
  }

  const shifted: Array<[string, Split]> = [
    [
      'weighted-90-10',
      [
        ['v1', 0.8],
        ['v2', 0.2],
      ],
    ],
    ['weighted-90-10', [['v1', 1.0]]],
    [
      'weighted-70-30',
      [
        ['v1', 0.6],
        ['v2', 0.4],
      ],
    ],
    [
      'weighted-70-30',
      [
        ['v1', 0.8],
        ['v2', 0.2],
      ],
    ],
    [
      'no-rules',
      [
        ['v1', 0.6],
        ['v2', 0.4],
      ],
    ],
    [
      'fault-abort',
      [
        ['v1', 0.6],
        ['UNAVAILABLE', 0.4],
      ],
    ],
    [
      'replicas-canary',
      [
        ['v1', 0.65],
        ['v2', 0.35],
      ],
    ],
  ];
  for (const [name, split] of shifted) {
    it(`${name}: a 10-point deviation (${split.map(([o, p]) => `${o} ${p}`).join(', ')}) is caught in ≥ 99% of 2000 runs`, () => {
      const s = load(name);
      const mode = s.modes[0]!;
      const client = s.expect.clients[0]!;
      const n = plannedCalls(s.expect, client, mode);
      const random = seededRandom(4242 + split.length);
      let caught = 0;
      const runs = 2000;
      for (let r = 0; r < runs; r++) {
        if (!verifyTallies(s.expect, { [client.identity]: simulateTally(random, split, n) }, mode).passed) caught++;
      }
      expect(caught / runs).toBeGreaterThanOrEqual(0.985); // exact power ≥ 0.99; 0.985 is 2 simulation s.e. below
    });
  }

  it('from log lines to verdict: the whole path passes a correct 90/10 and fails a 75/25', () => {
    const s = load('weighted-90-10');
    const random = seededRandom(5);
    const n = plannedCalls(s.expect, s.expect.clients[0]!, 'local');
    const good = verifyLogs(
      s.expect,
      {
        clients: {
          default: simulateLines(
            random,
            [
              ['v1', 0.9],
              ['v2', 0.1],
            ],
            n,
            'json',
          ),
        },
      },
      'local',
    );
    expect(good.passed).toBe(true);
    expect(good.checks.map((c) => c.outcome)).toEqual(['v1', 'v2', 'other outcomes']);
    const bad = verifyLogs(
      s.expect,
      {
        clients: {
          default: simulateLines(
            random,
            [
              ['v1', 0.75],
              ['v2', 0.25],
            ],
            n,
          ),
        },
      },
      'local',
    );
    expect(bad.passed).toBe(false);
    expect(bad.checks.find((c) => c.outcome === 'v2')!.verdict).toBe('fail');
  });

  it('an unexpected error fails a deterministic scenario, and says which', () => {
    const s = load('header-user-admin');
    const lines = Array.from({ length: 60 }, () => 'INFO call server response = name:"a" id:"v2.0.0"');
    lines.push('ERROR call server error = code:14 status:"UNAVAILABLE" details:"x"');
    const r = verifyLogs(s.expect, { clients: { default: Array(60).fill('call server response = name:"a" id:"v1.0.0"'), admin: lines } }, 'local');
    expect(r.passed).toBe(false);
    const other = r.checks.find((c) => c.identity === 'admin' && c.outcome === 'other outcomes')!;
    expect(other.verdict).toBe('fail');
    expect(other.reason).toBe('unexpected: UNAVAILABLE ×1');
  });

  it('a missing client fails', () => {
    const s = load('header-user-admin');
    const r = verifyLogs(s.expect, { clients: { default: Array(60).fill('call server response = name:"a" id:"v1.0.0"') } }, 'local');
    expect(r.passed).toBe(false);
    expect(r.checks.find((c) => c.identity === 'admin')!.reason).toMatch(/no log lines for client admin/);
  });

  it('mode-specific checks apply only in their mode (timeout)', () => {
    const s = load('timeout');
    const random = seededRandom(11);
    const n = plannedCalls(s.expect, s.expect.clients[0]!, 'cluster');
    const envoyOld = simulateLines(
      random,
      [
        ['v1', 0.5],
        ['UNAVAILABLE', 0.5],
      ],
      n,
    );
    expect(verifyLogs(s.expect, { clients: { default: envoyOld } }, 'cluster').passed).toBe(true);
    expect(verifyLogs(s.expect, { clients: { default: envoyOld } }, 'local').passed).toBe(false);
  });

  it('latency share (fault-delay) counts calls at or above the threshold', () => {
    const s = load('fault-delay');
    const lines: string[] = [];
    const n = plannedCalls(s.expect, s.expect.clients[0]!, 'local');
    for (let i = 0; i < n; i++) lines.push(`INFO call server response = name:"a" id:"v1.0.0" latency_ms:${i % 2 === 0 ? 1003 : 3}`);
    const r = verifyLogs(s.expect, { clients: { default: lines } }, 'local');
    expect(r.checks.find((c) => c.outcome === 'latency>=980ms')).toMatchObject({ verdict: 'pass', x: Math.ceil(n / 2) });
    const fast = lines.map((l) => l.replace(/latency_ms:\d+/, 'latency_ms:3'));
    expect(verifyLogs(s.expect, { clients: { default: fast } }, 'local').passed).toBe(false);
  });

  it('a failed latency check says where the latencies lie, so a slow machine shows as the middle band', () => {
    const s = load('fault-delay');
    const n = plannedCalls(s.expect, s.expect.clients[0]!, 'local');
    // Half delayed; of the undelayed calls, a fifth held 700 ms and a fifth 990 ms by a stalled machine.
    const lines = Array.from(
      { length: n },
      (_, i) => `INFO call server response = name:"a" id:"v1.0.0" latency_ms:${i % 2 === 0 ? 1003 : i % 10 === 1 ? 990 : i % 10 === 3 ? 700 : 3}`,
    );
    const c = verifyLogs(s.expect, { clients: { default: lines } }, 'local').checks.find((x) => x.outcome === 'latency>=980ms')!;
    expect(c.verdict).toBe('fail');
    expect(c.reason).toContain(`${n - Math.ceil(n / 2) - Math.ceil((n - 1) / 10) - Math.ceil((n - 3) / 10)} under 490 ms`);
    expect(c.reason).toContain(`${Math.ceil((n - 3) / 10)} from 490 to 980 ms`);
    expect(c.reason).toMatch(/max 1003 ms\)$/);
  });

  it('mirror: requests in the v2 server log per client call', () => {
    const s = load('mirror-v2');
    const n = plannedCalls(s.expect, s.expect.clients[0]!, 'cluster');
    const clients = { default: Array(n).fill('call server response = name:"a" id:"v1.0.0"') };
    const v2 = (k: number) => Array(k).fill('INFO handled SayHello name:"a" id:"v2.0.0"');
    expect(verifyLogs(s.expect, { clients, servers: { v2: v2(n) } }, 'cluster').passed).toBe(true);
    const r = verifyLogs(s.expect, { clients, servers: { v2: v2(Math.floor(n / 2)) } }, 'cluster');
    expect(r.passed).toBe(false);
    expect(r.checks.find((c) => c.outcome === 'mirrored to v2')!.verdict).toBe('fail');
    expect(verifyLogs(s.expect, { clients }, 'cluster').checks.at(-1)!.reason).toMatch(/no server log for v2/);
  });
});

describe('expect.yaml schema', () => {
  const base = { description: 'x', modes: ['local'], servers: [{ version: 'v1' }, { version: 'v2' }] };
  it('normalises shares and fills defaults', () => {
    const e: Expect = ExpectSchema.parse({ ...base, clients: [{ identity: 'default', expect: { v1: 0.5, ok: { atLeast: 0.9 } } }] });
    expect(e.clients[0]!.expect).toEqual({ v1: { kind: 'share', value: 0.5 }, ok: { kind: 'at-least', value: 0.9 } });
    expect(e.clients[0]!).toMatchObject({ via: 'mesh', deadlineMs: 5000, concurrency: 1, headers: {} });
    expect(e.servers[0]).toMatchObject({ replicas: 1, failRate: 0, delayMs: 0 });
  });
  it('refuses shares above 1, exact shares summing past 1, two bounds at once, unknown keys', () => {
    const bad = (clients: unknown) => ExpectSchema.safeParse({ ...base, clients }).success;
    expect(bad([{ identity: 'd', expect: { v1: 1.5 } }])).toBe(false);
    expect(bad([{ identity: 'd', expect: { v1: 0.7, v2: 0.7 } }])).toBe(false);
    expect(bad([{ identity: 'd', expect: { v1: { atLeast: 0.1, atMost: 0.9 } } }])).toBe(false);
    expect(bad([{ identity: 'd', expect: { v1: 1 }, colour: 'red' }])).toBe(false);
    expect(bad([{ identity: 'd', headers: { User: 'admin' }, expect: { v1: 1 } }])).toBe(false);
    expect(bad([{ identity: 'd', expect: { v1: 1 } }])).toBe(true);
  });
});

describe("the suite's family-wise false-fail rate", () => {
  const all = listScenarios(scenarios);

  it.each(['local', 'cluster'] as const)('a correct mesh fails a %s run of every scenario at most 1% of the time (Bonferroni)', (mode) => {
    const checks = all.filter((s) => s.modes.includes(mode)).reduce((n, s) => n + statisticalChecks(s.expect, mode), 0);
    expect(checks).toBeGreaterThan(0);
    // Add scenarios past the budget and this fails: raise SUITE_CHECK_BUDGET (each alpha shrinks).
    expect(checks).toBeLessThanOrEqual(SUITE_CHECK_BUDGET);
    // The default alpha every verdict uses keeps the union bound within the stated rate.
    const alpha = verifyTallies(all[0]!.expect, {}, mode).alpha;
    expect(alpha * checks).toBeLessThanOrEqual(SUITE_FALSE_FAIL_RATE);
    expect(SUITE_FALSE_FAIL_RATE).toBe(0.01);
  });

  it('counts only checks that can fail by chance', () => {
    expect(isStatistical({ kind: 'share', value: 1 })).toBe(false);
    expect(isStatistical({ kind: 'share', value: 0 })).toBe(false);
    expect(isStatistical({ kind: 'share', value: 0.9 })).toBe(true);
    expect(isStatistical({ kind: 'at-most', value: 0.02 })).toBe(true);
    expect(isStatistical({ kind: 'at-least', value: 0 })).toBe(false);
  });
});
