// Where the kit's own files are. From a clone, Node runs the TypeScript sources; from the npm
// package (`make package`), the same modules are compiled JavaScript at the same relative paths,
// beside the same data folders (scenarios/, proto/, charts/, generators/app/templates/, apps/).
// So every path is the clone's path, and only a module's extension differs.
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const thisFile = fileURLToPath(import.meta.url);

/** The clone's root, or the installed package's folder (node_modules/canarykit). */
export const KIT_ROOT = resolve(thisFile, '..', '..');

/** `.ts` when running from the sources, `.js` in the published package. */
export const MODULE_EXTENSION = extname(thisFile);

/** True when running from the npm package rather than from a clone. */
export const FROM_PACKAGE = MODULE_EXTENSION === '.js';

/** The routing scenarios that ship with the kit: the default of every `--root`/`--dir`. */
export const KIT_SCENARIOS_DIR = join(KIT_ROOT, 'scenarios');

/** A module of the kit by its source path (`apps/greeter-server/src/main.ts`), as it exists here. */
export function kitModule(sourcePath: string): string {
  return join(KIT_ROOT, sourcePath.replace(/\.ts$/, MODULE_EXTENSION));
}
