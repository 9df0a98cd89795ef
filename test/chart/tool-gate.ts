// Tests that need an external tool (helm, Docker): in CI a missing tool is a failure that names the
// command which installs it; on a developer machine the tests are skipped, with the reason in the
// suite name so the skip is visible in the report.
import { describe, it } from 'vitest';

export interface ToolCheck {
  /** Tool name, for messages. */
  readonly tool: string;
  /** Why the tool is unusable, or undefined when it is usable. */
  readonly missing: string | undefined;
  /** The command that provides it. */
  readonly fix: string;
}

export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

/** `describe`, gated on a tool: runs, fails (CI) or is skipped visibly (locally). */
export function describeWithTool(check: ToolCheck, name: string, body: () => void): void {
  if (check.missing === undefined) {
    describe(name, body);
  } else if (inCI()) {
    describe(name, () => {
      it(`needs ${check.tool}`, () => {
        throw new Error(`${check.tool} is required in CI but ${check.missing}: run \`${check.fix}\` first`);
      });
    });
  } else {
    process.stderr.write(`[${name}] skipped: ${check.missing}; run \`${check.fix}\` to enable\n`);
    describe.skip(`${name} [skipped: ${check.missing}; run \`${check.fix}\`]`, body);
  }
}
