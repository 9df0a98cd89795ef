// How the e2e suite and `cluster e2e` judge a promotion against its scenario's stated outcome.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromotionResult } from './promote.ts';
import { outcomeMismatch, preparePromotion } from './session.ts';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios');
const prepare = (name: string) => preparePromotion(join(SCENARIOS, name), { outDir: join(mkdtempSync(join(tmpdir(), 'canarykit-outcome-')), 'steps') });
const result = (r: Partial<PromotionResult>): PromotionResult => ({ result: 'promoted', finalWeight: 100, steps: [], totalCalls: 0, ms: 0, ...r });

describe('outcomeMismatch', () => {
  it('accepts a promotion that applied every step and ended at 100% v2', () => {
    expect(outcomeMismatch(prepare('promote-good'), result({}), [0, 5, 10, 25, 50, 100])).toBeUndefined();
  });

  it('names what differs from a promoted outcome', () => {
    const good = prepare('promote-good');
    expect(outcomeMismatch(good, result({ result: 'rolled-back', finalWeight: 0, reason: 'error gate at 5% v2: ...' }), [0, 5, 0])).toBe(
      'ended rolled-back (error gate at 5% v2: ...), expected promoted',
    );
    expect(outcomeMismatch(good, result({}), [0, 5, 100])).toBe('applied 0 → 5 → 100% v2, expected 0 → 5 → 10 → 25 → 50 → 100');
  });

  it('checks the gate, the weight and the rollback of a rolled-back outcome', () => {
    const flaky = prepare('promote-flaky');
    const rolledBack = (r: Partial<PromotionResult>) => result({ result: 'rolled-back', gate: 'error', failedWeight: 5, finalWeight: 0, ...r });
    expect(outcomeMismatch(flaky, rolledBack({}), [0, 5, 0])).toBeUndefined();
    expect(outcomeMismatch(flaky, rolledBack({ gate: 'latency', failedWeight: 10 }), [0, 5, 10, 0])).toBe(
      'rolled back by the latency gate, expected error; at 10% v2, expected 5%',
    );
    expect(outcomeMismatch(flaky, rolledBack({ finalWeight: 5 }), [0, 5])).toBe('ended at 5% v2, expected 0 after the rollback');
  });
});
