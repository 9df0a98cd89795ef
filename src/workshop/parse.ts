// Reads the workshop (docs/workshop/README.md) with a CommonMark parser (mdast-util-from-markdown)
// into parts and steps: what to run, start, type or stop, and what the attendee should see after.
//
// The rules, so that the text and the checks cannot drift apart:
// - a part is a `## N. Title` heading; everything up to the next such heading belongs to it;
// - every command block (```sh, bash, shell, console, or no language) has a marker right above
//   it: run, start, type, or manual with a reason; an unmarked one is an error;
// - a paragraph that starts with "You should see" checks each `code span` in it (text; `...` is
//   any text on the line) against the output of the step above it; `<!-- workshop: expect ... -->`
//   adds a check that the prose says in words; either with no step above it in its part is an error.
import type { Code, Html, Nodes, Paragraph, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { looksLikeMarker, parseMarker, parsePorts, textPattern, WorkshopError, type Marker, type PartNeed } from './markers.ts';

export interface Expectation {
  /** As written: the code span's text, or the expect marker's argument. */
  text: string;
  pattern: RegExp;
  line: number;
}

interface StepBase {
  line: number;
  expectations: Expectation[];
  /** How long the checks may wait for the output (s). */
  waitS: number;
}
export interface RunStep extends StepBase {
  kind: 'run';
  command: string;
  exit: number;
  timeoutS: number;
}
export interface StartStep extends StepBase {
  kind: 'start';
  /** One process per command line, named in the marker's order. */
  processes: Array<{ name: string; command: string }>;
  ports: number[];
}
export interface TypeStep extends StepBase {
  kind: 'type';
  name: string;
  lines: string[];
}
export interface StopStep extends StepBase {
  kind: 'stop';
  names: string[];
  exit?: number;
  timeoutS: number;
}
export type Step = RunStep | StartStep | TypeStep | StopStep;

export interface Part {
  /** The number in the heading, e.g. "3". */
  id: string;
  title: string;
  line: number;
  steps: Step[];
  /** Command blocks shown but not run, with the reason. */
  manual: Array<{ line: number; reason: string }>;
  /** What the part needs that `make workshop` does not set up (`<!-- workshop: needs cluster -->`):
   * such a part runs only when named (make workshop PART=N). */
  needs?: PartNeed;
}

export interface Workshop {
  file: string;
  parts: Part[];
}

export const DEFAULT_RUN_TIMEOUT_S = 600;
export const DEFAULT_WAIT_S = 60;
export const DEFAULT_STOP_TIMEOUT_S = 30;
const COMMAND_LANGS = new Set(['sh', 'bash', 'shell', 'console', '']);
const PART_HEADING = /^(\d+)\.\s+(.+)$/;

export function parseWorkshop(markdown: string, file = 'docs/workshop/README.md'): Workshop {
  const tree = fromMarkdown(markdown);
  const nodes = flatten(tree);
  const parts: Part[] = [];
  const at = (line: number) => `${file}:${line}`;
  let part: Part | undefined;
  let pending: Marker | undefined;
  /** The step the next "You should see" belongs to. */
  let last: Step | undefined;

  const needPart = (line: number, what: string): Part => {
    if (!part) throw new WorkshopError(`${at(line)}: ${what} before the first part heading (## 1. Title)`);
    return part;
  };
  const seeAttachTo = (line: number, what: string): Step => {
    if (!last)
      throw new WorkshopError(`${at(line)}: ${what}, but no step above it in this part runs anything: put a marked block (<!-- workshop: run -->) before it`);
    return last;
  };

  for (const node of nodes) {
    const line = node.position?.start.line ?? 0;
    if (pending && node.type !== 'code') {
      throw new WorkshopError(
        `${at(pending.line)}: the marker "${pending.verb}" is not followed by a code block (line ${line} is a ${node.type}): put it right above the \`\`\` fence`,
      );
    }
    if (node.type === 'heading' && node.depth === 2) {
      const text = plainText(node);
      const m = PART_HEADING.exec(text);
      if (m) {
        part = { id: m[1]!, title: m[2]!, line, steps: [], manual: [] };
        if (parts.some((p) => p.id === part!.id)) throw new WorkshopError(`${at(line)}: part ${part.id} appears twice: number the parts once each`);
        parts.push(part);
      } else part = undefined;
      last = undefined;
      continue;
    }
    if (node.type === 'html') {
      if (!looksLikeMarker(node.value)) continue;
      const marker = parseMarker(node.value, file, line);
      const p = needPart(line, `the marker "${marker.verb}"`);
      if (marker.verb === 'needs') {
        if (p.needs) throw new WorkshopError(`${at(line)}: part ${p.id} already says what it needs: one "needs" marker per part`);
        p.needs = marker.words[0] as PartNeed;
      } else if (marker.verb === 'expect') {
        const step = seeAttachTo(line, 'an expect marker');
        step.expectations.push({ text: marker.expectation!.text, pattern: marker.expectation!.pattern, line });
      } else if (marker.verb === 'stop') {
        last = {
          kind: 'stop',
          line,
          names: marker.words,
          ...(marker.options.exit !== undefined ? { exit: Number(marker.options.exit) } : {}),
          timeoutS: Number(marker.options.timeout ?? DEFAULT_STOP_TIMEOUT_S),
          expectations: [],
          waitS: DEFAULT_WAIT_S,
        };
        p.steps.push(last);
      } else pending = marker;
      continue;
    }
    if (node.type === 'code') {
      const lang = (node.lang ?? '').toLowerCase();
      if (!pending) {
        if (COMMAND_LANGS.has(lang)) {
          throw new WorkshopError(
            `${at(line)}: this command block has no workshop marker: put <!-- workshop: run --> (or start NAME, type NAME, or manual REASON) right above it`,
          );
        }
        continue;
      }
      const marker = pending;
      pending = undefined;
      const p = needPart(line, 'a marked block');
      if (marker.verb === 'manual') {
        p.manual.push({ line, reason: marker.words[0]! });
        last = undefined;
        continue;
      }
      last = stepFromBlock(marker, node, file);
      p.steps.push(last);
      continue;
    }
    if (node.type === 'paragraph') {
      for (const child of node.children) {
        if (child.type === 'html' && looksLikeMarker(child.value)) {
          throw new WorkshopError(
            `${at(child.position?.start.line ?? line)}: a workshop marker inside a paragraph is not read: put it on its own line with a blank line before it`,
          );
        }
      }
      if (!/^you should see\b/i.test(plainText(node).trim())) continue;
      const step = seeAttachTo(line, 'a "You should see" paragraph');
      const spans = node.children.filter((c) => c.type === 'inlineCode');
      if (spans.length === 0) {
        throw new WorkshopError(
          `${at(line)}: a "You should see" paragraph with nothing to check: quote what appears as \`code\`, or add <!-- workshop: expect /regex/ -->`,
        );
      }
      for (const span of spans) step.expectations.push({ text: span.value, pattern: textPattern(span.value), line: span.position?.start.line ?? line });
    }
  }
  if (pending)
    throw new WorkshopError(
      `${at(pending.line)}: the marker "${pending.verb}" is not followed by a code block (the file ends): put it right above the \`\`\` fence`,
    );
  return { file, parts };
}

function stepFromBlock(marker: Marker, node: Code, file: string): Step {
  const line = node.position?.start.line ?? marker.line;
  const where = `${file}:${line}`;
  const waitS = Number(marker.options.wait ?? DEFAULT_WAIT_S);
  if (node.value.trim() === '') throw new WorkshopError(`${where}: the block under "${marker.verb}" is empty`);
  switch (marker.verb) {
    case 'run':
      return {
        kind: 'run',
        line,
        command: node.value,
        exit: Number(marker.options.exit ?? 0),
        timeoutS: Number(marker.options.timeout ?? DEFAULT_RUN_TIMEOUT_S),
        waitS,
        expectations: [],
      };
    case 'start': {
      const commands = commandLines(node.value);
      if (commands.length !== marker.words.length) {
        throw new WorkshopError(
          `${where}: "start ${marker.words.join(' ')}" names ${marker.words.length} process(es) but the block has ${commands.length} command line(s): one name per line`,
        );
      }
      return {
        kind: 'start',
        line,
        processes: commands.map((command, i) => ({ name: marker.words[i]!, command })),
        ports: marker.options.ports ? parsePorts(marker.options.ports, where) : [],
        waitS,
        expectations: [],
      };
    }
    case 'type':
      return { kind: 'type', line, name: marker.words[0]!, lines: node.value.split('\n').filter((l) => l.trim() !== ''), waitS, expectations: [] };
    default:
      throw new WorkshopError(`${where}: "${marker.verb}" does not take a block`);
  }
}

/** The commands of a block: one per line, `\` continuations joined, blank lines and comments dropped. */
export function commandLines(block: string): string[] {
  return block
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Document order, descending into lists and block quotes, so markers and paragraphs in a list count too. */
function flatten(
  root: Root,
): Array<
  Code | Html | Paragraph | Extract<Nodes, { type: 'heading' }> | Extract<Nodes, { type: 'list' | 'table' | 'blockquote' | 'thematicBreak' | 'definition' }>
> {
  const out: ReturnType<typeof flatten> = [];
  const walk = (node: Nodes) => {
    switch (node.type) {
      case 'root':
      case 'list':
      case 'listItem':
      case 'blockquote':
        for (const child of node.children) walk(child as Nodes);
        return;
      case 'code':
      case 'html':
      case 'paragraph':
      case 'heading':
      case 'table':
      case 'thematicBreak':
      case 'definition':
        out.push(node);
        return;
      default:
        return;
    }
  };
  walk(root);
  return out;
}

function plainText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(plainText).join('');
  return '';
}
