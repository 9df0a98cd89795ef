// Writes a project into the generator's in-memory file system (mem-fs): nothing reaches the disk
// until Yeoman commits at the end of the run, so a failure here leaves no half-written project.
import fs from 'node:fs';
import path from 'node:path';
import type Generator from 'yeoman-generator';
import type { AppModel } from './options.ts';
import { projectTypes, type ProjectType } from './project-types/index.ts';
import { writeChart } from './chart.ts';
import { dependencyVersionsFile, kitEnsureNodeScript, kitProtoFile, kitVersionsFile, listFiles, locksDir, templatesDir } from './paths.ts';

export type DependencyVersions = Record<string, string>;

export function readDependencyVersions(): DependencyVersions {
  const raw = JSON.parse(fs.readFileSync(dependencyVersionsFile, 'utf8')) as Record<string, string>;
  return Object.fromEntries(Object.entries(raw).filter(([name]) => name !== '//'));
}

/**
 * Template file name → project file name: `x.ejs` is rendered and loses `.ejs`; a leading `_` becomes
 * `.` (npm drops `.gitignore` files from packages, so templates cannot carry dot files as they are).
 */
export function destinationName(templateRelative: string): string {
  const dir = path.dirname(templateRelative);
  let base = path.basename(templateRelative).replace(/\.ejs$/, '');
  if (base.startsWith('_')) base = `.${base.slice(1)}`;
  return dir === '.' ? base : path.join(dir, base);
}

function pinned(names: readonly string[], versions: DependencyVersions): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of [...names].sort()) {
    const version = versions[name];
    if (version === undefined) throw new Error(`${dependencyVersionsFile} has no version for "${name}": add it there`);
    result[name] = version;
  }
  return result;
}

export function packageJson(app: AppModel, project: ProjectType, versions: DependencyVersions): Record<string, unknown> {
  return {
    name: app.name,
    version: app.packageVersion,
    description: project.description,
    private: true,
    type: 'module',
    engines: { node: '>=24.11.0' },
    scripts: project.scripts,
    dependencies: pinned(project.dependencies, versions),
    devDependencies: pinned(project.devDependencies, versions),
  };
}

export function lockFileFor(type: string): string {
  return path.join(locksDir, `${type}.package-lock.json`);
}

/** The shipped lock of this project type, renamed for this app (npm ci wants name and version to match). */
export function packageLock(app: AppModel): Record<string, unknown> | undefined {
  const file = lockFileFor(app.type);
  if (!fs.existsSync(file)) return undefined;
  const lock = JSON.parse(fs.readFileSync(file, 'utf8')) as { packages?: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const root = lock.packages?.[''];
  if (root) {
    root.name = app.name;
    root.version = app.packageVersion;
  }
  return { ...lock, name: app.name, version: app.packageVersion };
}

/** The Node and npm pins of the kit's versions.env (per platform too), for the project's scripts/ensure-node.sh. */
function nodeVersionsEnv(): string {
  const pins = fs
    .readFileSync(kitVersionsFile, 'utf8')
    .split('\n')
    .filter((line) => /^(NODE_VERSION|NODE_VERSION_[A-Z0-9_]+|NPM_VERSION)=/.test(line));
  return ['# Node and npm for scripts/ensure-node.sh (copied from canarykit by newApp).', ...pins, ''].join('\n');
}

export function writeProject(gen: Generator, app: AppModel): void {
  const project = projectTypes[app.type];
  const versions = readDependencyVersions();
  const context = { app, project, versions };
  for (const folder of ['common', app.type]) {
    const root = path.join(templatesDir, folder);
    for (const relative of listFiles(root)) {
      const from = path.join(root, relative);
      const to = gen.destinationPath(destinationName(relative));
      if (relative.endsWith('.ejs')) gen.fs.copyTpl(from, to, context);
      else gen.fs.copy(from, to);
    }
  }
  gen.fs.writeJSON(gen.destinationPath('package.json'), packageJson(app, project, versions));
  const lock = packageLock(app);
  if (lock) gen.fs.writeJSON(gen.destinationPath('package-lock.json'), lock);
  gen.fs.copy(kitProtoFile, gen.destinationPath('proto', 'greeter.proto'));
  gen.fs.copy(kitEnsureNodeScript, gen.destinationPath('scripts', 'ensure-node.sh'));
  gen.fs.write(gen.destinationPath('scripts', 'versions.env'), nodeVersionsEnv());
  writeChart(gen, app);
}
