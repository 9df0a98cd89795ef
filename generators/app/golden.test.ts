// kubebuilder's check: the committed golden apps are exactly what the generator writes today.
import { expect, it } from 'vitest';
import { checkGolden } from './golden.ts';

it('apps/greeter-server and apps/greeter-client match a fresh generation (fix: make generate)', async () => {
  const differences = await checkGolden();
  expect(differences.map((d) => `${d.app}/${d.file}: ${d.problem}${d.diff ? `\n${d.diff}` : ''}`)).toEqual([]);
});
