// `make package`: the kit as two npm packages, packed into dist/packages/:
//
//   canarykit            the CLI (`npx canarykit newApp|demo|play|scenarios`) and its library
//   generator-canarykit  the Yeoman generator alone, so `npm i -g yo generator-canarykit && yo canarykit`
//
// Node strips types only outside node_modules, so a package cannot run the .ts sources the clone
// runs. tsc (tsconfig.package.json, rewriteRelativeImportExtensions) emits each runtime module as
// JavaScript at its clone path, and the data the commands read (scenarios, proto, chart, generator
// templates and locks, the apps the local mesh starts, the Node bootstrap) is copied beside it at its
// clone path too: every `new URL('../..', import.meta.url)` in the kit resolves the same way in both.
// No bundler: a plain emit keeps the package a readable mirror of the clone, and the kit loads its
// heavy dependencies (Yeoman, grpc-js-xds) lazily per command, which a bundle would undo.
//
// Each package.json is written here from the root one (name, version, engines, the dependency
// versions), so the clone's package.json stays the one place they are edited. Before packing, every
// bare import in the emitted JavaScript must name a declared dependency (or a Node built-in).
//
// Prints one JSON line per tarball (name, file, size, unpackedSize, entryCount) and writes them to
// dist/packages/packed.json for the package test and the benchmark.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const outDir = path.join(root, 'dist', 'packages');
const kitDir = path.join(outDir, 'canarykit');
const generatorDir = path.join(outDir, 'generator-canarykit');

interface RootPackage {
  name: string;
  version: string;
  description: string;
  license: string;
  engines: { node: string };
  dependencies: Record<string, string>;
}

export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the .tgz. */
  readonly file: string;
  /** Bytes of the .tgz, and of its contents unpacked. */
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
}

function run(command: string, args: string[], cwd = root): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/** Copies clone-relative paths (files or folders) from the clone into a package folder. */
function copyInto(dest: string, relPaths: readonly string[]): void {
  for (const rel of relPaths) {
    const from = path.join(root, rel);
    if (!fs.existsSync(from)) throw new Error(`package: ${rel} is missing from the clone; it ships in the package`);
    // Data, copied whole: the generator's templates include the generated projects' own tests.
    fs.cpSync(from, path.join(dest, rel), { recursive: true });
  }
}

/** Every .js file under `dir`, relative. */
function jsFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js')).sort();
}

/**
 * The packages imported by the compiled modules under `dir` (template files excluded: they are
 * data), by package name (`@scope/name` or `name`), each with the first file importing it. Static
 * `import ... from`, `export ... from`, side-effect `import '...'` and string-literal `import('...')`.
 */
export function importedPackages(dir: string, ignore: (file: string) => boolean = () => false): Map<string, string> {
  const found = new Map<string, string>();
  // tsc writes each import and export-from as one statement on its own line, so line-anchored
  // patterns are exact here (a general JS lexer, e.g. es-module-lexer, would be a new dependency).
  const specifier = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const file of jsFiles(dir)) {
    if (ignore(file)) continue;
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(specifier)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.startsWith('data:') || builtinModules.includes(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!found.has(name)) found.set(name, file);
    }
  }
  return found;
}

const isTemplate = (file: string) => file.split(path.sep).includes('templates');

