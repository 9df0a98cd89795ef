// The contract every project type (server, client) fulfils: what differs between them besides
// their template folder (templates/<type>/). The writer in ../write-project.ts does the rest.
import type { AppModel } from '../options.ts';
import type { ProjectTypeName } from '../validate.ts';

export type ProjectType = {
  type: ProjectTypeName;
  /** package.json description. */
  description: string;
  /** Names only: the versions come from ../dependency-versions.json. */
  dependencies: readonly string[];
  devDependencies: readonly string[];
  scripts: Readonly<Record<string, string>>;
  /** The app's config file (relative to the project), rendered from templates/<type>/<configFile>.ejs. */
  configFile: string;
  /** What the README's "Run it" section shows. */
  startHint: (app: AppModel) => string;
};

/** The npm scripts every generated project has: both types run, type-check and test the same way. */
export const commonScripts: Readonly<Record<string, string>> = {
  start: 'node src/main.ts',
  'generate:proto':
    'proto-loader-gen-types --longs=String --enums=String --defaults --oneofs --grpcLib=@grpc/grpc-js --importFileExtension=.ts --outDir=src/generated proto/greeter.proto',
  typecheck: 'tsc --noEmit',
  // `npm test` right after newApp works: the first run installs the locked dependencies (npm ci),
  // as the Makefile's test target does; when vitest resolves (also hoisted, in a workspace) it is a no-op.
  pretest: 'node -e "try { require.resolve(\'vitest/package.json\') } catch { process.exit(1) }" || npm ci --no-audit --no-fund',
  test: 'vitest run',
};
