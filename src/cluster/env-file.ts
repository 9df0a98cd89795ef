// The repository root, the reader of `KEY=value` files (scripts/tools/versions.env, the offline
// images' .tools/offline/images.env), and PROXYLESS=1 read from the environment.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** `KEY=value` lines; `#` comments and blank lines ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) out[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

/** PROXYLESS=1 (or true, yes) in the environment: what `make e2e PROXYLESS=1` passes to the tests and commands. */
export function proxylessFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test(env.PROXYLESS ?? '');
}
