import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectScenarios } from './run-demo.ts';

const ROOT = join(import.meta.dirname, '..', '..', 'scenarios');
const PROMOTIONS = ['promote-flaky', 'promote-good', 'promote-slow'];

describe('selectScenarios and the promotion demonstrations', () => {
  it('make demo leaves them out, saying how they are run', () => {
    const { run, skipped } = selectScenarios(ROOT, undefined, { skipPromotions: true });
    expect(run.map((s) => s.name).filter((n) => n.startsWith('promote-'))).toEqual([]);
    expect(run.length).toBeGreaterThan(10);
    expect(skipped.filter((s) => PROMOTIONS.includes(s.name))).toEqual(
      PROMOTIONS.map((name) => ({
        name,
        reason: `a promotion demonstration (expect/promote.yaml): make promote SCENARIO=${name}; the e2e suite runs its promotion`,
      })),
    );
  });

  it('runs one when it is named, and play (no option) keeps them switchable', () => {
    expect(selectScenarios(ROOT, ['promote-good'], { skipPromotions: true }).run.map((s) => s.name)).toEqual(['promote-good']);
    expect(selectScenarios(ROOT, undefined).run.map((s) => s.name)).toEqual(expect.arrayContaining(PROMOTIONS));
  });
});
