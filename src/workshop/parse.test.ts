import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMarker, textPattern, WorkshopError } from './markers.ts';
import { commandLines, parseWorkshop } from './parse.ts';

const doc = (...lines: string[]) => lines.join('\n');
const fails = (markdown: string) => () => parseWorkshop(markdown, 'w.md');

describe('parseWorkshop', () => {
  it('reads parts, steps, their options and the "You should see" checks after them', () => {
    const w = parseWorkshop(
      doc(
        '# Title',
        '## 1. First',
        '<!-- workshop: run exit=2 timeout=5 -->',
        '```sh',
        'make demo SCENARIO=x',
        '```',
        '',
        'You should see `PASS x` and `applied x: ...`, then more prose.',
        '',
        '<!-- workshop: expect /v1 +9\\d\\.\\d%/ -->',
        '',
        '## 2. Second',
        '<!-- workshop: start v1 v2 ports=8070,8080-8081 -->',
        '```sh',
        'GREETER_PORT=1 node a.ts',
        'GREETER_PORT=2 \\',
        '  node a.ts   # a comment',
        '```',
        '- a list item',
        '',
        '  <!-- workshop: type v1 wait=9 -->',
        '  ```sh',
        '  status',
        '  verify',
        '  ```',
        '',
        '  You should see `verdict`.',
        '',
        '<!-- workshop: stop v1 v2 -->',
        '',
        '<!-- workshop: manual needs a kind cluster -->',
        '```sh',
        'make cluster-up',
        '```',
      ),
      'w.md',
    );
    expect(w.parts.map((p) => [p.id, p.title])).toEqual([
      ['1', 'First'],
      ['2', 'Second'],
    ]);
    const [run] = w.parts[0]!.steps;
    expect(run).toMatchObject({ kind: 'run', command: 'make demo SCENARIO=x', exit: 2, timeoutS: 5, line: 4 });
    expect(run!.expectations.map((e) => e.text)).toEqual(['PASS x', 'applied x: ...', '/v1 +9\\d\\.\\d%/']);
    expect(run!.expectations[2]!.pattern.test('default  v1  91.5%')).toBe(true);
    const [start, type, stop] = w.parts[1]!.steps;
    expect(start).toMatchObject({
      kind: 'start',
      ports: [8070, 8080, 8081],
      processes: [
        { name: 'v1', command: 'GREETER_PORT=1 node a.ts' },
        { name: 'v2', command: 'GREETER_PORT=2 node a.ts   # a comment' },
      ],
    });
    expect(type).toMatchObject({ kind: 'type', name: 'v1', lines: ['status', 'verify'], waitS: 9 });
    expect(type!.expectations.map((e) => e.text)).toEqual(['verdict']);
    expect(stop).toMatchObject({ kind: 'stop', names: ['v1', 'v2'] });
    expect(w.parts[1]!.manual).toEqual([{ line: 32, reason: 'needs a kind cluster' }]);
  });

  it('refuses a marker that is not followed by a code block, naming its line', () => {
    expect(fails(doc('## 1. A', '<!-- workshop: run -->', '', 'Some prose.', '```sh', 'ls', '```'))).toThrow(
      /^w\.md:2: the marker "run" is not followed by a code block \(line 4 is a paragraph\)/,
    );
    expect(fails(doc('## 1. A', '<!-- workshop: start play -->'))).toThrow(/w\.md:2: the marker "start" is not followed by a code block \(the file ends\)/);
  });

  it('refuses a command block without a marker, so no command in the text goes unchecked', () => {
    expect(fails(doc('## 1. A', '```sh', 'make demo', '```'))).toThrow(/w\.md:2: this command block has no workshop marker/);
    // Output samples and YAML are not commands.
    expect(parseWorkshop(doc('## 1. A', '```text', 'PASS', '```', '```yaml', 'a: 1', '```')).parts[0]!.steps).toEqual([]);
  });

  it('refuses a "You should see" with no step above it in its part, or with nothing quoted to check', () => {
    expect(fails(doc('## 1. A', 'You should see `x`.'))).toThrow(/w\.md:2: a "You should see" paragraph, but no step above it in this part runs anything/);
    // A step of the previous part does not count: parts run on their own.
    expect(fails(doc('## 1. A', '<!-- workshop: run -->', '```sh', 'ls', '```', '## 2. B', 'You should see `x`.'))).toThrow(/w\.md:7: a "You should see"/);
    // Nor does a manual block.
    expect(fails(doc('## 1. A', '<!-- workshop: manual cluster -->', '```sh', 'ls', '```', 'You should see `x`.'))).toThrow(/w\.md:6:/);
    expect(fails(doc('## 1. A', '<!-- workshop: run -->', '```sh', 'ls', '```', 'You should see the page change.'))).toThrow(
      /w\.md:6: a "You should see" paragraph with nothing to check/,
    );
  });

  it('refuses malformed markers with the fix', () => {
    const bad: Array<[string, RegExp]> = [
      ['<!-- workshop: runn -->', /w\.md:2: unknown workshop marker "runn"; use one of run, start, type, stop, expect, manual/],
      ['<!-- workshop: run exit=two -->', /exit=two must be a whole number \(an exit code\)/],
      ['<!-- workshop: run retries=3 -->', /"run" takes no option "retries"; its options: exit, timeout, wait/],
      ['<!-- workshop: start -->', /"start" needs the process name\(s\)/],
      ['<!-- workshop: type a b -->', /"type" needs exactly one process name/],
      ['<!-- workshop: start Play -->', /process name "Play" must be lowercase/],
      ['<!-- workshop: start play ports=80x -->', /ports=80x: "80x" is not a port/],
      ['<!-- workshop: manual -->', /"manual" needs a reason/],
      ['<!-- workshop: expect v1 -->', /expect needs "text" \(in double quotes; \.\.\. for any text\) or \/regex\//],
      ['<!-- workshop: expect /(/ -->', /is not a valid regular expression/],
      ['<!-- workshop: needs docker -->', /"needs" takes one of cluster, e\.g\. <!-- workshop: needs cluster -->; got "docker"/],
    ];
    for (const [marker, error] of bad) {
      expect(fails(doc('## 1. A', marker, '```sh', 'ls', '```')), marker).toThrow(error);
    }
    expect(fails(doc('## 1. A', 'text <!-- workshop: run --> more'))).toThrow(/w\.md:2: a workshop marker inside a paragraph is not read/);
    expect(fails(doc('<!-- workshop: run -->', '```sh', 'ls', '```'))).toThrow(/before the first part heading/);
    expect(fails(doc('## 1. A', '<!-- workshop: start a b -->', '```sh', 'one', '```'))).toThrow(/names 2 process\(es\) but the block has 1 command line/);
    expect(fails(doc('## 1. A', '## 1. B'))).toThrow(/part 1 appears twice/);
    expect(fails(doc('## 1. A', '<!-- workshop: needs cluster -->', '<!-- workshop: needs cluster -->'))).toThrow(/w\.md:3: part 1 already says what it needs/);
  });

  it('reads what a part needs from its "needs" marker', () => {
    const w = parseWorkshop(
      doc(
        '## 1. A',
        '<!-- workshop: run -->',
        '```sh',
        'ls',
        '```',
        '## 2. B',
        '<!-- workshop: needs cluster -->',
        '<!-- workshop: run -->',
        '```sh',
        'ls',
        '```',
      ),
      'w.md',
    );
    expect(w.parts.map((p) => p.needs)).toEqual([undefined, 'cluster']);
    expect(w.parts[1]!.steps).toHaveLength(1);
  });

  it('treats `...` in a quoted text as any text on the same line, and everything else literally', () => {
    const p = textPattern('applied weighted-70-30: ... (x)');
    expect(p.test('[dashboard] applied weighted-70-30: A canary (x)')).toBe(true);
    expect(p.test('applied weighted-70-30:\n (x)')).toBe(false);
    expect(textPattern('a.b').test('axb')).toBe(false);
    expect(parseMarker('<!-- workshop: expect "3 of ... passed" -->', 'w.md', 1).expectation!.pattern.test('3 of 4 passed')).toBe(true);
  });

  it('joins continued lines and drops comments and blank lines of a start block', () => {
    expect(commandLines('a \\\n  b\n\n# note\nc')).toEqual(['a b', 'c']);
  });

  it('parses the real workshop, with every step in a numbered part', () => {
    const w = parseWorkshop(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'workshop', 'README.md'), 'utf8'));
    expect(w.parts.map((p) => p.id)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    // Every part has steps with checks; part 11 (kind + Istio) is the one that needs a cluster.
    for (const part of w.parts.filter((p) => p.id !== '9')) {
      expect(part.steps.filter((s) => s.expectations.length > 0).length, `part ${part.id}`).toBeGreaterThan(0);
    }
    expect(w.parts.filter((p) => p.needs).map((p) => [p.id, p.needs])).toEqual([['11', 'cluster']]);
  });

  it('throws WorkshopError, which the command reports with exit code 2', () => {
    expect(fails('## 1. A\n<!-- workshop: nope -->')).toThrow(WorkshopError);
  });
});
