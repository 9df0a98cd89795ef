// Prints vitest's JSON report as one closing line, `tests: N passed, N failed, N skipped`, which
// CI logs and people read alike. Exit code 1 when anything failed or no test ran.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tools/test-results.json';
const report = JSON.parse(readFileSync(file, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
const skipped = report.numPendingTests + report.numTodoTests;
process.stdout.write(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped\n`);
process.exitCode = report.numFailedTests > 0 || report.numPassedTests === 0 ? 1 : 0;
