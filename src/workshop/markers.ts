// The workshop's markers: HTML comments, invisible on GitHub, that say what the runner does with
// the code block below them (or, for `stop` and `expect`, at that point of the text).
//
//   <!-- workshop: run [exit=N] [timeout=S] [wait=S] -->        run the block with bash, expect exit N (0)
//   <!-- workshop: start NAME... [ports=8070,8080-8083] [wait=S] -->
//                                                               one long-running process per command line
//   <!-- workshop: type NAME [wait=S] -->                       type the block's lines at NAME's stdin (a prompt)
//   <!-- workshop: stop NAME... [exit=N] [timeout=S] -->        Ctrl-C (SIGINT) to each, unless it has exited
//   <!-- workshop: expect "text" | /regex/flags -->             one more check on the step above
//   <!-- workshop: manual REASON... -->                         the block below is not run (says why)
//   <!-- workshop: needs cluster -->                            the part needs a kind cluster (make cluster-up
//                                                               deploy first): run only when named (--part N)
//
// A marker that is malformed names its line and the fix; nothing runs until the whole file parses.

export type MarkerVerb = 'run' | 'start' | 'type' | 'stop' | 'expect' | 'manual' | 'needs';

export interface Marker {
  verb: MarkerVerb;
  /** Bare words after the verb (names, or the manual reason). */
  words: string[];
  options: Record<string, string>;
  /** For `expect`: the check, as a pattern. */
  expectation?: { text: string; pattern: RegExp };
  line: number;
}

const OPTIONS: Record<MarkerVerb, readonly string[]> = {
  run: ['exit', 'timeout', 'wait'],
  start: ['ports', 'wait'],
  type: ['wait'],
  stop: ['exit', 'timeout'],
  expect: [],
  manual: [],
  needs: [],
};

/** What a part may need that `make workshop` does not set up: a kind cluster with the greeter deployed. */
export const PART_NEEDS = ['cluster'] as const;
export type PartNeed = (typeof PART_NEEDS)[number];

export class WorkshopError extends Error {
  override name = 'WorkshopError';
}

const MARKER = /^<!--\s*workshop:\s*([\s\S]*?)\s*-->$/;

/** True when an HTML node is meant as a marker (so a malformed one is an error, not prose). */
export function looksLikeMarker(html: string): boolean {
  return /<!--\s*workshop\b/.test(html);
}

/** Parses one marker comment found at `line` of `file`. */
export function parseMarker(html: string, file: string, line: number): Marker {
  const where = `${file}:${line}`;
  const m = MARKER.exec(html.trim());
  if (!m)
    throw new WorkshopError(
      `${where}: a workshop marker must be one comment on its own lines, <!-- workshop: VERB ... -->; got ${JSON.stringify(html.trim().slice(0, 80))}`,
    );
  const body = m[1]!;
  const verb = body.split(/\s+/)[0] ?? '';
  if (!(verb in OPTIONS)) {
    throw new WorkshopError(`${where}: unknown workshop marker "${verb}"; use one of ${Object.keys(OPTIONS).join(', ')}`);
  }
  const rest = body.slice(verb.length).trim();
  const marker: Marker = { verb: verb as MarkerVerb, words: [], options: {}, line };
  if (verb === 'manual') {
    if (rest === '') throw new WorkshopError(`${where}: "manual" needs a reason, e.g. <!-- workshop: manual needs a kind cluster -->`);
    marker.words = [rest];
    return marker;
  }
  if (verb === 'needs') {
    if (!(PART_NEEDS as readonly string[]).includes(rest))
      throw new WorkshopError(`${where}: "needs" takes one of ${PART_NEEDS.join(', ')}, e.g. <!-- workshop: needs cluster -->; got "${rest}"`);
    marker.words = [rest];
    return marker;
  }
  if (verb === 'expect') {
    marker.expectation = parseExpectArgument(rest, where);
    return marker;
  }
  for (const token of tokenize(rest, where)) {
    const eq = token.indexOf('=');
    if (eq < 0) {
      marker.words.push(token);
      continue;
    }
    const key = token.slice(0, eq);
    if (!OPTIONS[marker.verb].includes(key)) {
      const valid = OPTIONS[marker.verb];
      throw new WorkshopError(`${where}: "${verb}" takes no option "${key}"${valid.length ? `; its options: ${valid.join(', ')}` : ''}`);
    }
    marker.options[key] = token.slice(eq + 1).replace(/^"(.*)"$/, '$1');
  }
  for (const key of ['exit', 'timeout', 'wait']) {
    const v = marker.options[key];
    if (v !== undefined && !/^\d+$/.test(v))
      throw new WorkshopError(`${where}: ${key}=${v} must be a whole number${key === 'exit' ? ' (an exit code)' : ' of seconds'}`);
  }
  if (marker.options.ports !== undefined) parsePorts(marker.options.ports, where);
  const names = marker.words;
  if (verb === 'run' && names.length > 0)
    throw new WorkshopError(`${where}: "run" takes no names (got ${names.join(' ')}); to keep a process running use "start NAME"`);
  if ((verb === 'start' || verb === 'stop') && names.length === 0)
    throw new WorkshopError(`${where}: "${verb}" needs the process name(s), e.g. <!-- workshop: ${verb} play -->`);
  if (verb === 'type' && names.length !== 1) throw new WorkshopError(`${where}: "type" needs exactly one process name, e.g. <!-- workshop: type play -->`);
  for (const name of names) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new WorkshopError(`${where}: process name "${name}" must be lowercase letters, digits and dashes`);
  }
  return marker;
}

/** `8070,8080-8083` as a list of ports. */
export function parsePorts(spec: string, where: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2] ?? m?.[1]);
    if (!m || lo < 1 || hi > 65535 || hi < lo || hi - lo > 64)
      throw new WorkshopError(`${where}: ports=${spec}: "${part}" is not a port or a range like 8080-8083`);
    for (let p = lo; p <= hi; p++) ports.push(p);
  }
  return ports;
}

/**
 * Text the attendee should see, as a pattern: literal, except that `...` (or `…`) stands for any
 * text on the same line, so `applied weighted-70-30: ...` matches whatever the description says.
 */
export function textPattern(text: string): RegExp {
  const parts = text.split(/\.\.\.|…/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(parts.join('[^\\n]*?'));
}

function parseExpectArgument(arg: string, where: string): { text: string; pattern: RegExp } {
  const regex = /^\/(.+)\/([imsu]*)$/.exec(arg);
  if (regex) {
    try {
      return { text: arg, pattern: new RegExp(regex[1]!, regex[2]) };
    } catch (err) {
      throw new WorkshopError(`${where}: expect ${arg} is not a valid regular expression (${(err as Error).message})`);
    }
  }
  const quoted = /^"(.+)"$/.exec(arg);
  if (quoted) return { text: quoted[1]!, pattern: textPattern(quoted[1]!) };
  throw new WorkshopError(`${where}: expect needs "text" (in double quotes; ... for any text) or /regex/, got ${JSON.stringify(arg)}`);
}

function tokenize(text: string, where: string): string[] {
  const tokens: string[] = [];
  const re = /\s*([^\s"=]+(?:="[^"]*"|=[^\s"]*)?)\s*/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m)
      throw new WorkshopError(`${where}: cannot read the marker from ${JSON.stringify(text.slice(i))}: write words and key=value (quote values with spaces)`);
    tokens.push(m[1]!);
    i = re.lastIndex;
  }
  return tokens;
}
