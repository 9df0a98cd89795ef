// Prints vitest's JSON reports (one per run) as one closing line, `tests: N passed, N failed,
// N skipped`, which CI logs and people read alike. Exit code 1 when anything failed, a report is
// missing (its run crashed), no test ran, or vitest itself failed a run: `<report>.exit` holds that
// run's exit code, and vitest exits 1 on unhandled errors (an unhandled rejection, an error thrown
// after a test ended) that the JSON report does not count. A run is judged as vitest judges it.
// `<report>.problems.json` (scripts/tools/vitest-problems.ts) names what failed a run without
// failing a test (a hook that threw or timed out, an unhandled error) and the tests that did not
// run: they are printed here, at the end of the log, where a reader of its last lines looks.
import { existsSync, readFileSync } from 'node:fs';
import type { ProblemsFile } from './vitest-problems.ts';

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const files = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;
for (const file of files) {
  if (!existsSync(file)) {
    process.stderr.write(`test-summary: ${file} is missing: that vitest run did not finish (see its output above)\n`);
    broken = true;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  const exitFile = `${file}.exit`;
  const exit = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8').trim()) : 0;
  if (exit !== 0 && report.numFailedTests === 0) {
    process.stderr.write(
      `test-summary: vitest exited with code ${exit} for ${file} although no test failed: unhandled errors or a crashed worker (see "Unhandled Errors" in its output above); they fail the run\n`,
    );
    broken = true;
  } else if (exit !== 0) {
    broken = true;
  }
  const problemsFile = `${file}.problems.json`;
  if (existsSync(problemsFile)) {
    const { problems, skipped: notRun } = JSON.parse(readFileSync(problemsFile, 'utf8')) as ProblemsFile;
    for (const p of problems) {
      const what = p.kind === 'unhandled' ? 'unhandled error' : p.kind === 'suite' ? 'suite error (a beforeAll/afterAll hook)' : 'file error';
      process.stderr.write(`test-summary: ${what} in ${file}: ${p.where}: ${p.message}\n${p.stack ? `${p.stack}\n` : ''}`);
    }
    for (const name of notRun) process.stdout.write(`skipped: ${name}\n`);
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  // A file that failed to load counts no failed test but fails the run.
  if (!report.success && report.numFailedTests === 0) broken = true;
}
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 || broken || passed === 0 ? 1 : 0;
