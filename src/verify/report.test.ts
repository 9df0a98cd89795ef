import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load.ts';
import { plannedCalls, verifyLogs } from './check.ts';
import { seededRandom } from './prng.ts';
import { bar, formatReport, toJson, toVerifyOutcome, useColor } from './report.ts';
import { simulateLines } from './simulate.ts';

const s = loadScenario(join(import.meta.dirname, '..', '..', 'scenarios', 'weighted-90-10'));
const n = plannedCalls(s.expect, s.expect.clients[0]!, 'local');
const result = verifyLogs(
  s.expect,
  {
    clients: {
      default: simulateLines(
        seededRandom(3),
        [
          ['v1', 0.9],
          ['v2', 0.1],
        ],
        n,
      ),
    },
  },
  'local',
);
const failing = verifyLogs(
  s.expect,
  {
    clients: {
      default: simulateLines(
        seededRandom(3),
        [
          ['v1', 0.7],
          ['v2', 0.3],
        ],
        n,
      ),
    },
  },
  'local',
);

describe('report', () => {
  it('bars have eighth-block precision and a fixed width', () => {
    expect(bar(1, 10)).toBe('██████████');
    expect(bar(0, 4)).toBe('    ');
    expect(bar(0.5, 4)).toBe('██  ');
    expect(bar(0.0625, 2)).toBe('▏ ');
  });

  it('prints a verdict, a table with n, interval and p, and a bar per outcome', () => {
    const text = formatReport(result, { title: 'weighted-90-10' });
    expect(text.split('\n')[0]).toBe(`PASS weighted-90-10 (local, alpha 0.0002): 3/3 checks passed`);
    expect(text).toMatch(/client\s+outcome\s+expected\s+observed\s+n\s+planned\s+99\.98% interval\s+p\s+verdict/);
    expect(text).toMatch(new RegExp(`default\\s+v2\\s+10\\.0%\\s+\\d+\\.\\d%\\s+${n}\\s+${n}\\s+\\d+\\.\\d% – \\d+\\.\\d%`));
    expect(text).toMatch(/default \(\d+ calls\)\n {2}v1 █+.*% {2}\(expected 90\.0%\)\n {2}v2 █+/);
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('says why a check failed', () => {
    const text = formatReport(failing);
    expect(text.startsWith('FAIL')).toBe(true);
    expect(text).toMatch(/✗ default v2: observed \d+\.\d% \(\d+\/\d+\) is not consistent with 10\.0%/);
    expect(toVerifyOutcome(failing).passed).toBe(false);
  });

  it('colours only when asked (TTY)', () => {
    expect(formatReport(failing, { color: true })).toMatch(/\x1b\[31mFAIL/);
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  });

  it('has a JSON form with every number', () => {
    const j = toJson(result, { scenario: 'weighted-90-10' }) as { scenario: string; passed: boolean; checks: Array<Record<string, unknown>> };
    expect(j.scenario).toBe('weighted-90-10');
    expect(j.passed).toBe(true);
    expect(j.checks[1]).toMatchObject({ identity: 'default', outcome: 'v2', kind: 'share', expected: 0.1, n, verdict: 'pass' });
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});
