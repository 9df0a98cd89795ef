// `make generator-locks`: writes locks/<type>.package-lock.json, the lockfile every generated project
// ships so that its `npm ci` works. Resolved once here against dependency-versions.json (needs the npm
// registry); the generator then only renames it for the app. Run it after editing dependency-versions.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deriveModel } from './options.ts';
import { locksDir } from './paths.ts';
import { projectTypes } from './project-types/index.ts';
import { lockFileFor, packageJson, readDependencyVersions } from './write-project.ts';
import { PROJECT_TYPES } from './validate.ts';

/** The app every lock is resolved for; the generator rewrites name and version per app. */
export const LOCK_APP_NAME = 'canarykit-app';

export function lockTemplateModel(type: (typeof PROJECT_TYPES)[number]) {
  return deriveModel({
    type,
    name: LOCK_APP_NAME,
    appVersion: 'v1',
    image: `canarykit/${LOCK_APP_NAME}`,
    port: 1,
    versionLabel: 'version',
    target: undefined,
    proxyless: false,
  });
}

export function writeLocks(): void {
  fs.mkdirSync(locksDir, { recursive: true });
  const versions = readDependencyVersions();
  for (const type of PROJECT_TYPES) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `canarykit-lock-${type}-`));
    try {
      fs.writeFileSync(path.join(work, 'package.json'), `${JSON.stringify(packageJson(lockTemplateModel(type), projectTypes[type], versions), null, 2)}\n`);
      execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: work,
        stdio: 'inherit',
      });
      fs.copyFileSync(path.join(work, 'package-lock.json'), lockFileFor(type));
      console.log(`wrote ${path.relative(process.cwd(), lockFileFor(type))}`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) writeLocks();
