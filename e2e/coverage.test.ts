import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioDirs } from '../src/scenarios/load.ts';

describe('e2e coverage', () => {
  it('has one e2e test file per scenario folder', () => {
    const missing = scenarioDirs(join(import.meta.dirname, '..', 'scenarios'))
      .map((dir) => dir.split('/').pop()!)
      .filter((name) => !existsSync(join(import.meta.dirname, `${name}.test.ts`)));
    expect(missing, `add e2e/<name>.test.ts calling scenarioTest('<name>') for each`).toEqual([]);
  });
});
