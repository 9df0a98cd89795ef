// The flags of `canarykit newApp` (and of `yo canarykit`): one table that drives argument parsing,
// Yeoman option registration, prompts, defaults, validation and the help text.
import {
  checkAppVersion,
  checkImage,
  checkLabelKey,
  checkName,
  checkPort,
  checkReleaseName,
  checkTarget,
  checkType,
  parseImageReference,
  type Check,
  type ProjectTypeName,
} from './validate.ts';

/** What the user chose, after defaults. */
export type NewAppAnswers = {
  type: ProjectTypeName;
  name: string;
  appVersion: string;
  image: string;
  port: number;
  versionLabel: string;
  /** Clients only: the gRPC target of the greeter server. */
  target: string | undefined;
  proxyless: boolean;
};

/** Flag values as given on the command line (strings and booleans), keyed by flag name. */
export type FlagValues = Partial<Record<FlagName, string | boolean>>;

export type FlagName = 'type' | 'name' | 'app-version' | 'image' | 'port' | 'version-label' | 'target' | 'proxyless';

type Partial1 = Partial<NewAppAnswers>;

export type FlagSpec = {
  flag: FlagName;
  /** The answer the flag sets (assign and answersAsFlags read this table, not a list of their own). */
  answer: keyof NewAppAnswers;
  /** `boolean`: a switch; `string`: a value, kept as text, or as a number when `numeric`. */
  kind: 'string' | 'boolean';
  numeric?: true;
  placeholder: string;
  description: string;
  /** The default, computed from the answers chosen before this one (flags are resolved in table order). */
  defaultValue: (earlier: Partial1, context: { dirName: string }) => string | boolean | undefined;
  check?: Check;
  /** The prompt shown when the flag is missing and the terminal is interactive. */
  question: string;
  choices?: readonly string[];
  onlyFor?: ProjectTypeName;
};

export const DEFAULT_SERVER_PORT = 20000;
export const DEFAULT_CLIENT_HTTP_PORT = 8080;
export const DEFAULT_SERVER_NAME = 'greeter-server';

export const FLAGS: readonly FlagSpec[] = [
  {
    flag: 'type',
    answer: 'type',
    kind: 'string',
    placeholder: 'server|client',
    description: 'what to scaffold: a greeter gRPC server or a client that calls it in a loop',
    defaultValue: () => 'server',
    check: checkType,
    question: 'Project type',
    choices: ['server', 'client'],
  },
  {
    flag: 'name',
    answer: 'name',
    kind: 'string',
    placeholder: '<app>',
    description: 'app name (DNS-1123 label): the `app` label, Service, chart and package name',
    defaultValue: (_earlier, { dirName }) => dirName,
    check: checkName,
    question: 'App name (the `app` label and Service name)',
  },
  {
    flag: 'app-version',
    answer: 'appVersion',
    kind: 'string',
    placeholder: 'v<major>',
    description: 'version of this app: v1 creates the Service; v2 and later answer v<major>.0.0 next to it',
    defaultValue: () => 'v1',
    check: checkAppVersion,
    question: 'App version (v1, v2, ...)',
  },
  {
    flag: 'image',
    answer: 'image',
    kind: 'string',
    placeholder: '<repository>',
    description: 'image repository, default the app name (Docker reference; a :tag replaces the default tag <major>.0.0)',
    defaultValue: (earlier) => earlier.name ?? 'app',
    check: checkImage,
    question: 'Image repository',
  },
  {
    flag: 'port',
    answer: 'port',
    numeric: true,
    kind: 'string',
    placeholder: '<1-65535>',
    description: `server: gRPC port (default ${DEFAULT_SERVER_PORT}); client: HTTP port of health, metrics and live page (default ${DEFAULT_CLIENT_HTTP_PORT})`,
    defaultValue: (earlier) => String(earlier.type === 'client' ? DEFAULT_CLIENT_HTTP_PORT : DEFAULT_SERVER_PORT),
    check: checkPort,
    question: 'Port',
  },
  {
    flag: 'version-label',
    answer: 'versionLabel',
    kind: 'string',
    placeholder: '<label key>',
    description: 'pod label key that carries the version (Istio subsets select on it), e.g. dubbogoAppVersion',
    defaultValue: () => 'version',
    check: checkLabelKey,
    question: 'Version label key',
  },
  {
    flag: 'proxyless',
    answer: 'proxyless',
    kind: 'boolean',
    placeholder: '',
    description: 'proxyless gRPC: chart asks Istio for the grpc-agent template; a client targets xds:///',
    defaultValue: () => false,
    question: 'Proxyless gRPC (no Envoy sidecar)?',
  },
  {
    flag: 'target',
    answer: 'target',
    kind: 'string',
    placeholder: 'dns:///h:p|xds:///h:p',
    description: `client only: the server to call (default dns:///${DEFAULT_SERVER_NAME}:${DEFAULT_SERVER_PORT}, xds:/// with --proxyless)`,
    defaultValue: (earlier) =>
      earlier.type === 'client' ? `${earlier.proxyless ? 'xds' : 'dns'}:///${DEFAULT_SERVER_NAME}:${DEFAULT_SERVER_PORT}` : undefined,
    check: checkTarget,
    question: 'gRPC target of the server',
    onlyFor: 'client',
  },
];

