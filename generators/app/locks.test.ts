// The pinned versions of generated projects stay in step with the kit, and the shipped lockfiles
// with the pinned versions (else a generated project's `npm ci` fails: fix with `make generator-locks`).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockTemplateModel } from './locks.ts';
import { kitRoot } from './paths.ts';
import { projectTypes } from './project-types/index.ts';
import { PROJECT_TYPES } from './validate.ts';
import { lockFileFor, packageJson, readDependencyVersions } from './write-project.ts';

type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

describe('dependency versions', () => {
  it("equal the kit's own package.json for every dependency both use", () => {
    const kit = JSON.parse(fs.readFileSync(path.join(kitRoot, 'package.json'), 'utf8')) as Manifest;
    const kitVersions = { ...kit.dependencies, ...kit.devDependencies };
    for (const [name, version] of Object.entries(readDependencyVersions())) {
      expect(kitVersions[name], `${name} in the kit's package.json`).toBe(version);
    }
  });

  it.each(PROJECT_TYPES)('the %s lockfile was resolved from the current versions (else: make generator-locks)', (type) => {
    const lock = JSON.parse(fs.readFileSync(lockFileFor(type), 'utf8')) as { lockfileVersion: number; packages: Record<string, Manifest> };
    const manifest = packageJson(lockTemplateModel(type), projectTypes[type], readDependencyVersions()) as Manifest;
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages['']?.dependencies).toEqual(manifest.dependencies);
    expect(lock.packages['']?.devDependencies).toEqual(manifest.devDependencies);
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
      expect(lock.packages[`node_modules/${name}`], `${name} resolved in ${type}.package-lock.json`).toBeDefined();
    }
  });
});
