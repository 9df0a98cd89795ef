// A vitest reporter that records what vitest's JSON report leaves out: errors of suites and
// modules (a beforeAll/afterAll that threw or timed out, a file that failed to load) and
// unhandled errors (a rejection nobody awaited, an error thrown after its test ended). Those fail
// a run without failing any test, and in a long CI log they scroll far above its last lines.
// scripts/tools/test-summary.ts prints them again at the end, beside the count.
// Use: vitest run --reporter=default --reporter=./scripts/tools/vitest-problems.ts
//      (output file: $VITEST_PROBLEMS_FILE, default .tools/vitest-problems.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export interface Problem {
  /** Where: `file`, or `file > suite` for a suite's hook. */
  readonly where: string;
  readonly kind: 'module' | 'suite' | 'unhandled';
  readonly message: string;
  /** The first frames of the stack, for a reader with only the CI log's tail. */
  readonly stack?: string;
}

export interface ProblemsFile {
  readonly reason: TestRunEndReason;
  readonly problems: readonly Problem[];
  /** Tests that did not run, with where they are: a skipped test is a fact worth listing. */
  readonly skipped: readonly string[];
}

interface ErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly stack?: string;
  readonly stacks?: readonly { readonly file: string; readonly line: number; readonly method?: string }[];
}

function describeError(error: unknown): { message: string; stack?: string } {
  const e = (error ?? {}) as ErrorLike;
  const message = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(error)}`;
  const frames = e.stacks?.slice(0, 4).map((f) => `    at ${f.method ? `${f.method} ` : ''}${f.file}:${f.line}`);
  const stack = frames && frames.length > 0 ? frames.join('\n') : e.stack?.split('\n').slice(1, 5).join('\n');
  return stack ? { message, stack } : { message };
}

export default class ProblemsReporter implements Reporter {
  readonly #file = process.env.VITEST_PROBLEMS_FILE ?? '.tools/vitest-problems.json';

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason: TestRunEndReason): void {
    const problems: Problem[] = [];
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const error of module.errors()) problems.push({ where: module.relativeModuleId, kind: 'module', ...describeError(error) });
      for (const suite of module.children.allSuites()) {
        for (const error of suite.errors()) {
          problems.push({ where: `${module.relativeModuleId} > ${suite.fullName}`, kind: 'suite', ...describeError(error) });
        }
      }
      for (const test of module.children.allTests('skipped')) skipped.push(`${module.relativeModuleId} > ${test.fullName}`);
    }
    for (const error of unhandledErrors) problems.push({ where: 'outside any test', kind: 'unhandled', ...describeError(error) });
    const record: ProblemsFile = { reason, problems, skipped };
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(this.#file, `${JSON.stringify(record, null, 2)}\n`);
  }
}
