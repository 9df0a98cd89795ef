// The scenarios folder has one flag in every command, --scenarios-dir. The names it had before
// (--root for demo, play and mesh; --dir for scenarios; --scenarios for cluster) stay as aliases.
export const SCENARIOS_DIR_FLAG = 'scenarios-dir';

type StringOption = { type: 'string' };

/** parseArgs options for the flag and the command's old name for it. */
export function scenariosDirOptions<A extends string>(alias: A): { 'scenarios-dir': StringOption } & Record<A, StringOption> {
  return { [SCENARIOS_DIR_FLAG]: { type: 'string' }, [alias]: { type: 'string' } } as { 'scenarios-dir': StringOption } & Record<A, StringOption>;
}

/** The folder given by the flag or one alias, else `fallback`; two different folders are refused. */
export function scenariosDirOf(values: Readonly<Record<string, unknown>>, alias: string, fallback: string): string {
  const given = [SCENARIOS_DIR_FLAG, alias].filter((name) => typeof values[name] === 'string').map((name) => ({ name, dir: values[name] as string }));
  const dirs = [...new Set(given.map((g) => g.dir))];
  if (dirs.length > 1) {
    throw new Error(`${given.map((g) => `--${g.name} ${g.dir}`).join(' and ')} name different scenarios folders; give one, with --${SCENARIOS_DIR_FLAG}`);
  }
  return dirs[0] ?? fallback;
}
