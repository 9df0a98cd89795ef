// `canarykit newApp` end to end in-process: bad input is refused before anything is written, a late
// failure leaves nothing, and --force merges into a non-empty directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp, runNewApp } from './new-app.ts';

let parent: string;
beforeAll(() => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), 'canarykit-newapp-test-'));
});
afterAll(() => {
  fs.rmSync(parent, { recursive: true, force: true });
});

/** Every path under `dir` with its size and mtime: any write, create or delete changes it. */
function snapshot(dir: string): string[] {
  if (!fs.existsSync(dir)) return ['<missing>'];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((entry) => {
      const stat = fs.statSync(path.join(dir, entry));
      return `${entry} ${stat.isDirectory() ? 'dir' : stat.size} ${stat.mtimeMs}`;
    });
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (chunk: Buffer) => chunks.out.push(chunk));
  err.on('data', (chunk: Buffer) => chunks.err.push(chunk));
  const code = await runNewApp(argv, out, err);
  return { code, out: Buffer.concat(chunks.out).toString(), err: Buffer.concat(chunks.err).toString() };
}

type BadCase = { why: string; args: string[]; message: RegExp; setup?: (dir: string) => void };

const badCases: BadCase[] = [
  { why: 'upper case name', args: ['--name', 'DemoSvc'], message: /--name "DemoSvc" has upper case letters/ },
  { why: 'name with a leading digit', args: ['--name', '1demo'], message: /--name "1demo" starts with a digit/ },
  { why: 'name with a leading hyphen', args: ['--name=-demo'], message: /--name "-demo" starts with "-"/ },
  { why: 'name over 63 characters', args: ['--name', `a${'b'.repeat(63)}`], message: /--name .* is 64 characters long; at most 63/ },
  { why: 'name with ..', args: ['--name', '../escape'], message: /--name "\.\.\/escape" must not contain "\/" or "\.\."/ },
  { why: 'name with /', args: ['--name', 'team/demo'], message: /--name "team\/demo" must not contain "\/"/ },
  { why: 'empty name', args: ['--name='], message: /--name must not be empty/ },
  { why: 'name with an underscore', args: ['--name', 'demo_svc'], message: /--name "demo_svc" has characters other than/ },
  { why: 'version without v', args: ['--app-version', '2'], message: /--app-version "2" must be "v" followed by a major version/ },
  { why: 'version with a minor', args: ['--app-version', 'v2.1'], message: /--app-version "v2\.1" must be "v" followed/ },
  { why: 'version v0', args: ['--app-version', 'v0'], message: /--app-version "v0"/ },
  { why: 'unknown type', args: ['--type', 'gateway'], message: /--type "gateway" is unknown: use one of server, client/ },
  {
    why: 'image with upper case path',
    args: ['--image', 'Team/Demo'],
    message: /--image "Team\/Demo" is not a valid image reference \(the repository path has upper case letters\)/,
  },
  { why: 'image with an empty path component', args: ['--image', 'team//demo'], message: /--image "team\/\/demo" is not a valid image reference/ },
  { why: 'image with a bad tag', args: ['--image', 'demo:-bad'], message: /--image "demo:-bad" is not a valid image reference/ },
  { why: 'image with a short digest', args: ['--image', 'demo@sha256:abc'], message: /--image "demo@sha256:abc" is not a valid image reference/ },
  { why: 'image pinned by digest', args: ['--image', `demo@sha256:${'a'.repeat(64)}`], message: /--image .* pins a digest/ },
  { why: 'port 0', args: ['--port', '0'], message: /--port "0" must be a whole number from 1 to 65535/ },
  { why: 'port too high', args: ['--port', '65536'], message: /--port "65536"/ },
  { why: 'port not a number', args: ['--port', '20k'], message: /--port "20k"/ },
  { why: 'bad label key', args: ['--version-label', 'app version'], message: /--version-label "app version" is not a valid label key/ },
  { why: 'label key with two slashes', args: ['--version-label', 'a/b/c'], message: /--version-label "a\/b\/c" has more than one "\/"/ },
  {
    why: 'http target',
    args: ['--type', 'client', '--target', 'http://greeter-server:20000'],
    message: /--target "http:\/\/greeter-server:20000" must be "dns:\/\/\/<host>:<port>"/,
  },
  { why: 'target for a server', args: ['--target', 'dns:///greeter-server:20000'], message: /--target applies to --type client only/ },
  {
    why: 'proxyless client with a dns target',
    args: ['--type', 'client', '--proxyless', '--target', 'dns:///greeter-server:20000'],
    message: /--proxyless needs an xds:\/\/\/ target/,
  },
  { why: "release name over Helm's 53", args: ['--name', `a${'b'.repeat(50)}`, '--app-version', 'v10'], message: /Helm release name .* Helm allows 53/ },
  { why: 'unknown flag', args: ['--colour', 'blue'], message: /Unknown option '--colour'/ },
  { why: 'flag without its value', args: ['--name'], message: /argument missing/ },
  {
    why: 'non-empty directory without --force',
    args: [],
    setup: (dir) => {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    },
    message: /"\S+" is not empty \(notes\.txt\): pass --force/,
  },
  {
    why: 'target is a file',
    args: [],
    setup: (dir) => fs.writeFileSync(dir, 'a file\n'),
    message: /exists and is not a directory/,
  },
];

