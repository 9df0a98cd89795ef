// The golden apps (kubebuilder's testdata pattern): apps/greeter-server and apps/greeter-client are
// the generator's output for fixed flags. `generate` rewrites them; `check` generates afresh into a
// temporary directory and fails on any difference, so an edit made to apps/ instead of to
// generators/app/templates is caught. Usage: node generators/app/golden.ts generate|check
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { newApp } from './new-app.ts';
import type { FlagValues } from './options.ts';
import { kitRoot, listFiles } from './paths.ts';

export type GoldenApp = { dir: string; flags: FlagValues };

export const GOLDEN_APPS: readonly GoldenApp[] = [
  { dir: 'apps/greeter-server', flags: { type: 'server', name: 'greeter-server', 'app-version': 'v1' } },
  { dir: 'apps/greeter-client', flags: { type: 'client', name: 'greeter-client', 'app-version': 'v1' } },
];

/** Not output of the generator: installs and build products inside a golden app. */
const NOT_GENERATED = /(^|\/)(node_modules|dist|coverage)(\/|$)|\.tsbuildinfo$/;

function generatedFiles(dir: string): string[] {
  return listFiles(dir).filter((file) => !NOT_GENERATED.test(file));
}

async function generateInto(scratch: string, app: GoldenApp): Promise<string> {
  const dir = path.join(scratch, path.basename(app.dir));
  await newApp({ dir, flags: app.flags, yes: true, log: new PassThrough() });
  return dir;
}

/** Files under `dir` with changes git has not committed (empty outside a git work tree). */
function uncommitted(root: string, dir: string): Set<string> {
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all', '--', dir], { cwd: root, encoding: 'utf8' });
  if (status.status !== 0) return new Set();
  return new Set(
    status.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => path.relative(dir, line.slice(3).trim())),
  );
}

export async function generateGolden(root = kitRoot, options = { overwriteUncommitted: false }): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-golden-'));
  try {
    for (const app of GOLDEN_APPS) {
      const fresh = await generateInto(scratch, app);
      const target = path.join(root, app.dir);
      // Never overwrite someone's uncommitted edit of a golden app: it belongs in the templates.
      const dirty = [...uncommitted(root, app.dir)].filter((file) => {
        const committedCopy = path.join(target, file);
        const generated = path.join(fresh, file);
        return !(fs.existsSync(committedCopy) && fs.existsSync(generated) && fs.readFileSync(committedCopy).equals(fs.readFileSync(generated)));
      });
      if (dirty.length > 0 && !options.overwriteUncommitted) {
        throw new Error(
          `${app.dir} has uncommitted changes the generator would overwrite: ${dirty.join(', ')}.\n` +
            'apps/ are generated: move the change into generators/app/templates/ (src/ and test/ are copied as they are), ' +
            'or commit or drop it; `make generate FORCE=1` overwrites anyway.',
        );
      }
      fs.mkdirSync(target, { recursive: true });
      // Drop what the generator no longer writes, keep installs (node_modules), then copy the fresh tree.
      for (const file of generatedFiles(target)) if (!fs.existsSync(path.join(fresh, file))) fs.rmSync(path.join(target, file));
      removeEmptyDirs(target);
      // Copy only what changed: an untouched file keeps its mtime, so make does not see package.json
      // as new and re-run `npm ci` (the root Makefile's install stamp depends on apps/*/package.json).
      let changed = 0;
      for (const file of generatedFiles(fresh)) {
        const from = path.join(fresh, file);
        const to = path.join(target, file);
        if (fs.existsSync(to) && fs.readFileSync(to).equals(fs.readFileSync(from))) continue;
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(from, to);
        changed += 1;
      }
      console.log(`generated ${app.dir}: ${changed} of ${generatedFiles(fresh).length} files changed`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function removeEmptyDirs(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'node_modules') continue;
    const child = path.join(dir, entry.name);
    removeEmptyDirs(child);
    if (fs.readdirSync(child).length === 0) fs.rmdirSync(child);
  }
}

export type GoldenDifference = { app: string; file: string; problem: 'missing in apps/' | 'not generated' | 'differs'; diff?: string };

export async function checkGolden(root = kitRoot): Promise<GoldenDifference[]> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-golden-'));
  const differences: GoldenDifference[] = [];
  try {
    for (const app of GOLDEN_APPS) {
      const fresh = await generateInto(scratch, app);
      const committed = path.join(root, app.dir);
      const freshFiles = generatedFiles(fresh);
      const committedFiles = new Set(fs.existsSync(committed) ? generatedFiles(committed) : []);
      for (const file of freshFiles) {
        if (!committedFiles.has(file)) {
          differences.push({ app: app.dir, file, problem: 'missing in apps/' });
          continue;
        }
        committedFiles.delete(file);
        const a = path.join(committed, file);
        const b = path.join(fresh, file);
        if (!fs.readFileSync(a).equals(fs.readFileSync(b))) {
          const diff = spawnSync('diff', ['-u', '--label', `${app.dir}/${file} (committed)`, '--label', `${app.dir}/${file} (generated)`, a, b], {
            encoding: 'utf8',
          });
          differences.push({ app: app.dir, file, problem: 'differs', diff: diff.stdout.split('\n').slice(0, 40).join('\n') });
        }
      }
      for (const file of committedFiles) differences.push({ app: app.dir, file, problem: 'not generated' });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return differences;
}

async function main(command: string | undefined): Promise<number> {
  if (command === 'generate') {
    try {
      await generateGolden(kitRoot, { overwriteUncommitted: process.env['FORCE'] === '1' });
    } catch (error) {
      console.error((error as Error).message);
      return 1;
    }
    return 0;
  }
  if (command === 'check') {
    const differences = await checkGolden();
    if (differences.length === 0) {
      console.log(`apps/ match a fresh generation (${GOLDEN_APPS.map((app) => app.dir).join(', ')})`);
      return 0;
    }
    for (const d of differences) {
      console.error(`${d.app}/${d.file}: ${d.problem}`);
      if (d.diff) console.error(d.diff);
    }
    console.error(
      `\n${differences.length} difference(s) between apps/ and the generator. apps/ are generated output:\n` +
        '  - changed generators/app/templates, charts/greeter or proto/greeter.proto? run `make generate` and commit apps/ with it;\n' +
        '  - edited apps/ directly? move the edit into generators/app/templates/<server|client>/ first (src/ and test/ are\n' +
        '    copied as they are), else `make generate` reverts it.',
    );
    return 1;
  }
  console.error('usage: node generators/app/golden.ts generate|check');
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv[2]);
