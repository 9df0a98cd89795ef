// The dashboard's numbers: the split rows (expected keys first, then what else was seen) and the
// per-second timeline, from client log lines in the clients' real format.
import { describe, expect, it } from 'vitest';
import { tallyLines, versionResolver } from '../verify/tally.ts';
import { splitRows, Timeline } from './state.ts';

/** A client log line in the greeter client's format, for a call that started at `startMs`. */
function line(startMs: number, outcome: string, seq: number, latencyMs = 2): string {
  const at = new Date(startMs + latencyMs).toISOString();
  return outcome.startsWith('v')
    ? `${at} INFO call server response = name:"Hello laurence" id:"${outcome}" latency_ms:${latencyMs} seq:${seq}`
    : `${at} ERROR call server error = code:14 status:"${outcome}" details:"x" latency_ms:${latencyMs} seq:${seq}`;
}

describe('splitRows', () => {
  it('gives each expected key its observed share, then every outcome no key names', () => {
    const lines = [line(0, 'v1.0.0', 1), line(1, 'v1.0.0', 2), line(2, 'v2.0.0', 3), line(3, 'UNAVAILABLE', 4)];
    const rows = splitRows(
      [
        ['v1', { kind: 'share', value: 0.9 }],
        ['v2', { kind: 'share', value: 0.1 }],
      ],
      tallyLines(lines),
    );
    expect(rows).toEqual([
      { outcome: 'v1', expected: { kind: 'share', value: 0.9 }, observed: 0.5, count: 2 },
      { outcome: 'v2', expected: { kind: 'share', value: 0.1 }, observed: 0.25, count: 1 },
      { outcome: 'UNAVAILABLE', observed: 0.25, count: 1 },
    ]);
  });

  it('counts unions, `ok` and `error` keys, and lists no outcome they already cover', () => {
    const lines = [line(0, 'v1.0.0', 1), line(1, 'UNAVAILABLE', 2), line(2, 'DEADLINE_EXCEEDED', 3), line(3, 'v2.0.0', 4)];
    const rows = splitRows(
      [
        ['ok', { kind: 'at-least', value: 0.4 }],
        ['DEADLINE_EXCEEDED|UNAVAILABLE', { kind: 'at-most', value: 0.6 }],
      ],
      tallyLines(lines),
    );
    expect(rows.map((r) => [r.outcome, r.observed])).toEqual([
      ['ok', 0.5],
      ['DEADLINE_EXCEEDED|UNAVAILABLE', 0.5],
    ]);
  });

  it('shows 0% (not NaN) before the first call', () => {
    expect(splitRows([['v1', { kind: 'share', value: 1 }]], tallyLines([]))).toEqual([
      { outcome: 'v1', expected: { kind: 'share', value: 1 }, observed: 0, count: 0 },
    ]);
  });
});

describe('Timeline', () => {
  const resolve = versionResolver([{ version: 'v1' }, { version: 'v2' }]);
  const t0 = Date.parse('2026-01-01T00:00:00Z');

  it('places each call at the second it started, so a switch shows as a step in the next point', () => {
    const tl = new Timeline({ bucketMs: 1000, windowMs: 5000 });
    // Second 0 and 1: all v1; second 2: all v2. A slow call that started in second 1 and ended in 2 counts in 1.
    const lines = [line(t0 + 100, 'v1.0.0', 1), line(t0 + 1100, 'v1.0.0', 2, 1500), line(t0 + 2100, 'v2.0.0', 3), line(t0 + 2200, 'v2.0.0', 4)];
    tl.add('default#1', lines, resolve);
    const view = tl.view([{ identity: 'default', key: 'default#1' }], t0 + 3500, [{ at: t0 + 2000, name: 'cutover-0-100' }]);
    expect(view.times).toEqual([t0 - 1000, t0, t0 + 1000, t0 + 2000, t0 + 3000]);
    expect(view.clients).toEqual([
      {
        identity: 'default',
        series: [
          { outcome: 'v1', shares: [null, 1, 1, 0, null] },
          { outcome: 'v2', shares: [null, 0, 0, 1, null] },
        ],
      },
    ]);
    expect(view.switches).toEqual([{ at: t0 + 2000, name: 'cutover-0-100' }]);
  });

  it('reads only new lines, forgets points older than the window, and reads a cleared log from its start, keeping the seconds counted', () => {
    const tl = new Timeline({ bucketMs: 1000, windowMs: 2000 });
    const lines = [line(t0, 'v1.0.0', 1)];
    tl.add('c', lines, resolve);
    tl.add('c', lines, resolve); // nothing new: not counted twice
    expect(tl.view([{ identity: 'c', key: 'c' }], t0 + 500, []).clients[0]!.series).toEqual([{ outcome: 'v1', shares: [null, 1] }]);
    lines.push(line(t0 + 5000, 'v2.0.0', 2));
    tl.add('c', lines, resolve);
    expect(tl.view([{ identity: 'c', key: 'c' }], t0 + 5500, [{ at: t0, name: 'old' }])).toMatchObject({
      switches: [],
      clients: [{ series: [{ outcome: 'v2', shares: [null, 1] }] }],
    });
    tl.add('c', [line(t0 + 5100, 'v1.0.0', 1)], resolve); // a cleared log (fewer lines than read)
    // The v2 call counted before the log was cleared still happened in that second.
    expect(tl.view([{ identity: 'c', key: 'c' }], t0 + 5500, []).clients[0]!.series).toEqual([
      { outcome: 'v1', shares: [null, 0.5] },
      { outcome: 'v2', shares: [null, 0.5] },
    ]);
  });

  it('draws a run younger than the window from a little before its first call or switch', () => {
    const tl = new Timeline({ bucketMs: 1000, windowMs: 180_000 });
    tl.add('c', [line(t0 + 10_000, 'v1.0.0', 1)], resolve);
    const view = tl.view([{ identity: 'c', key: 'c' }], t0 + 12_500, [{ at: t0 + 9_500, name: 'all-v1' }]);
    // The switch at second 9, five empty points before it, through now (second 12).
    expect(view.times).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12].map((s) => t0 + s * 1000));
    expect(view.clients[0]!.series).toEqual([{ outcome: 'v1', shares: [null, null, null, null, null, null, 1, null, null] }]);
  });

  it('reads a log replaced by a longer one (the next step of a promotion) from its start', () => {
    const tl = new Timeline({ bucketMs: 1000, windowMs: 3000 });
    tl.add('c', [line(t0, 'v1.0.0', 1), line(t0 + 100, 'v1.0.0', 2)], resolve);
    // Another log, as long as the first and one line more: judged by its first line, not its length.
    tl.add('c', [line(t0 + 1000, 'v2.0.0', 3), line(t0 + 1100, 'v2.0.0', 4), line(t0 + 1200, 'v1.0.0', 5)], resolve);
    expect(tl.view([{ identity: 'c', key: 'c' }], t0 + 1500, []).clients[0]!.series).toEqual([
      { outcome: 'v1', shares: [null, 1, 1 / 3] },
      { outcome: 'v2', shares: [null, 0, 2 / 3] },
    ]);
  });
});
