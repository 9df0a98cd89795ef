// `canarykit newApp` time to a written project (no install), as a user sees it: a fresh Node process
// running the generator's CLI until the project is on disk. Baseline, measured in the same run: a
// fresh Node process that only copies the template folder with fs.cpSync (startup + the bytes).
// The ratio is Yeoman's price (environment, prompts, mem-fs, ejs, conflicter, staging and rename).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { newApp } from '../generators/app/new-app.ts';
import { templatesDir } from '../generators/app/paths.ts';
import { median, type BenchResult } from './types.ts';

const TARGET_SECONDS = 1.5;
const cliFile = fileURLToPath(new URL('../generators/app/cli.ts', import.meta.url));

/** Prints the child's own CPU time (user + system) to stderr as it exits: steadier than wall time on a busy machine. */
const CPU_PROBE = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu_seconds='+((u.user+u.system)/1e6)+'\\n')})`;

type Timing = { wall: number; cpu: number };

function timeProcess(args: string[]): Timing {
  const start = performance.now();
  const result = spawnSync(process.execPath, ['--import', CPU_PROBE, ...args], { encoding: 'utf8' });
  const wall = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  const cpu = Number(/cpu_seconds=([0-9.]+)/.exec(result.stderr)?.[1] ?? Number.NaN);
  return { wall, cpu };
}

export async function benchNewApp(options = { runs: 5 }): Promise<BenchResult> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-bench-newapp-'));
  try {
    const cold: Timing[] = [];
    const copy: Timing[] = [];
    const warm: number[] = [];
    timeProcess([cliFile, path.join(work, 'warmup'), '--yes']); // fills the OS file cache and Node's compile cache
    for (let i = 0; i < options.runs; i++) {
      const dir = path.join(work, `cli-${i}`);
      cold.push(timeProcess([cliFile, dir, '--type', 'server', '--app-version', 'v2', '--yes']));
      if (!fs.existsSync(path.join(dir, 'chart', 'values.yaml'))) throw new Error(`newApp wrote no chart/values.yaml into ${dir}`);
      const copyScript = `require('node:fs').cpSync(${JSON.stringify(templatesDir)}, ${JSON.stringify(path.join(work, `cp-${i}`))}, { recursive: true })`;
      copy.push(timeProcess(['-e', copyScript]));
    }
    await newApp({ dir: path.join(work, 'warm-up'), flags: {}, yes: true, log: new PassThrough() });
    for (let i = 0; i < options.runs; i++) {
      const start = performance.now();
      await newApp({ dir: path.join(work, `warm-${i}`), flags: { 'app-version': 'v2' }, yes: true, log: new PassThrough() });
      warm.push((performance.now() - start) / 1000);
    }
    const value = median(cold.map((t) => t.wall));
    const baseline = median(copy.map((t) => t.wall));
    const files = fs.readdirSync(path.join(work, 'cli-0'), { recursive: true }).length;
    return {
      name: 'newApp to a written project (cold CLI process, no install)',
      unit: 's',
      value,
      baseline,
      baselineName: 'fresh node process copying the template folder with fs.cpSync',
      ratio: value / baseline,
      target: `value < ${TARGET_SECONDS} s`,
      pass: value < TARGET_SECONDS,
      details:
        `median of ${options.runs}; cold runs ${cold.map((t) => t.wall.toFixed(2)).join(' ')} s; ` +
        `CPU time of a cold run ${median(cold.map((t) => t.cpu)).toFixed(2)} s (baseline ${median(copy.map((t) => t.cpu)).toFixed(2)} s); ` +
        `in-process (Yeoman already loaded) median ${median(warm).toFixed(3)} s; ${files} entries written; ` +
        `load average ${os.loadavg()[0]?.toFixed(1)} on ${os.availableParallelism()} cores`,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchNewApp();
  process.stdout.write(
    `${r.pass ? 'PASS' : 'FAIL'}  ${r.name}: ${r.value.toFixed(2)} s vs ${r.baseline.toFixed(2)} s (${r.baselineName})\n` +
      `      ratio ${r.ratio.toFixed(2)}; target ${r.target}\n      ${r.details}\n`,
  );
}
