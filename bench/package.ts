// The npm packages (make package): their packed sizes, and the time of `npx canarykit newApp` from the
// installed package against `npx canarykit newApp` in the clone, measured in the same run. The
// package runs compiled JavaScript where the clone has Node strip types, and resolves its
// dependencies from a flat node_modules of its own: the ratio says what a user of the package pays
// (or saves) against the clone. Needs the npm registry for the install (about a minute).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages } from '../scripts/package/build.ts';
import { median, type BenchResult } from './types.ts';

const cloneRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
/** A package bigger than this is a sign that something unintended ships (node_modules, a build dir). */
const MAX_PACKED_BYTES = 1_000_000;
/** The installed package should not start newApp slower than the clone by more than this. */
const MAX_RATIO = 1.2;

const env = () => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !k.startsWith('VITEST')));
  const pathList = (process.env.PATH ?? '').split(path.delimiter).filter((p) => !path.resolve(p).startsWith(path.join(cloneRoot, 'node_modules')));
  return {
    ...clean,
    PATH: [path.dirname(process.execPath), ...pathList].join(path.delimiter),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
};

function run(cmd: string, args: string[], cwd: string): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: env(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return (performance.now() - start) / 1000;
}

export async function benchPackage(options = { runs: 5 }): Promise<BenchResult[]> {
  const [kit, generator] = buildPackages();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-bench-package-'));
  try {
    const installed = path.join(work, 'installed');
    const scratch = path.join(work, 'out');
    fs.mkdirSync(installed);
    fs.mkdirSync(scratch);
    const installSeconds = run('npm', ['install', '--loglevel=error', kit!.file], installed);
    const newAppArgs = (dir: string) => ['canarykit', 'newApp', path.join(scratch, dir), '--type', 'server', '--yes'];
    // One warm-up each (OS file cache, Node's compile cache), then alternate so load drifts hit both.
    run('npx', newAppArgs('warm-package'), installed);
    run('npx', newAppArgs('warm-clone'), cloneRoot);
    const fromPackage: number[] = [];
    const fromClone: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      fromPackage.push(run('npx', newAppArgs(`package-${i}`), installed));
      fromClone.push(run('npx', newAppArgs(`clone-${i}`), cloneRoot));
    }
    const value = median(fromPackage);
    const baseline = median(fromClone);
    const kb = (n: number) => `${(n / 1024).toFixed(0)} kB`;
    const nodeModules = spawnSync('du', ['-sk', path.join(installed, 'node_modules')], { encoding: 'utf8' }).stdout.split('\t')[0];
    return [
      {
        name: 'packed size of canarykit',
        unit: 'kB',
        value: kit!.size / 1024,
        baseline: kit!.unpackedSize / 1024,
        baselineName: `its ${kit!.entryCount} files unpacked`,
        ratio: kit!.size / kit!.unpackedSize,
        target: `packed < ${kb(MAX_PACKED_BYTES)}`,
        pass: kit!.size < MAX_PACKED_BYTES,
        details:
          `generator-canarykit: ${kb(generator!.size)} packed, ${kb(generator!.unpackedSize)} unpacked, ${generator!.entryCount} files; ` +
          `npm install of canarykit took ${installSeconds.toFixed(1)} s and left ${nodeModules} kB in node_modules (its dependencies)`,
      },
      {
        name: 'npx canarykit newApp from the installed package (cold process, no install)',
        unit: 's',
        value,
        baseline,
        baselineName: 'npx canarykit newApp in the clone (TypeScript sources, types stripped by Node)',
        ratio: value / baseline,
        target: `ratio <= ${MAX_RATIO}`,
        pass: value / baseline <= MAX_RATIO,
        details:
          `median of ${options.runs}; package ${fromPackage.map((t) => t.toFixed(2)).join(' ')} s; clone ${fromClone.map((t) => t.toFixed(2)).join(' ')} s; ` +
          `load average ${os.loadavg()[0]?.toFixed(1)} on ${os.availableParallelism()} cores`,
      },
    ];
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  for (const r of await benchPackage()) {
    process.stdout.write(
      `${r.pass ? 'PASS' : 'MISS'}  ${r.name}: ${r.value.toFixed(2)} ${r.unit} vs ${r.baseline.toFixed(2)} ${r.unit} (${r.baselineName})\n      ratio ${r.ratio.toFixed(3)}; target ${r.target}\n      ${r.details}\n`,
    );
  }
}
