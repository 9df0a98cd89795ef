// `canarykit e2e --driver local|kind`: the scenarios on one driver. `local` is the demo's run
// (xDS mesh, no cluster); `kind` is the kind + Istio path of `canarykit cluster e2e`, with
// --dry-run printing its plan.
import { parseArgs } from 'node:util';

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { driver: { type: 'string', default: 'local' }, help: { type: 'boolean', short: 'h' } }, strict: false });
  } catch (err) {
    process.stderr.write(`canarykit e2e: ${(err as Error).message}\n`);
    return 2;
  }
  const driver = parsed.values.driver;
  const rest = argv.filter((a, i) => !(a === '--driver' || a.startsWith('--driver=') || argv[i - 1] === '--driver'));
  if (parsed.values.help) {
    process.stdout.write(
      'Usage: canarykit e2e --driver local|kind [--scenario NAME]... [options of that driver]\n  local: see canarykit demo --help\n  kind:  see canarykit cluster --help\n',
    );
    return 0;
  }
  if (driver === 'local') return (await import('./demo.ts')).run(rest);
  if (driver === 'kind') return (await import('./cluster.ts')).run(['e2e', ...rest]);
  process.stderr.write(
    `canarykit e2e: unknown driver "${String(driver)}"; use --driver local (the xDS mesh on this machine) or --driver kind (kind + Istio)\n`,
  );
  return 2;
}
