// Where the generator finds its inputs. The proto and the chart come from the kit itself, so they
// have one source of truth; templates and locks live next to the generator.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const thisFile = fileURLToPath(import.meta.url);
export const generatorDir = path.dirname(thisFile);
/** index.ts from the sources, index.js from a compiled copy. */
export const generatorFile = path.join(generatorDir, `index${path.extname(thisFile)}`);
export const templatesDir = path.join(generatorDir, 'templates');
export const locksDir = path.join(generatorDir, 'locks');
export const dependencyVersionsFile = path.join(generatorDir, 'dependency-versions.json');
export const kitRoot = path.resolve(generatorDir, '..', '..');
export const kitProtoFile = path.join(kitRoot, 'proto', 'greeter.proto');
export const kitChartDir = path.join(kitRoot, 'charts', 'greeter');

/** Every file under `dir`, relative, sorted (so generation order, and logs, are stable). */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
