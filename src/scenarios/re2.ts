/**
 * The one regular-expression engine of the kit: RE2, through the very re2-wasm module the proxyless
 * clients use (@grpc/grpc-js-xds compiles every `safe_regex` with it; Envoy and istiod use RE2 too).
 * Validation, the expectation cross-check and the xDS translation all ask this module, so a pattern
 * is accepted, refused and evaluated exactly as the clients will.
 *
 * re2-wasm is loaded from @grpc/grpc-js-xds's own dependencies, not from a copy of the kit's: the
 * engine that decides is the one that runs in the clients.
 */
import { createRequire } from 'node:module';

interface Re2 {
  test(input: string): boolean;
}
type Re2Ctor = new (pattern: string, flags: string) => Re2;

const requireFromXds = createRequire(createRequire(import.meta.url).resolve('@grpc/grpc-js-xds'));
const { RE2 } = requireFromXds('re2-wasm') as { RE2: Re2Ctor };

/**
 * The pattern grpc-js-xds 1.14 compiles for a `safe_regex` the local mesh sends: it builds
 * `^${regex}$` with flag `u` (src/matcher.ts), and the translation groups the user's pattern so an
 * alternation keeps Envoy's full-match meaning.
 */
export function clientPattern(pattern: string): string {
  return `^(?:${pattern})$`;
}

const compiled = new Map<string, Re2 | { error: string }>();

function compile(source: string): Re2 | { error: string } {
  let r = compiled.get(source);
  if (!r) {
    try {
      r = new RE2(source, 'u');
    } catch (error) {
      // re2-wasm: "Invalid regular expression: /<source>/u: <RE2's message>"; keep RE2's part.
      const message = (error as Error).message;
      const prefix = `Invalid regular expression: /${source}/u: `;
      r = { error: message.startsWith(prefix) ? message.slice(prefix.length) : message };
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(source, r);
  }
  return r;
}

/**
 * RE2's reason for refusing `pattern`, or undefined when RE2 accepts it. The pattern is compiled
 * as written (what Envoy and istiod compile) and as the clients compile it (grouped and anchored):
 * both must compile, since a pattern such as `a)|(b` is invalid alone but would compile once wrapped.
 */
export function re2Problem(pattern: string): string | undefined {
  for (const source of [pattern, clientPattern(pattern)]) {
    const r = compile(source);
    if ('error' in r) return `RE2 refuses it: ${r.error}`;
  }
  return undefined;
}

/** Whether `value` matches `pattern` as a whole (Envoy's and the clients' safe_regex semantics).
 * @throws when RE2 refuses the pattern (check it with {@link re2Problem} first). */
export function re2FullMatch(pattern: string, value: string): boolean {
  const r = compile(clientPattern(pattern));
  if ('error' in r) throw new Error(`regex ${JSON.stringify(pattern)}: RE2 refuses it: ${r.error}`);
  return r.test(value);
}

/** The fix to print with a refused pattern. */
export const RE2_FIX =
  'write the pattern in RE2 syntax (https://github.com/google/re2/wiki/Syntax): no lookaround, no backreferences, repetition counts at most 1000';
