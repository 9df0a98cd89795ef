import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './cli.ts';

const scenario = join(import.meta.dirname, '..', '..', 'scenarios', 'weighted-90-10');

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let buf = '';
  const stream = {
    isTTY: false,
    write: (s: string) => {
      buf += s;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => buf };
}

function logFile(share: number, n = 500): string {
  const dir = mkdtempSync(join(tmpdir(), 'canarykit-verify-'));
  const lines = Array.from({ length: n }, (_, i) => `INFO call server response = name:"a" id:"${i < n * share ? 'v2' : 'v1'}.0.0"`);
  writeFileSync(join(dir, 'client.log'), lines.join('\n'));
  return join(dir, 'client.log');
}

describe('verify CLI', () => {
  it('exit 0 and a PASS report for a correct split, 1 for a wrong one', () => {
    const ok = capture();
    expect(main([scenario, '--mode', 'local', '--client', `default=${logFile(0.1)}`], ok.stream)).toBe(0);
    expect(ok.text()).toMatch(/^PASS weighted-90-10/);
    const bad = capture();
    expect(main([scenario, '--client', `default=${logFile(0.3)}`, '--json'], bad.stream)).toBe(1);
    expect(JSON.parse(bad.text()).passed).toBe(false);
  });

  it('--plan prints the calls each client needs', () => {
    const out = capture();
    expect(main([scenario, '--plan', '--mode', 'local'], out.stream)).toBe(0);
    expect(out.text()).toBe('default\t455\n');
  });
});