function checkDependencies(pkgDir: string, dependencies: Record<string, string>): void {
  const missing = [...importedPackages(pkgDir, isTemplate)].filter(([name]) => !(name in dependencies));
  if (missing.length > 0) {
    throw new Error(
      `package ${path.basename(pkgDir)}: imported but not a dependency: ${missing.map(([n, f]) => `${n} (${f})`).join(', ')}; ` +
        'add it to the root package.json "dependencies"',
    );
  }
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function pack(pkgDir: string): PackedTarball {
  const out = run('npm', ['pack', '--json', '--pack-destination', outDir], pkgDir);
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as {
    name: string;
    version: string;
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }[];
  if (!info) throw new Error(`npm pack in ${pkgDir} printed no result:\n${out}`);
  return {
    name: info.name,
    version: info.version,
    file: path.join(outDir, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    entryCount: info.entryCount,
  };
}

/** The data the generator reads (generators/app/paths.ts): templates, locks, versions, proto, chart, Node bootstrap. */
const GENERATOR_DATA = [
  'generators/app/templates',
  'generators/app/locks',
  'generators/app/dependency-versions.json',
  'proto/greeter.proto',
  'charts/greeter',
  'scripts/tools/ensure-node.sh',
  'scripts/tools/versions.env',
];

export function buildPackages(): PackedTarball[] {
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as RootPackage;
  fs.rmSync(outDir, { recursive: true, force: true });

  // 1. canarykit: compiled modules (tsc writes them into dist/packages/canarykit), then the data.
  run(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.package.json']);
  copyInto(kitDir, [
    'bin/canarykit.js',
    'README.md',
    'scenarios',
    // The mesh dashboard's page (plain browser files, served by src/dashboard/server.ts).
    'src/dashboard/page',
    // The apps the local mesh starts (src/local/app-process.ts): their compiled src/ is already
    // there; they read their proto (and, outside the mesh, conf/) relative to it.
    'apps/greeter-server/proto',
    'apps/greeter-server/conf',
    'apps/greeter-client/proto',
    'apps/greeter-client/conf',
    ...GENERATOR_DATA,
  ]);
  const kitPkg = {
    name: rootPkg.name,
    version: rootPkg.version,
    description: rootPkg.description,
    keywords: ['istio', 'service-mesh', 'grpc', 'xds', 'canary', 'traffic-management', 'scaffolding', 'yeoman'],
    license: rootPkg.license,
    type: 'module',
    engines: rootPkg.engines,
    bin: { canarykit: './bin/canarykit.js' },
    exports: {
      '.': { types: './src/cli/main.d.ts', default: './src/cli/main.js' },
      './scenarios': { types: './src/scenarios/index.d.ts', default: './src/scenarios/index.js' },
      './verify': { types: './src/verify/index.d.ts', default: './src/verify/index.js' },
      './mesh': { types: './src/mesh/index.d.ts', default: './src/mesh/index.js' },
      './new-app': { types: './generators/app/new-app.d.ts', default: './generators/app/new-app.js' },
      './package.json': './package.json',
    },
    files: ['bin', 'src', 'generators', 'apps', 'proto', 'charts', 'scenarios', 'scripts'],
    dependencies: rootPkg.dependencies,
  };
  writeJson(path.join(kitDir, 'package.json'), kitPkg);
  checkDependencies(kitDir, kitPkg.dependencies);

  // 2. generator-canarykit: Yeoman looks for generators/app/index.js in a package named
  // generator-<name>. The generator's compiled modules (without the kit's CLI entry new-app.js,
  // which is the only one importing yeoman-environment: yo brings its own) and the same data.
  const generatorMeta = JSON.parse(fs.readFileSync(path.join(root, 'generators', 'package.json'), 'utf8')) as Record<string, unknown>;
  fs.cpSync(path.join(kitDir, 'generators'), path.join(generatorDir, 'generators'), {
    recursive: true,
    filter: (src) => !/[/\\]new-app\.(js|d\.ts)$/.test(src),
  });
  copyInto(
    generatorDir,
    GENERATOR_DATA.filter((p) => !p.startsWith('generators/')),
  );
  fs.copyFileSync(path.join(root, 'generators', 'README.md'), path.join(generatorDir, 'README.md'));
  const generatorImports = [...importedPackages(generatorDir, isTemplate).keys()].sort();
  const generatorPkg = {
    name: generatorMeta['name'],
    version: rootPkg.version,
    description: generatorMeta['description'],
    keywords: generatorMeta['keywords'],
    license: rootPkg.license,
    type: 'module',
    engines: rootPkg.engines,
    exports: { '.': './generators/app/index.js', './package.json': './package.json' },
    files: ['generators', 'proto', 'charts', 'scripts'],
    dependencies: Object.fromEntries(
      generatorImports.map((name) => {
        const version = rootPkg.dependencies[name];
        if (!version) throw new Error(`package generator-canarykit: imports ${name}, which the root package.json does not list in "dependencies"`);
        return [name, version];
      }),
    ),
  };
  writeJson(path.join(generatorDir, 'package.json'), generatorPkg);

  const packed = [pack(kitDir), pack(generatorDir)];
  writeJson(path.join(outDir, 'packed.json'), packed);
  return packed;
}

if (import.meta.main) {
  try {
    for (const t of buildPackages()) process.stdout.write(`${JSON.stringify(t)}\n`);
  } catch (err) {
    process.stderr.write(`make package: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