describe('bad input is refused before anything is written', () => {
  it.each(badCases)('$why', async ({ args, message, setup }) => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'case-'));
    const target = path.join(caseDir, 'demo-svc');
    setup?.(target);
    const before = snapshot(caseDir);
    const { code, out, err } = await cli([target, '--yes', ...args]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
    expect(snapshot(caseDir)).toEqual(before);
  });

  it('an unknown --type is reported alone, not with problems of flags it would have defaulted', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'case-'));
    const { code, err } = await cli([path.join(caseDir, 'demo-svc'), '--yes', '--type', 'lambda']);
    expect(code).toBe(2);
    expect(
      err
        .trim()
        .split('\n')
        .filter((l) => l.trim().startsWith('- ')),
    ).toEqual(['  - --type "lambda" is unknown: use one of server, client']);
  });

  it('a directory name that is no valid app name needs --name', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'case-'));
    const { code, err } = await cli([path.join(caseDir, 'My_App'), '--yes']);
    expect(code).toBe(2);
    expect(err).toMatch(/--name "My_App" .*the default comes from the directory name, so pass --name/);
    expect(snapshot(caseDir)).toEqual([]);
  });

  it('lists every problem at once', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'case-'));
    const { code, err } = await cli([path.join(caseDir, 'x'), '--yes', '--name', 'Bad', '--app-version', '2', '--port', '0']);
    expect(code).toBe(2);
    expect(err.match(/^ {2}- /gm)).toHaveLength(3);
  });

  it('reports a non-empty directory and bad flags together', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'case-'));
    fs.writeFileSync(path.join(caseDir, 'notes.txt'), 'mine\n');
    const { code, err } = await cli([caseDir, '--yes', '--name', 'Bad']);
    expect(code).toBe(2);
    expect(err).toMatch(/is not empty/);
    expect(err).toMatch(/--name "Bad"/);
  });

  it('a parent it cannot write to is reported as a problem of the target, with a fix (not the staging directory)', async () => {
    // /sys refuses new entries even to root (EPERM), as a directory without write permission
    // refuses them to a user (EACCES).
    const target = '/sys/canarykit-newapp-test/demo-svc';
    const { code, out, err } = await cli([target, '--yes']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(
      /<dir> "\/sys\/canarykit-newapp-test\/demo-svc" cannot be created: \/sys is not writable \((EPERM|EACCES|EROFS)\); choose a directory you can write to/,
    );
    expect(err).not.toContain('.canarykit-newapp-');
  });

  it('needs exactly one directory', async () => {
    expect((await cli(['--yes'])).err).toMatch(/give the directory of the new project/);
    expect((await cli(['a', 'b', '--yes'])).code).toBe(2);
  });
});

describe('writing', () => {
  it('creates the project and reports it', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'ok-'));
    const target = path.join(caseDir, 'nested', 'demo-svc');
    const { code, out } = await cli([target, '--type', 'server', '--app-version', 'v2', '--yes']);
    expect(code).toBe(0);
    expect(out).toMatch(/Created server "demo-svc" v2/);
    expect(fs.readFileSync(path.join(target, 'conf', 'server.yaml'), 'utf8')).toMatch(/^version: v2\.0\.0/m);
    expect(fs.readdirSync(caseDir)).toEqual(['nested']); // no staging directory left behind
  });

  it('a failure after the project is staged leaves the target untouched', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'fail-'));
    const target = path.join(caseDir, 'demo-svc');
    fs.mkdirSync(target); // an empty directory is a valid target
    const before = snapshot(caseDir);
    let staged: string[] = [];
    await expect(
      newApp({
        dir: target,
        flags: {},
        yes: true,
        log: new PassThrough(),
        beforeMove: (staging) => {
          staged = fs.readdirSync(staging);
          throw new Error('injected failure before the move');
        },
      }),
    ).rejects.toThrow(/injected failure/);
    expect(staged).toContain('Makefile');
    expect(snapshot(caseDir)).toEqual(before);
  });

  it('a SIGTERM while generating removes the staging directory and leaves no target', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'signal-'));
    const target = path.join(caseDir, 'demo-svc');
    const child = spawn(process.execPath, [fileURLToPath(new URL('./cli.ts', import.meta.url)), target, '--yes'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Wait for the staging directory (made before Yeoman loads, which takes most of a second), then stop the run.
    const deadline = Date.now() + 10_000;
    while (!fs.readdirSync(caseDir).some((entry) => entry.startsWith('.canarykit-newapp-')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(fs.readdirSync(caseDir)).toEqual([]);
  });

  it('--force writes into a non-empty directory and keeps files it does not own', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'force-'));
    const target = path.join(caseDir, 'demo-svc');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'mine\n');
    fs.writeFileSync(path.join(target, 'Makefile'), 'old\n');
    const { code } = await cli([target, '--yes', '--force']);
    expect(code).toBe(0);
    expect(fs.readFileSync(path.join(target, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(fs.readFileSync(path.join(target, 'Makefile'), 'utf8')).toMatch(/^HELM_INSTALL_NAME = demo-svc-v1$/m);
  });

  it('a directory with only .git counts as empty', async () => {
    const caseDir = fs.mkdtempSync(path.join(parent, 'git-'));
    const target = path.join(caseDir, 'demo-svc');
    fs.mkdirSync(path.join(target, '.git'), { recursive: true });
    expect((await cli([target, '--yes'])).code).toBe(0);
    expect(fs.existsSync(path.join(target, 'Makefile'))).toBe(true);
  });

  it('--help prints every flag', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const flag of ['--type', '--name', '--app-version', '--image', '--port', '--version-label', '--target', '--proxyless', '--yes', '--force']) {
      expect(out).toContain(flag);
    }
  });
});
