/**
 * A promotion's settings: scenarios/<name>/expect/promote.yaml (next to expect.yaml, so
 * `kubectl apply -f scenarios/<name>/` never reads it), optionally overridden on the command line.
 * Every problem is a ScenarioError naming the file (or flag), the field and the fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ScenarioError, displayPath, fieldPath } from '../scenarios/errors.ts';

export const PROMOTE_PATH = join('expect', 'promote.yaml');
export const DEFAULT_SCHEDULE: readonly number[] = [5, 10, 25, 50, 100];
/** The version that runs now and the one being promoted: the DestinationRule subsets and pod labels. */
export const STABLE = 'v1';
export const CANARY = 'v2';

const share = z.number().gt(0, 'must be above 0').lt(1, 'must be below 1');

export const PromoteSchema = z
  .object({
    /** v2's weight (percent) at each step; must increase and end at 100. */
    schedule: z.array(z.number()).default([...DEFAULT_SCHEDULE]),
    /** Chance that a good v2 (no worse than v1) is rolled back, over the whole promotion. */
    alpha: share.default(0.01),
    /** Chance that each gate catches a v2 that is worse by its margin, at each step. */
    power: share.default(0.99),
    errors: z
      .object({
        /** v1's failure share the sample sizes are planned for. */
        baseline: z.number().min(0).lt(1).default(0.01),
        /** v2 failing this much more than v1 (absolute share) is caught with `power`. */
        margin: share.default(0.05),
      })
      .strict()
      .default({ baseline: 0.01, margin: 0.05 }),
    latency: z
      .object({
        /** v2's p99 may be at most this factor times v1's. */
        p99Factor: z.number().min(1).default(2),
        /** v1's p99 is taken as at least this (ms): a factor of a sub-millisecond p99 is noise. */
        floorMs: z.number().min(0).default(10),
        /** A v2 with 1% + margin of its calls above the bound is caught with `power`. */
        margin: share.default(0.05),
      })
      .strict()
      .default({ p99Factor: 2, floorMs: 10, margin: 0.05 }),
    split: z
      .object({
        /** A split off the weight by this much (absolute share) is caught with `power`. */
        delta: share.default(0.1),
      })
      .strict()
      .default({ delta: 0.1 }),
    /** Longest wait for one step's planned calls; a step without its evidence rolls back. */
    stepTimeoutS: z.number().positive().default(120),
    /** What the e2e test expects of this demonstration (not used by `canarykit promote`). */
    outcome: z
      .object({
        result: z.enum(['promoted', 'rolled-back']),
        gate: z.enum(['error', 'latency', 'split', 'evidence']).optional(),
        weight: z.number().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type PromoteConfig = z.infer<typeof PromoteSchema>;
export type PromoteConfigInput = z.input<typeof PromoteSchema>;

/** Problems of a schedule, each with its field and fix (empty when it is good). */
export function scheduleProblems(schedule: readonly number[]): Array<{ field: string; reason: string }> {
  const out: Array<{ field: string; reason: string }> = [];
  if (schedule.length === 0) return [{ field: 'schedule', reason: 'is empty' }];
  schedule.forEach((w, i) => {
    if (!Number.isInteger(w) || w <= 0 || w > 100) out.push({ field: `schedule[${i}]`, reason: `${w} is not a whole percent from 1 to 100` });
    else if (i > 0 && w <= schedule[i - 1]!)
      out.push({ field: `schedule[${i}]`, reason: `${w} follows ${schedule[i - 1]}: the weight of v2 must increase at every step` });
  });
  if (schedule[schedule.length - 1] !== 100)
    out.push({
      field: `schedule[${schedule.length - 1}]`,
      reason: `the last step is ${schedule[schedule.length - 1]}, not 100: a promotion ends with every call on v2`,
    });
  return out;
}

const SCHEDULE_FIX = 'give increasing whole percents ending at 100, e.g. 5,10,25,50,100';

/** A `--schedule 5,10,25,50,100` value, checked. */
export function parseScheduleFlag(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const schedule = parts.map(Number);
  const bad = parts.findIndex((s, i) => s === '' || Number.isNaN(schedule[i]!));
  if (bad >= 0) throw new ScenarioError({ file: '--schedule', field: `step ${bad + 1}`, reason: `"${parts[bad]}" is not a number`, fix: SCHEDULE_FIX });
  const problems = scheduleProblems(schedule);
  if (problems.length > 0)
    throw ScenarioError.combine(
      problems.map((p) => new ScenarioError({ file: '--schedule', field: p.field.replace(/^schedule/, ''), reason: p.reason, fix: SCHEDULE_FIX })),
    );
  return schedule;
}

/** Check a settings object (from a file or built in code); `file` is what errors name. */
export function checkPromoteConfig(raw: unknown, file: string): PromoteConfig {
  const result = PromoteSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw ScenarioError.combine(
      result.error.issues.map(
        (i) => new ScenarioError({ file, field: fieldPath(i.path), reason: i.message, fix: 'see docs/promote.md for the promote.yaml format' }),
      ),
    );
  }
  const problems = scheduleProblems(result.data.schedule);
  if (problems.length > 0) throw ScenarioError.combine(problems.map((p) => new ScenarioError({ file, field: p.field, reason: p.reason, fix: SCHEDULE_FIX })));
  return result.data;
}

/** The promotion settings of a scenario folder: its expect/promote.yaml, or the defaults when it has none. */
export function loadPromoteConfig(dir: string): PromoteConfig {
  const path = join(dir, PROMOTE_PATH);
  if (!existsSync(path)) return checkPromoteConfig({}, displayPath(path));
  const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ScenarioError({
      file: displayPath(path),
      field: '',
      reason: `malformed YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
      fix: 'fix the YAML syntax',
    });
  }
  return checkPromoteConfig(doc.toJS(), displayPath(path));
}