/** Flags that steer the run, not the project. */
export const RUN_FLAGS = [
  { flag: 'yes', description: 'take the default for every flag not given (no prompts)' },
  { flag: 'force', description: 'write into a non-empty directory, overwriting files the generator owns' },
  { flag: 'help', description: 'show this help' },
] as const;

export class InputError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** Asks for one missing flag; returns the raw answer. Absent when the run is non-interactive. */
export type Ask = (spec: FlagSpec, defaultValue: string | boolean | undefined) => Promise<string | boolean | undefined>;

/**
 * Resolves every flag in table order: the given value, else the answer to a prompt (when `ask` is
 * given), else the default. Validates everything and throws one InputError listing every problem.
 */
export async function resolveAnswers(given: FlagValues, context: { dirName: string }, ask?: Ask): Promise<NewAppAnswers> {
  const problems: string[] = [];
  const chosen: Partial1 = {};
  for (const spec of FLAGS) {
    const raw = given[spec.flag];
    if (spec.onlyFor && chosen.type !== spec.onlyFor) {
      // A flag of the other type; with an unknown --type, check a given value but invent no default.
      if (chosen.type !== undefined && raw !== undefined) problems.push(`--${spec.flag} applies to --type ${spec.onlyFor} only (this is a ${chosen.type})`);
      if (chosen.type !== undefined || raw === undefined) continue;
    }
    const fallback = spec.defaultValue(chosen, context);
    let value = raw;
    if (value === undefined && ask) value = await ask(spec, fallback);
    if (value === undefined) value = fallback;
    if (spec.kind === 'boolean') {
      assign(chosen, spec, value === true || value === 'true');
      continue;
    }
    if (typeof value !== 'string') {
      problems.push(`--${spec.flag} needs a value (${spec.placeholder})`);
      continue;
    }
    const problem = spec.check?.(value);
    if (problem) {
      // A bad default is the directory's fault: say so, and how to choose instead.
      problems.push(raw === undefined && spec.flag === 'name' ? `${problem}; the default comes from the directory name, so pass --name` : problem);
      continue;
    }
    assign(chosen, spec, value);
  }
  if (chosen.name !== undefined && chosen.appVersion !== undefined) {
    const problem = checkReleaseName(chosen.name, chosen.appVersion);
    if (problem) problems.push(problem);
  }
  if (chosen.type === 'client' && chosen.proxyless && chosen.target?.startsWith('dns:')) {
    problems.push(`--target "${chosen.target}" uses dns:/// but --proxyless needs an xds:/// target (proxyless gRPC resolves through xDS)`);
  }
  if (problems.length > 0) throw new InputError(problems);
  return chosen as NewAppAnswers;
}

