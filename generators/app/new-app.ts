// `canarykit newApp <dir> [flags]`: validates every input, runs the Yeoman generator into a private
// temporary directory next to the target, and only when the whole project is written moves it into
// place. A bad flag, a failed template or an interrupted run leaves the target as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import { answersAsFlags, FLAGS, helpText, InputError, resolveAnswers, validateGiven, type FlagValues, type NewAppAnswers } from './options.ts';
import { generatorFile, listFiles } from './paths.ts';

export type NewAppRequest = {
  /** Directory of the new project; created if missing. */
  dir: string;
  flags: FlagValues;
  /** Take defaults for missing flags instead of asking. Implied when stdin is not a terminal (nobody could answer). */
  yes?: boolean;
  /** Write into a non-empty directory: the generator's files are overwritten, other files kept. */
  force?: boolean;
  /** Where Yeoman's "create <file>" lines go (default: stdout). */
  log?: Writable;
  /** Called with the complete temporary project just before it is moved into place (tests inject failures here). */
  beforeMove?: (temporaryProjectDir: string) => void | Promise<void>;
};

export type NewAppResult = { dir: string; answers: NewAppAnswers; files: string[] };

/** Entries that do not make a directory "non-empty": a fresh `git init` is a fine place for a project. */
const IGNORED_ENTRIES = new Set(['.git']);

/** Problems with the target directory: not a directory, or not empty without --force. */
export function targetDirProblems(dir: string, force: boolean): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return []; // missing: it will be created
  }
  if (!stat.isDirectory()) return [`<dir> "${dir}" exists and is not a directory`];
  const entries = fs.readdirSync(dir).filter((entry) => !IGNORED_ENTRIES.has(entry));
  if (entries.length === 0 || force) return [];
  const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', ...' : '');
  return [
    `<dir> "${dir}" is not empty (${shown}): pass --force to write into it (files the generator writes are overwritten, others kept), or choose a new directory`,
  ];
}

/**
 * The staging directory, beside the target (same file system, so the final move is one rename).
 * When the parent cannot be written, the error names the target and that parent, with a fix,
 * not the staging directory the user never asked for; nothing has been written.
 */
function makeStagingDir(dir: string): string {
  const parent = nearestExistingDir(path.dirname(dir));
  try {
    return fs.mkdtempSync(path.join(parent, '.canarykit-newapp-'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS' && code !== 'ENOENT') throw error;
    throw new InputError([
      `<dir> "${dir}" cannot be created: ${parent} is not writable (${code}); choose a directory you can write to (e.g. under ${os.homedir()}) or make ${parent} writable`,
    ]);
  }
}

function nearestExistingDir(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current)) current = path.dirname(current);
  return current;
}

/** Moves every file of `from` into `to`, creating folders; files already in `to` are replaced. */
function mergeMove(from: string, to: string): void {
  for (const relative of listFiles(from)) {
    const destination = path.join(to, relative);
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    fs.renameSync(path.join(from, relative), destination);
  }
}

