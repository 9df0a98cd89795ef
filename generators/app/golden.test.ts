// kubebuilder's check: the committed golden apps are exactly what the generator writes today.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { checkGolden, generateGolden } from './golden.ts';

it('apps/greeter-server and apps/greeter-client match a fresh generation (fix: make generate)', async () => {
  const differences = await checkGolden();
  expect(differences.map((d) => `${d.app}/${d.file}: ${d.problem}${d.diff ? `\n${d.diff}` : ''}`)).toEqual([]);
});

it('make generate refuses to overwrite an uncommitted edit of a golden app, and reports a committed one', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-golden-root-'));
  try {
    await generateGolden(root);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '-qm', 'golden');
    const edited = path.join(root, 'apps', 'greeter-server', 'src', 'logger.ts');
    fs.appendFileSync(edited, '// an edit made in apps/ instead of the templates\n');
    await expect(generateGolden(root)).rejects.toThrow(/apps\/greeter-server has uncommitted changes .*src\/logger\.ts/);
    expect(fs.readFileSync(edited, 'utf8')).toContain('an edit made in apps/');
    expect((await checkGolden(root)).map((d) => `${d.app}/${d.file}: ${d.problem}`)).toEqual(['apps/greeter-server/src/logger.ts: differs']);
    await generateGolden(root, { overwriteUncommitted: true });
    expect(await checkGolden(root)).toEqual([]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
