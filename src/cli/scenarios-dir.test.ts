import { describe, expect, it } from 'vitest';
import { scenariosDirOf, scenariosDirOptions } from './scenarios-dir.ts';

describe('--scenarios-dir and its aliases', () => {
  it('takes the flag or an old name, else the default', () => {
    expect(Object.keys(scenariosDirOptions('root'))).toEqual(['scenarios-dir', 'root']);
    expect(scenariosDirOf({ 'scenarios-dir': 'a' }, 'root', 'd')).toBe('a');
    expect(scenariosDirOf({ root: 'b' }, 'root', 'd')).toBe('b');
    expect(scenariosDirOf({ root: 'b', 'scenarios-dir': 'b' }, 'root', 'd')).toBe('b');
    expect(scenariosDirOf({}, 'root', 'd')).toBe('d');
  });

  it('refuses two different folders, naming both flags', () => {
    expect(() => scenariosDirOf({ root: 'a', 'scenarios-dir': 'b' }, 'root', 'd')).toThrow(/--scenarios-dir b and --root a name different scenarios folders/);
  });
});
