// Where the generator finds its inputs. The proto and the chart come from the kit itself, so they
// have one source of truth; templates and locks live next to the generator.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const thisFile = fileURLToPath(import.meta.url);
/** index.ts from the sources, index.js from a compiled copy (the module Yeoman registers). */
export const generatorFile = path.join(path.dirname(thisFile), `index${path.extname(thisFile)}`);

/**
 * The kit's root: the nearest folder above this file that has the greeter proto and chart. From the
 * sources that is two levels up; from a compiled copy (dist/generators/app) it is the package root.
 */
function findKitRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'proto', 'greeter.proto')) && fs.existsSync(path.join(dir, 'generators', 'app', 'templates'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..', '..');
  }
}

export const kitRoot = findKitRoot(path.dirname(thisFile));
/** Templates, locks and versions are data: always read from the kit's generators/app, compiled or not. */
export const generatorDir = path.join(kitRoot, 'generators', 'app');
export const templatesDir = path.join(generatorDir, 'templates');
export const locksDir = path.join(generatorDir, 'locks');
export const dependencyVersionsFile = path.join(generatorDir, 'dependency-versions.json');
export const kitProtoFile = path.join(kitRoot, 'proto', 'greeter.proto');
export const kitChartDir = path.join(kitRoot, 'charts', 'greeter');
/** The kit's Node 24 bootstrap and its pinned versions, copied into every generated project. */
export const kitEnsureNodeScript = path.join(kitRoot, 'scripts', 'tools', 'ensure-node.sh');
export const kitVersionsFile = path.join(kitRoot, 'scripts', 'tools', 'versions.env');

/** Every file under `dir`, relative, sorted (so generation order, and logs, are stable). */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
