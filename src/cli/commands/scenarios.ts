// `canarykit scenarios`: list the routing scenarios with their modes; `--validate` checks every
// file (Istio schemas, cross-references, expectations) and reports each problem with its file,
// field and fix.
import { parseArgs } from 'node:util';
import { KIT_SCENARIOS_DIR } from '../../kit-files.ts';
import { inspectScenario, scenarioDirs } from '../../scenarios/load.ts';
import { scenariosDirOf, scenariosDirOptions } from '../scenarios-dir.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...scenariosDirOptions('dir'), validate: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(
      "Usage: canarykit scenarios [--validate] [--scenarios-dir DIR]   (DIR: a scenarios folder; default: the kit's own scenarios/; --dir DIR is the old name)\n",
    );
    return 0;
  }
  let problems = 0;
  for (const dir of scenarioDirs(scenariosDirOf(values, 'dir', KIT_SCENARIOS_DIR))) {
    const { scenario, errors } = inspectScenario(dir);
    if (scenario) {
      process.stdout.write(`${scenario.name.padEnd(24)} ${scenario.modes.join(',').padEnd(14)} ${scenario.description.trim().split('\n')[0]}\n`);
    }
    for (const e of errors) {
      problems++;
      process.stderr.write(`${e.message}\n`);
    }
  }
  if (values.validate) process.stdout.write(problems === 0 ? 'all scenarios are valid\n' : `${problems} problem(s) found\n`);
  return problems === 0 ? 0 : 1;
}
