// A CommandRunner for tests: answers each command from a script of (matcher, result) rules and
// records what ran. It stands in for the tools in unit tests of the driver's logic; it is never
// a source of cluster results (docs/kind-istio.md says what has run on a real cluster).
import type { CommandResult, CommandRunner, RunOptions } from './tools.ts';

export type Answer = Partial<CommandResult> | ((argv: readonly string[], call: number) => Partial<CommandResult>);

export interface ScriptedRunner extends CommandRunner {
  readonly calls: { argv: readonly string[]; options: RunOptions | undefined }[];
  /** Command lines run, joined with spaces. */
  readonly lines: () => string[];
}

/** Rules are tried in order; the first whose pattern matches the joined argv answers. Unmatched: exit 0, no output. */
export function scriptedRunner(rules: ReadonlyArray<readonly [RegExp, Answer]>): ScriptedRunner {
  const calls: { argv: readonly string[]; options: RunOptions | undefined }[] = [];
  const counts = new Map<RegExp, number>();
  return {
    calls,
    lines: () => calls.map((c) => c.argv.join(' ')),
    async run(argv, options) {
      calls.push({ argv, options });
      const line = argv.join(' ');
      for (const [pattern, answer] of rules) {
        if (!pattern.test(line)) continue;
        const n = counts.get(pattern) ?? 0;
        counts.set(pattern, n + 1);
        const partial = typeof answer === 'function' ? answer(argv, n) : answer;
        return { exitCode: 0, stdout: '', stderr: '', ...partial };
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  };
}
