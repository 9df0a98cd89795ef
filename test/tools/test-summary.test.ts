// `make test` judges a run as vitest does: an unhandled error (here an AbortError rejected after the
// test's own assertions passed, as generator runs once left behind) fails it, although vitest's JSON
// report counts every test as passed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const SUMMARY = join(ROOT, 'scripts', 'tools', 'test-summary.ts');
const PROBLEMS_REPORTER = join(ROOT, 'scripts', 'tools', 'vitest-problems.ts');

describe('test-summary (the verdict of make test)', () => {
  mkdirSync(join(ROOT, '.tools'), { recursive: true });
  // Inside the repository, so the fixture resolves `vitest` from its node_modules.
  const dir = mkdtempSync(join(ROOT, '.tools', 'summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs vitest on one test file the way the Makefile does; returns the report path. */
  const runVitest = (name: string, body: string): { report: string; exit: number } => {
    const sub = join(dir, name);
    mkdirSync(sub);
    writeFileSync(join(sub, `${name}.test.ts`), body);
    const report = join(sub, 'results.json');
    const r = spawnSync(process.execPath, [VITEST, 'run', '--root', sub, '--reporter=json', `--reporter=${PROBLEMS_REPORTER}`, `--outputFile.json=${report}`], {
      encoding: 'utf8',
      env: { ...process.env, CI: '', VITEST_PROBLEMS_FILE: `${report}.problems.json` },
    });
    writeFileSync(`${report}.exit`, `${r.status}\n`);
    return { report, exit: r.status ?? -1 };
  };
  const summary = (...reports: string[]) => spawnSync(process.execPath, [SUMMARY, ...reports], { encoding: 'utf8' });

  it('fails a run whose tests all passed but that left unhandled errors behind', () => {
    const { report, exit } = runVitest(
      'unhandled',
      `import { expect, it } from 'vitest';
it('passes, then an AbortError is rejected with no handler', async () => {
  setTimeout(() => void Promise.reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })), 1);
  await new Promise((r) => setTimeout(r, 100));
  expect(1).toBe(1);
});
`,
    );
    expect(exit).toBe(1); // vitest's own verdict
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ numPassedTests: 1, numFailedTests: 0 }); // what the JSON says
    const r = summary(report);
    expect(r.stdout).toContain('tests: 1 passed, 0 failed, 0 skipped');
    expect(r.stderr).toMatch(/vitest exited with code 1 .* although no test failed: unhandled errors/);
    // The error itself, at the end of the log where a CI reader looks, not only far above it.
    expect(r.stderr).toMatch(/unhandled error in .*: outside any test: AbortError: This operation was aborted/);
    expect(r.status).toBe(1);
  }, 60_000);

  it('fails a run whose beforeAll threw, naming the suite, its error and the tests that did not run', () => {
    const { report, exit } = runVitest(
      'hook',
      `import { beforeAll, describe, expect, it } from 'vitest';
describe('needs a server', () => {
  beforeAll(() => { throw new Error('listen EADDRINUSE: address already in use :::21001'); });
  it('answers', () => expect(1).toBe(1));
  it('answers again', () => expect(1).toBe(1));
});
it('stands alone', () => expect(1).toBe(1));
`,
    );
    expect(exit).toBe(1);
    // The JSON report counts no failed test: the suite's two tests are "pending".
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ numPassedTests: 1, numFailedTests: 0, numPendingTests: 2 });
    const r = summary(report);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('tests: 1 passed, 0 failed, 2 skipped');
    expect(r.stderr).toMatch(
      /suite error \(a beforeAll\/afterAll hook\) in .*: hook\.test\.ts > needs a server: listen EADDRINUSE: address already in use :::21001/,
    );
    expect(r.stderr).toMatch(/hook\.test\.ts:3/);
    expect(r.stdout).toContain('skipped: hook.test.ts > needs a server > answers\n');
    expect(r.stdout).toContain('skipped: hook.test.ts > needs a server > answers again\n');
  }, 60_000);

  it('passes a clean run', () => {
    const { report, exit } = runVitest('clean', `import { expect, it } from 'vitest';\nit('passes', () => expect(1).toBe(1));\n`);
    expect(exit).toBe(0);
    const r = summary(report);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('tests: 1 passed, 0 failed, 0 skipped');
  }, 60_000);

  it("the Makefile keeps each vitest run's exit code next to its report", () => {
    const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
    for (const report of ['.tools/test-results.json', '.tools/e2e-results.json']) {
      expect(makefile).toContain(`--outputFile.json=${report} || rc=$$?; echo $$rc > ${report}.exit`);
      expect(makefile).toContain(`VITEST_PROBLEMS_FILE=${report}.problems.json vitest run`);
    }
    expect(makefile).not.toMatch(/vitest run[^\n]*\|\| true/);
    expect(makefile.match(/--reporter=\.\/scripts\/tools\/vitest-problems\.ts/g)).toHaveLength(2);
  });
});
