import { describe, expect, it } from 'vitest';
import { callStart, callWindow } from './window.ts';

const t0 = Date.parse('2026-11-22T02:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();
const ok = (endMs: number, latency: number, seq: number, id = 'v1.0.0') =>
  `${at(endMs)} INFO call server response = name:"Hello laurence" id:"${id}" latency_ms:${latency} seq:${seq}`;
const err = (endMs: number, latency: number, seq: number) =>
  `${at(endMs)} ERROR call server error = code:4 status:"DEADLINE_EXCEEDED" details:"Deadline exceeded" latency_ms:${latency} seq:${seq}`;

describe('callStart', () => {
  it('is the log time minus the latency, in text, JSON and kubectl-prefixed lines', () => {
    expect(callStart(ok(300, 300, 1))).toBe(t0);
    expect(callStart(`{"time":"${at(10)}","level":"info","msg":"call server response","id":"v1.0.0","latencyMs":3}`)).toBe(t0 + 7);
    expect(callStart(`[pod/greeter-client-default-7d9/greeter-client] ${ok(50, 50, 2)}`)).toBe(t0);
    expect(callStart('no time here')).toBeUndefined();
  });
});

describe('callWindow', () => {
  it('counts a complete range of seq, not the calls that happened to finish first', () => {
    // seq 1 started before `since`; seq 2..7 after. Slow calls (4, 6) end late; 6 is still in flight.
    const lines = [ok(5, 10, 1), ok(22, 2, 2), ok(32, 2, 3), ok(42, 2, 5), err(290, 250, 4), ok(62, 2, 7)];
    const w = callWindow(lines, t0 + 10);
    expect([w.fromSeq, w.toSeq]).toEqual([2, 5]);
    expect(w.lines).toEqual([lines[1], lines[2], lines[3], lines[4]]);
  });

  it('is empty until a call issued after `since` is logged', () => {
    expect(callWindow([ok(5, 10, 1)], t0 + 10).lines).toEqual([]);
  });

  it('keeps the unbiased share when slow outcomes finish late', () => {
    // 400 calls issued 5 ms apart, every other one slow (250 ms): read the log at 1 s.
    const lines: string[] = [];
    for (let seq = 1; seq <= 400; seq++) {
      const start = seq * 5;
      const latency = seq % 2 === 0 ? 250 : 2;
      if (start + latency <= 1000) lines.push(seq % 2 === 0 ? err(start + latency, latency, seq) : ok(start + latency, latency, seq));
    }
    lines.sort((a, b) => a.localeCompare(b)); // completion order
    const naive = lines.filter((l) => (callStart(l) ?? 0) >= t0);
    const w = callWindow(lines, t0);
    const share = (ls: string[]) => ls.filter((l) => l.includes('DEADLINE')).length / ls.length;
    expect(share(naive)).toBeLessThan(0.45); // the bias the window removes
    expect(share(w.lines)).toBeCloseTo(0.5, 2);
  });

  it('falls back to start time for lines without seq', () => {
    const plain = (endMs: number) => `${at(endMs)} INFO call server response = name:"a" id:"v1.0.0" latency_ms:1`;
    expect(callWindow([plain(5), plain(20)], t0 + 10).lines).toEqual([plain(20)]);
  });
});
