// `make workshop` (node src/workshop/main.ts): runs the workshop's marked command blocks and checks
// what each lesson says the attendee should see. Only for the repository (not in the npm package).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkshopError } from './markers.ts';
import { parseWorkshop, type Workshop } from './parse.ts';
import { describe, runWorkshop, stopAll } from './runner.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DEFAULT_FILE = join(ROOT, 'docs', 'workshop', 'README.md');

const USAGE = `Usage: node src/workshop/main.ts [--part N]... [--file docs/workshop/README.md] [--list] [--verbose]

Runs every command block of the workshop that carries a marker (<!-- workshop: run -->, start,
type, stop), from the repository root, and checks each "You should see" after it. Prints how
many blocks ran; exits 1 if a step failed or a marked block did not run, 2 on a malformed file.

  --part N    only part N (repeatable); make workshop PART=N. A part marked
              <!-- workshop: needs cluster --> runs only when named
  --list      print the parts and their steps, run nothing
  --verbose   print every command's output as it comes
`;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        part: { type: 'string', multiple: true },
        file: { type: 'string', default: DEFAULT_FILE },
        list: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`workshop: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const shown = relative(process.cwd(), values.file) || values.file;
  let workshop: Workshop;
  try {
    workshop = parseWorkshop(readFileSync(values.file, 'utf8'), shown);
  } catch (err) {
    process.stderr.write(`workshop: ${(err as Error).message}\n`);
    return err instanceof WorkshopError || (err as NodeJS.ErrnoException).code === 'ENOENT' ? 2 : 1;
  }
  const parts = (values.part ?? []).flatMap((p) => p.split(/[ ,]+/)).filter(Boolean);
  const unknown = parts.filter((id) => !workshop.parts.some((p) => p.id === id));
  if (unknown.length) {
    process.stderr.write(`workshop: ${shown} has no part ${unknown.join(', ')}; its parts: ${workshop.parts.map((p) => `${p.id} (${p.title})`).join(', ')}\n`);
    return 2;
  }
  if (values.list) {
    for (const part of workshop.parts) {
      out(
        `part ${part.id}. ${part.title}: ${part.steps.length} step(s), ${part.manual.length} manual block(s)${part.needs ? `; needs a ${part.needs} (run when named)` : ''}`,
      );
      for (const step of part.steps) out(`  line ${step.line} ${describe(step)}${step.expectations.length ? ` [${step.expectations.length} check(s)]` : ''}`);
      for (const m of part.manual) out(`  line ${m.line} manual: ${m.reason}`);
    }
    return 0;
  }
  // Ctrl-C on make workshop: the servers and play it started run in process groups of their own.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      out(`\nworkshop: ${sig}: stopping what it started`);
      void stopAll().then(() => process.exit(130));
    });
  }
  const result = await runWorkshop(workshop, {
    cwd: ROOT,
    parts,
    log: out,
    ...(values.verbose ? { echo: out } : {}),
  });
  const ran = result.steps.filter((s) => s.status !== 'not-run').length;
  const passed = result.steps.filter((s) => s.status === 'passed');
  const failed = result.steps.filter((s) => s.status === 'failed');
  const notRun = result.steps.filter((s) => s.status === 'not-run');
  const checks = passed.reduce((n, s) => n + s.checks, 0);
  out('');
  out(
    `workshop: ${ran} of ${result.steps.length} marked blocks ran in part(s) ${result.parts.join(', ')}: ${passed.length} passed (${checks} "you should see" checks), ${failed.length} failed, ${notRun.length} did not run; ${result.manual} manual block(s) not run by design`,
  );
  for (const p of result.leftOut)
    out(
      `part ${p.id} not in this run: it needs a kind ${p.needs} (make cluster-up deploy; offline: make offline-images, then PROXYLESS=1), then make workshop PART=${p.id}`,
    );
  for (const s of failed) out(`FAILED part ${s.part}, ${shown}:${s.step.line}: ${describe(s.step)}`);
  for (const s of notRun) out(`DID NOT RUN part ${s.part}, ${shown}:${s.step.line}: ${describe(s.step)}`);
  return result.passed ? 0 : 1;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
