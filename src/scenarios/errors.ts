import { isAbsolute, relative } from 'node:path';

export interface ScenarioErrorInit {
  /** The file at fault, as shown to the user (relative to the working directory when inside it). */
  file: string;
  /** Where in the file: a field path such as `spec.http[0].route[1].weight`, or `line 3, column 5`; '' for the whole file. */
  field: string;
  /** What is wrong. */
  reason: string;
  /** How to fix it. */
  fix: string;
}

/**
 * One problem in a scenario, located precisely:
 * `scenarios/weighted-90-10/virtual-service.yaml: spec.http[0].route: weights sum to 95, they must sum to 100 (fix the weights)`.
 * `loadScenario` throws one ScenarioError: its file/field/reason are those of the first problem, `all`
 * holds every problem of the scenario (each with its own message), and its message lists them all.
 */
export class ScenarioError extends Error {
  readonly file: string;
  readonly field: string;
  readonly reason: string;
  readonly fix: string;
  all: ScenarioError[];

  constructor(init: ScenarioErrorInit) {
    super(formatProblem(init));
    this.name = 'ScenarioError';
    this.file = init.file;
    this.field = init.field;
    this.reason = init.reason;
    this.fix = init.fix;
    this.all = [this];
  }

  /** One error that stands for several: the first, with every message in its own. */
  static combine(errors: ScenarioError[]): ScenarioError {
    const first = errors[0];
    if (!first) throw new Error('ScenarioError.combine needs at least one error');
    if (errors.length === 1) return first;
    const combined = new ScenarioError(first);
    combined.all = errors;
    combined.message = `${errors.length} problems:\n${errors.map((e) => `  ${formatProblem(e)}`).join('\n')}`;
    return combined;
  }
}

export function formatProblem(e: ScenarioErrorInit): string {
  return `${e.file}: ${e.field ? `${e.field}: ` : ''}${e.reason} (${e.fix})`;
}

/** How a file path is shown: relative to the working directory when it is inside it. */
export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/** `['spec', 'http', 0, 'route', 1, 'weight']` → `spec.http[0].route[1].weight`. */
export function fieldPath(path: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
