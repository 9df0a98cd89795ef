// The runner against small real shell commands (echo, cat, sleep): what passes, what fails, and
// that a step after a failure is reported as not run.
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorkshop } from './parse.ts';
import { runWorkshop, type RunResult } from './runner.ts';

const doc = (...lines: string[]) => lines.join('\n');
const run = (markdown: string, parts?: string[]): Promise<RunResult> =>
  runWorkshop(parseWorkshop(markdown, 'w.md'), { cwd: tmpdir(), ...(parts ? { parts } : {}), timeScale: 0.05 });
const statuses = (r: RunResult) => r.steps.map((s) => s.status);

describe('runWorkshop', () => {
  it('runs blocks, starts a process, types at it, stops it, and checks what each step should show', async () => {
    const r = await run(
      doc(
        '## 1. A',
        '<!-- workshop: run -->',
        '```sh',
        'echo "PASS weighted-90-10 (local): 3/3 checks passed"',
        '```',
        'You should see `PASS weighted-90-10 ...: 3/3 checks passed`.',
        '<!-- workshop: start echoer -->',
        '```sh',
        'echo ready; while read -r line; do echo "got $line"; [ "$line" = quit ] && exit 0; done',
        '```',
        'You should see `ready`.',
        '<!-- workshop: type echoer -->',
        '```sh',
        'status',
        'quit',
        '```',
        'You should see `got status` and `got quit`.',
        '<!-- workshop: stop echoer exit=0 -->',
        '<!-- workshop: run exit=3 -->',
        '```sh',
        'echo refused >&2; exit 3',
        '```',
        '<!-- workshop: expect /^refused$/m -->',
      ),
    );
    expect(r.steps.map((s) => s.failure)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(r.passed).toBe(true);
    expect(r.steps.map((s) => s.checks)).toEqual([1, 1, 2, 0, 1]);
  });

  it('fails a step whose "You should see" is not in the output, quotes the output, and does not run the steps after it', async () => {
    const r = await run(
      doc(
        '## 1. A',
        '<!-- workshop: run -->',
        '```sh',
        'echo "FAIL weighted-90-10"',
        '```',
        'You should see `PASS weighted-90-10`.',
        '<!-- workshop: run -->',
        '```sh',
        'echo never',
        '```',
        '## 2. B',
        '<!-- workshop: run -->',
        '```sh',
        'true',
        '```',
      ),
    );
    expect(r.passed).toBe(false);
    expect(statuses(r)).toEqual(['failed', 'not-run', 'passed']);
    expect(r.steps[0]!.failure).toMatch(/line 6: expected to see "PASS weighted-90-10"[\s\S]*not in the output:\n {2}\| FAIL weighted-90-10/);
  });

  it('fails a block that exits with another code than the marker says, or that does not finish in time', async () => {
    const r = await run(
      doc('## 1. A', '<!-- workshop: run -->', '```sh', 'echo oops; exit 1', '```', '## 2. B', '<!-- workshop: run exit=2 -->', '```sh', 'exit 0', '```'),
    );
    expect(statuses(r)).toEqual(['failed', 'failed']);
    expect(r.steps[0]!.failure).toMatch(/^exited with exit code 1, expected 0\n {2}\| oops/);
    expect(r.steps[1]!.failure).toMatch(/^exited with exit code 0, expected 2 \(the marker says exit=2\)/);
    const slow = await run(doc('## 1. A', '<!-- workshop: run timeout=1 -->', '```sh', 'echo started; sleep 30', '```'));
    expect(slow.steps[0]!.failure).toMatch(/^did not finish within 1 s[\s\S]*started/);
  });

  it('fails typing at a process that was never started or has exited, and a stop of an unknown process', async () => {
    const never = await run(doc('## 1. A', '<!-- workshop: type play -->', '```sh', 'status', '```'));
    expect(never.steps[0]!.failure).toBe('nothing named "play" was started in this part: start it first (<!-- workshop: start play -->)');
    const exited = await run(
      doc('## 1. A', '<!-- workshop: start p -->', '```sh', 'echo bye; exit 4', '```', 'You should see `bye`.', '<!-- workshop: stop p exit=0 -->'),
    );
    expect(exited.steps[1]!.failure).toMatch(/^"p" ended with exit code 4, expected exit code 0\n {2}\| bye/);
    const gone = await run(doc('## 1. A', '<!-- workshop: stop p -->'));
    expect(gone.steps[0]!.failure).toMatch(/nothing named "p" was started/);
  });

  it('checks a later step against what every process printed since that step began', async () => {
    const r = await run(
      doc(
        '## 1. A',
        '<!-- workshop: start server -->',
        '```sh',
        'while read -r line; do echo "handled $line"; done',
        '```',
        '<!-- workshop: type server -->',
        '```sh',
        'first',
        '```',
        'You should see `handled first`.',
        '<!-- workshop: run -->',
        '```sh',
        'echo client side',
        '```',
        // Printed before this step began: must not count for it.
        'You should see `handled first`.',
      ),
    );
    expect(statuses(r)).toEqual(['passed', 'passed', 'failed']);
  });

  it('refuses to start while a declared port is in use, and stops every process at the end of a part', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await run(doc('## 1. A', `<!-- workshop: start p ports=${port} -->`, '```sh', 'sleep 30', '```'));
      expect(r.steps[0]!.failure).toMatch(new RegExp(`^port ${port} is in use`));
    } finally {
      server.close();
    }
    const pidFile = join(mkdtempSync(join(tmpdir(), 'workshop-')), 'pid');
    const r = await run(doc('## 1. A', '<!-- workshop: start p -->', '```sh', `echo $$ > ${pidFile}; echo up; exec sleep 300`, '```', 'You should see `up`.'));
    expect(r.passed).toBe(true);
    // The part's end stopped it: the process is gone.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });

  it('runs only the parts asked for, and names an unknown one', async () => {
    const md = doc('## 1. A', '<!-- workshop: run -->', '```sh', 'exit 1', '```', '## 2. B', '<!-- workshop: run -->', '```sh', 'true', '```');
    const r = await run(md, ['2']);
    expect(r.parts).toEqual(['2']);
    expect(statuses(r)).toEqual(['passed']);
    await expect(run(md, ['9'])).rejects.toThrow('w.md has no part 9; its parts: 1, 2');
  });
});
