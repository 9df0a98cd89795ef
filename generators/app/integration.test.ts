// The whole promise of newApp, as a user lives it: generate a server v2 and a client into a fresh
// directory, install each from its own lockfile (npm ci, needs the npm registry), run each project's
// own tests, then start both and see the client log the server's version. Slow by nature: one test.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { newApp } from './new-app.ts';

const run = promisify(execFile);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-integration-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** npm with the project's own node_modules only: no kit dependency leaks in through NODE_PATH or a parent. */
async function npm(cwd: string, args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  delete env['NODE_PATH'];
  try {
    const { stdout, stderr } = await run('npm', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${failure.stdout ?? ''}\n${failure.stderr ?? failure.message}`);
  }
}

function startProcess(cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['src/main.ts'], { cwd, env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const poll = setInterval(() => {
        const match = pattern.exec(output);
        if (match) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve(match);
        }
      }, 50);
    });
  return { child, exited, waitFor, output: () => output };
}

it('generates a server v2 and a client that install, pass their own tests and talk to each other', { timeout: 900_000 }, async () => {
  // Sibling folders of the test, outside the kit: a generated project must not find the kit's node_modules.
  const serverDir = path.join(work, 'demo-svc');
  const clientDir = path.join(work, 'demo-client');
  await newApp({ dir: serverDir, flags: { type: 'server', 'app-version': 'v2' }, yes: true, log: new PassThrough() });
  await newApp({ dir: clientDir, flags: { type: 'client', target: 'dns:///demo-svc:20000' }, yes: true, log: new PassThrough() });

  for (const dir of [serverDir, clientDir]) {
    await npm(dir, ['ci', '--no-audit', '--no-fund']);
    await npm(dir, ['run', 'typecheck']);
    // npm exits non-zero (and npm() throws) when a test fails; also make sure some tests ran.
    const tests = (await npm(dir, ['test'])).replace(/\x1b\[[0-9;]*m/g, '');
    expect(tests).toMatch(/Tests\s+\d+ passed/);
  }

  const server = startProcess(serverDir, { GREETER_PORT: '0', GREETER_HOST: '127.0.0.1' });
  try {
    const listening = await server.waitFor(/listening address:"[^"]*:(\d+)" version:"v2\.0\.0"/);
    const client = startProcess(clientDir, {
      GREETER_TARGET: `dns:///127.0.0.1:${listening[1]}`,
      GREETER_COUNT: '3',
      GREETER_RATE: '0',
      GREETER_HTTP_PORT: '0',
    });
    expect(await client.exited).toBe(0);
    const responses = client
      .output()
      .split('\n')
      .filter((line) => line.includes('call server response ='));
    expect(responses).toHaveLength(3);
    for (const line of responses) expect(line).toContain('name:"Hello laurence" id:"v2.0.0"');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
