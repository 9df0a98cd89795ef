import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../scenarios/errors.ts';
import { checkPromoteConfig, DEFAULT_SCHEDULE, loadPromoteConfig, parseScheduleFlag, scheduleProblems } from './config.ts';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios');

describe('promotion schedule', () => {
  it('accepts increasing whole percents ending at 100', () => {
    expect(scheduleProblems([5, 10, 25, 50, 100])).toEqual([]);
    expect(scheduleProblems([100])).toEqual([]);
    expect(parseScheduleFlag('1, 50,100')).toEqual([1, 50, 100]);
  });

  it('refuses a schedule that does not increase, naming the step and the fix', () => {
    expect(() => parseScheduleFlag('5,25,10,100')).toThrow(
      /--schedule: \[2\]: 10 follows 25: the weight of v2 must increase at every step \(give increasing whole percents ending at 100/,
    );
    expect(() => parseScheduleFlag('5,5,100')).toThrow(/5 follows 5/);
  });

  it('refuses a schedule that does not end at 100', () => {
    expect(() => parseScheduleFlag('5,10,50')).toThrow(/the last step is 50, not 100: a promotion ends with every call on v2/);
  });

  it('refuses what is not a percent', () => {
    expect(() => parseScheduleFlag('5,ten,100')).toThrow(/--schedule: step 2: "ten" is not a number/);
    expect(() => parseScheduleFlag('0,100')).toThrow(/0 is not a whole percent from 1 to 100/);
    expect(() => parseScheduleFlag('2.5,100')).toThrow(/2.5 is not a whole percent/);
    expect(() => parseScheduleFlag('5,150')).toThrow(/150 is not a whole percent/);
    expect(() => parseScheduleFlag('')).toThrow(ScenarioError);
  });
});

describe('promote.yaml', () => {
  it('defaults every setting', () => {
    const c = checkPromoteConfig({}, 'x');
    expect(c.schedule).toEqual(DEFAULT_SCHEDULE);
    expect(c).toMatchObject({
      alpha: 0.01,
      power: 0.99,
      errors: { baseline: 0.01, margin: 0.05 },
      latency: { p99Factor: 2, floorMs: 10 },
      split: { delta: 0.1 },
    });
  });

  it('names the file and field of a bad value', () => {
    expect(() => checkPromoteConfig({ alpha: 2 }, 'scenarios/x/expect/promote.yaml')).toThrow(/scenarios\/x\/expect\/promote.yaml: alpha: must be below 1/);
    expect(() => checkPromoteConfig({ errors: { margin: 0.05, typo: 1 } }, 'f')).toThrow(/f: errors: .*typo/);
    expect(() => checkPromoteConfig({ schedule: [50, 25, 100] }, 'f')).toThrow(/f: schedule\[1\]: 25 follows 50/);
  });

  it('reads a scenario folder, with or without promote.yaml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canarykit-promote-config-'));
    expect(loadPromoteConfig(dir).schedule).toEqual(DEFAULT_SCHEDULE);
    mkdirSync(join(dir, 'expect'));
    writeFileSync(join(dir, 'expect', 'promote.yaml'), 'schedule: [20, 100]\nalpha: 0.05\n');
    expect(loadPromoteConfig(dir)).toMatchObject({ schedule: [20, 100], alpha: 0.05 });
    writeFileSync(join(dir, 'expect', 'promote.yaml'), 'schedule: [20, 100\n');
    expect(() => loadPromoteConfig(dir)).toThrow(/promote.yaml: malformed YAML/);
  });

  it('the shipped promotion scenarios load and state their expected outcome', () => {
    expect(loadPromoteConfig(join(SCENARIOS, 'promote-good')).outcome).toEqual({ result: 'promoted' });
    expect(loadPromoteConfig(join(SCENARIOS, 'promote-flaky')).outcome).toEqual({ result: 'rolled-back', gate: 'error', weight: 5 });
    expect(loadPromoteConfig(join(SCENARIOS, 'promote-slow')).outcome).toEqual({ result: 'rolled-back', gate: 'latency', weight: 5 });
  });
});