/** Checks only the flags given (interactive runs ask for the rest, and check each answer as it comes). */
export function validateGiven(given: FlagValues): void {
  const problems: string[] = [];
  for (const spec of FLAGS) {
    const value = given[spec.flag];
    if (typeof value !== 'string') continue;
    const problem = spec.check?.(value);
    if (problem) problems.push(problem);
    if (spec.onlyFor && typeof given.type === 'string' && given.type !== spec.onlyFor) {
      problems.push(`--${spec.flag} applies to --type ${spec.onlyFor} only (this is a ${given.type})`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}

function assign(chosen: Partial1, spec: FlagSpec, value: string | boolean): void {
  (chosen as Record<string, unknown>)[spec.answer] = spec.kind === 'boolean' ? value === true : spec.numeric ? Number(value) : String(value);
}

/** The flags that give these answers again (newApp's second run, in the order of FLAGS). */
export function answersAsFlags(answers: NewAppAnswers): FlagValues {
  const flags: FlagValues = {};
  for (const spec of FLAGS) {
    const value = answers[spec.answer];
    if (value !== undefined) flags[spec.flag] = typeof value === 'number' ? String(value) : value;
  }
  return flags;
}

/** Everything the templates need, derived from the answers in one place. */
export type AppModel = NewAppAnswers & {
  major: number;
  /** The version the server answers with, e.g. v2.0.0. */
  serviceVersion: string;
  /** package.json version, e.g. 2.0.0. */
  packageVersion: string;
  imageRepository: string;
  imageTag: string;
  helmInstallName: string;
  /** Only the v1 release creates the Service; later versions join it. */
  serviceCreate: boolean;
  /** Clients: the target of local runs (conf/client.yaml): a server started next to it with `make run`. */
  localTarget: string;
  /** The flags that make the next version of this app with the same settings (README, Makefile comment). */
  nextVersionFlags: string;
};

export function deriveModel(answers: NewAppAnswers): AppModel {
  const major = Number(answers.appVersion.slice(1));
  const parsed = parseImageReference(answers.image);
  if (typeof parsed === 'string') throw new InputError([parsed]);
  return {
    ...answers,
    major,
    serviceVersion: `v${major}.0.0`,
    packageVersion: `${major}.0.0`,
    imageRepository: parsed.repository,
    imageTag: parsed.tag ?? `${major}.0.0`,
    helmInstallName: `${answers.name}-${answers.appVersion}`,
    serviceCreate: major === 1,
    localTarget: `dns:///localhost:${/:([0-9]+)$/.exec(answers.target ?? '')?.[1] ?? DEFAULT_SERVER_PORT}`,
    nextVersionFlags: nextVersionFlags(answers, parsed.repository, major + 1),
  };
}

function nextVersionFlags(answers: NewAppAnswers, repository: string, nextMajor: number): string {
  const flags = [`--type ${answers.type}`, `--name ${answers.name}`, `--app-version v${nextMajor}`];
  if (repository !== answers.name) flags.push(`--image ${repository}`);
  if (answers.port !== (answers.type === 'client' ? DEFAULT_CLIENT_HTTP_PORT : DEFAULT_SERVER_PORT)) flags.push(`--port ${answers.port}`);
  if (answers.versionLabel !== 'version') flags.push(`--version-label ${answers.versionLabel}`);
  if (answers.proxyless) flags.push('--proxyless');
  if (answers.target !== undefined && answers.target !== `${answers.proxyless ? 'xds' : 'dns'}:///${DEFAULT_SERVER_NAME}:${DEFAULT_SERVER_PORT}`)
    flags.push(`--target ${answers.target}`);
  return [...flags, '--yes'].join(' ');
}

/** The help text: usage plus one line per flag, from the table above. */
export function helpText(command = 'canarykit newApp <dir>'): string {
  const rows: Array<[string, string]> = FLAGS.map((spec) => [`--${spec.flag}${spec.kind === 'string' ? ` ${spec.placeholder}` : ''}`, spec.description]);
  for (const run of RUN_FLAGS) rows.push([`--${run.flag}`, run.description]);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: ${command} [flags]`,
    '',
    'Scaffolds a greeter gRPC server or client: TypeScript sources, tests, Dockerfile, Helm chart, Makefile.',
    'Missing flags are asked for on a terminal; --yes takes their defaults.',
    '',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
  ].join('\n');
}
