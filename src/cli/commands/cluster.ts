// `canarykit cluster up|down|deploy|e2e`: the kind + Istio path (src/cluster). It builds the greeter
// images from the apps' sources and reads the kind and Istio settings under scripts/, which only a
// clone has: the npm package refuses it with the way to get there.
import { FROM_PACKAGE } from '../../kit-files.ts';

export const CLONE_ONLY_MESSAGE =
  'the kind + Istio path runs from a clone of the canarykit repository (it builds the greeter images from the ' +
  "apps' sources and reads scripts/kind-config.yaml): clone it, then `make cluster-up deploy e2e` (docs/kind-istio.md). " +
  'From this package, `canarykit demo` runs the same scenarios on the local xDS mesh.';

export async function run(argv: string[]): Promise<number> {
  if (FROM_PACKAGE) {
    process.stderr.write(`canarykit cluster: ${CLONE_ONLY_MESSAGE}\n`);
    return 2;
  }
  return (await import('../../cluster/command.ts')).run(argv);
}
