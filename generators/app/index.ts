// The Yeoman generator behind `canarykit newApp` and `yo canarykit`: asks for (or takes from flags)
// the app's settings, then writes a server or client project. Task order is Yeoman's run loop:
// initializing → prompting → writing; the files reach the disk only when Yeoman commits at the end.
import './require-node.ts';
import path from 'node:path';
import Generator, { type BaseOptions } from 'yeoman-generator';
import { deriveModel, FLAGS, resolveAnswers, type Ask, type FlagValues, type NewAppAnswers } from './options.ts';
import { writeProject } from './write-project.ts';

/** Yeoman passes flags by their names as given (`app-version`, not `appVersion`). */
type CanarykitOptions = BaseOptions & Record<string, unknown>;

export default class CanarykitAppGenerator extends Generator<Record<string, unknown>, CanarykitOptions> {
  answers: NewAppAnswers | undefined;

  constructor(args: string[], options: CanarykitOptions) {
    super(args, options);
    // Never install: the project ships a lockfile and `make test` runs `npm ci` (Yeoman would run `npm install`).
    this.setFeatures({ customInstallTask: true });
    this.argument('dir', { type: String, required: false, description: 'directory of the new project (default: the current one)' });
    for (const spec of FLAGS) {
      this.option(spec.flag, { type: spec.kind === 'boolean' ? Boolean : String, description: spec.description });
    }
    this.option('yes', { type: Boolean, description: 'take the default for every flag not given (no prompts)' });
  }

  initializing(): void {
    const dir = this.options['dir'] as string | undefined;
    if (dir) this.destinationRoot(path.resolve(dir));
  }

  async prompting(): Promise<void> {
    const given: FlagValues = {};
    for (const spec of FLAGS) {
      const value = this.options[spec.flag] as string | boolean | undefined;
      if (value !== undefined) given[spec.flag] = value;
    }
    const interactive = this.options['yes'] !== true && process.stdin.isTTY === true;
    this.answers = await resolveAnswers(given, { dirName: path.basename(this.destinationRoot()) }, interactive ? this.ask : undefined);
  }

  writing(): void {
    if (!this.answers) throw new Error('prompting did not run');
    writeProject(this, deriveModel(this.answers));
  }

  private readonly ask: Ask = async (spec, defaultValue) => {
    const check = spec.check;
    const question = {
      type: spec.kind === 'boolean' ? 'confirm' : spec.choices ? 'select' : 'input',
      name: spec.flag,
      message: spec.question,
      default: defaultValue,
      ...(spec.choices ? { choices: [...spec.choices] } : {}),
      ...(check ? { validate: (input: string) => check(String(input)) ?? true } : {}),
    };
    const answer = await this.prompt([question] as never);
    return (answer as Record<string, string | boolean | undefined>)[spec.flag];
  };
}