/** Generates a project; throws InputError (bad input, nothing written) or any other error (nothing written either). */
export async function newApp(request: NewAppRequest): Promise<NewAppResult> {
  const dir = path.resolve(request.dir);
  const force = request.force === true;
  const yes = request.yes === true || process.stdin.isTTY !== true;
  // Validate before Yeoman starts: the directory, and with --yes every value (given or default), else
  // the flags given (the prompts check each answer as it is typed). All problems are reported at once.
  const problems = targetDirProblems(dir, force);
  let answers: NewAppAnswers | undefined;
  try {
    if (yes) answers = await resolveAnswers(request.flags, { dirName: path.basename(dir) });
    else validateGiven(request.flags);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new InputError(problems);
  // Ctrl-C or a kill while generating: drop the staging directory; the target was never touched.
  // Listening before the directory exists: without a listener Node dies at once, leaving it behind.
  let scratch: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    scratch = makeStagingDir(dir);
    // Same base name as the target, so defaults derived from the directory name match.
    const staging = path.join(scratch, path.basename(dir));
    fs.mkdirSync(staging);
    const chosen = await runGenerator(staging, answers ? answersAsFlags(answers) : request.flags, yes, request.log);
    const files = listFiles(staging);
    await request.beforeMove?.(staging);
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      fs.renameSync(staging, dir); // one atomic step
    } else {
      mergeMove(staging, dir); // the project is complete on disk before the first file moves
    }
    return { dir, answers: chosen, files };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function runGenerator(cwd: string, flags: FlagValues, yes: boolean, log: Writable | undefined): Promise<NewAppAnswers> {
  // Loaded here, not at the top: `--help` and bad input answer without loading Yeoman.
  const [{ createEnv }, { default: Generator }] = await Promise.all([import('yeoman-environment'), import('./index.ts')]);
  const output = (log ?? process.stdout) as NodeJS.WriteStream;
  const env = createEnv({ cwd, logCwd: cwd, skipInstall: true, stdout: output, stderr: output } as never);
  env.register(Generator as never, { namespace: 'canarykit:app', resolved: generatorFile, packagePath: path.dirname(generatorFile) } as never);
  await env.run(['canarykit:app'], { ...flags, yes, skipInstall: true, force: true, skipCache: true } as never);
  const root = env.rootGenerator() as InstanceType<typeof Generator>;
  if (!root.answers) throw new Error('the generator finished without answers');
  return root.answers;
}

const RUN_OPTIONS = { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean', short: 'f' }, help: { type: 'boolean', short: 'h' } } as const;

function parseNewAppArgs(argv: string[]) {
  const options: ParseArgsOptionsConfig = { ...RUN_OPTIONS };
  for (const spec of FLAGS) options[spec.flag] = { type: spec.kind };
  return parseArgs({ args: argv, options, allowPositionals: true, allowNegative: true, strict: true });
}

/** The CLI entry: argv after `newApp`. Returns the exit code: 0 done, 2 bad input, 1 failure. */
export async function runNewApp(argv: string[], out: Writable = process.stdout, err: Writable = process.stderr): Promise<number> {
  let parsed: ReturnType<typeof parseNewAppArgs>;
  try {
    parsed = parseNewAppArgs(argv);
  } catch (error) {
    err.write(`canarykit newApp: ${(error as Error).message}\nRun \`canarykit newApp --help\` for the flags.\n`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    out.write(helpText());
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    err.write(
      parsed.positionals.length === 0
        ? 'canarykit newApp: give the directory of the new project, e.g. `canarykit newApp my-svc --yes` (`.` for the current one)\n'
        : `canarykit newApp: one directory only, got ${parsed.positionals.map((p) => `"${p}"`).join(' ')}\n`,
    );
    return 2;
  }
  const flags: FlagValues = {};
  for (const spec of FLAGS) {
    const value = values[spec.flag];
    if (value !== undefined) flags[spec.flag] = value;
  }
  try {
    const result = await newApp({ dir: parsed.positionals[0] ?? '.', flags, yes: values.yes === true, force: values.force === true, log: out });
    const given = parsed.positionals[0] ?? '.';
    const shown = path.isAbsolute(given) ? result.dir : path.relative(process.cwd(), result.dir) || '.';
    out.write(
      `\nCreated ${result.answers.type} "${result.answers.name}" ${result.answers.appVersion} in ${shown} (${result.files.length} files).\n` +
        `Next: ${shown === '.' ? '' : `cd ${shown} && `}npm test   (its first run installs the locked dependencies; or make test, which also brings Node 24; make help for build, deploy)\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      err.write(`canarykit newApp: nothing was written:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    err.write(`canarykit newApp: failed, nothing was written: ${(error as Error).message}\n`);
    return 1;
  }
}
