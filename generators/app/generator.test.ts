// yeoman-test runs of the generator: each project type and version, asserting files and key contents.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import helpers, { type RunResult } from 'yeoman-test';
import { parse } from 'yaml';
import CanarykitAppGenerator from './index.ts';
import { generatorFile, kitChartDir, kitProtoFile } from './paths.ts';
import { projectTypes } from './project-types/index.ts';

const run = (options: Record<string, unknown>) =>
  helpers
    .run(CanarykitAppGenerator as never, { namespace: 'canarykit:app', resolved: generatorFile })
    .withOptions({ yes: true, skipInstall: true, ...options } as never);

const read = (result: RunResult, file: string) => fs.readFileSync(path.join(result.cwd, file), 'utf8');
const values = (result: RunResult) => parse(read(result, 'chart/values.yaml')) as Record<string, unknown>;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('server', () => {
  it('v1 answers v1.0.0, owns the Service and has the project files', async () => {
    const result = await run({ name: 'demo-svc' });
    result.assertFile([
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'Makefile',
      'README.md',
      '.gitignore',
      '.dockerignore',
      'conf/server.yaml',
      'proto/greeter.proto',
    ]);
    result.assertFileContent('conf/server.yaml', /^version: v1\.0\.0\b/m);
    result.assertFileContent('conf/server.yaml', /^port: 20000\b/m);
    result.assertFileContent('Makefile', /^IMAGE = demo-svc$/m);
    result.assertFileContent('Makefile', /^TAG = 1\.0\.0$/m);
    result.assertFileContent('Makefile', /^HELM_INSTALL_NAME = demo-svc-v1$/m);
    result.assertJsonFileContent('package.json', { name: 'demo-svc', version: '1.0.0', scripts: { test: 'vitest run', start: 'node src/main.ts' } });
    result.assertNoFile('.yo-rc.json');
    expect(read(result, 'proto/greeter.proto')).toBe(fs.readFileSync(kitProtoFile, 'utf8'));
  });

  it("--app-version v2 does the tutorial's hand edits in one step", async () => {
    const result = await run({ name: 'demo-svc', 'app-version': 'v2' });
    result.assertFileContent('conf/server.yaml', /^version: v2\.0\.0\b/m);
    result.assertFileContent('Makefile', /^TAG = 2\.0\.0$/m);
    result.assertFileContent('Makefile', /^HELM_INSTALL_NAME = demo-svc-v2$/m);
    result.assertJsonFileContent('package.json', { version: '2.0.0' });
    result.assertJsonFileContent('package-lock.json', { name: 'demo-svc', version: '2.0.0', packages: { '': { name: 'demo-svc', version: '2.0.0' } } });
  });

  it('--image with a tag, --port and --version-label reach the Makefile and config', async () => {
    const result = await run({ name: 'hello', image: 'registry.local:5000/team/hello:canary', port: '30001', 'version-label': 'dubbogoAppVersion' });
    result.assertFileContent('Makefile', /^IMAGE = registry\.local:5000\/team\/hello$/m);
    result.assertFileContent('Makefile', /^TAG = canary$/m);
    result.assertFileContent('Makefile', /-l 'app=hello,dubbogoAppVersion=v1'/);
    result.assertFileContent('conf/server.yaml', /^port: 30001\b/m);
    // The next version keeps every setting but the version (a different label key would break the subsets).
    result.assertFileContent(
      'README.md',
      'canarykit newApp hello-v2 --type server --name hello --app-version v2 --image registry.local:5000/team/hello --port 30001 --version-label dubbogoAppVersion --yes',
    );
  });
});

describe('client', () => {
  it('calls a local server from conf/ and the Service through the sidecar in the cluster', async () => {
    const result = await run({ type: 'client', name: 'greeter-client' });
    result.assertFile(['conf/client.yaml', 'package-lock.json', 'test/app-config.test.ts']);
    result.assertNoFile(['conf/server.yaml', 'test/app-version.test.ts']);
    result.assertFileContent('conf/client.yaml', /^target: dns:\/\/\/localhost:20000\b/m);
    result.assertFileContent('conf/client.yaml', /^httpPort: 8080\b/m);
    expect(values(result)).toMatchObject({
      kind: 'client',
      app: 'greeter-client',
      client: { target: 'dns:///greeter-server:20000', httpPort: 8080 },
      proxyless: { enabled: false },
    });
    result.assertJsonFileContent('package.json', { dependencies: { '@grpc/grpc-js-xds': projectDependency('@grpc/grpc-js-xds') } });
  });

  it('--proxyless switches the target to xds:/// and the chart to the grpc-agent template', async () => {
    const result = await run({ type: 'client', name: 'greeter-client', proxyless: true });
    expect(values(result)).toMatchObject({ client: { target: 'xds:///greeter-server:20000' }, proxyless: { enabled: true } });
  });

  it('--target and --port set where it calls and where it serves metrics', async () => {
    const result = await run({ type: 'client', name: 'edge', target: 'dns:///hello.demo:30001', port: '9090' });
    expect(values(result)).toMatchObject({ client: { target: 'dns:///hello.demo:30001', httpPort: 9090 } });
    result.assertFileContent('conf/client.yaml', /^target: dns:\/\/\/localhost:30001\b/m);
  });
});

describe('chart', () => {
  it('v1 owns the Service; the chart is named after the app', async () => {
    const result = await run({ name: 'demo-svc' });
    expect(values(result)).toMatchObject({
      kind: 'server',
      app: 'demo-svc',
      version: 'v1',
      versionLabel: 'version',
      image: { repository: 'demo-svc', tag: '1.0.0' },
      server: { port: 20000, version: 'v1.0.0' },
      service: { create: true, port: 20000 },
    });
    result.assertFileContent('chart/Chart.yaml', /^name: demo-svc$/m);
    result.assertNoFile('chart/ci/server-v1-values.yaml');
    // Everything else is the kit chart, byte for byte.
    expect(read(result, 'chart/templates/deployment.yaml')).toBe(fs.readFileSync(path.join(kitChartDir, 'templates', 'deployment.yaml'), 'utf8'));
  });

  it('v2 labels the pods v2, answers v2.0.0 and leaves the Service to v1 (keeping the comments)', async () => {
    const result = await run({ name: 'demo-svc', 'app-version': 'v2', 'version-label': 'dubbogoAppVersion' });
    expect(values(result)).toMatchObject({
      version: 'v2',
      versionLabel: 'dubbogoAppVersion',
      image: { tag: '2.0.0' },
      server: { version: 'v2.0.0' },
      service: { create: false },
    });
    expect(read(result, 'chart/values.yaml')).toContain('# The shared Service <app>, selecting only `app`');
  });
});

describe('prompts', () => {
  it('asks for every flag not given (each answer feeding the next default) and never for a given one', async () => {
    const tty = process.stdin.isTTY;
    process.stdin.isTTY = true; // yeoman-test's adapter answers; the generator only asks on a terminal
    try {
      const context = helpers
        .run(CanarykitAppGenerator as never, { namespace: 'canarykit:app', resolved: generatorFile })
        .withOptions({ skipInstall: true, name: 'given-name' } as never)
        .withAnswers({ type: 'client', 'app-version': 'v3', proxyless: true });
      const result = await context;
      const asked = context.askedQuestions.map((question) => question.name);
      expect(asked).toEqual(['type', 'app-version', 'image', 'port', 'version-label', 'proxyless', 'target']);
      expect(context.askedQuestions.find((question) => question.name === 'image')?.answer).toBe('given-name');
      expect(context.askedQuestions.find((question) => question.name === 'target')?.answer).toBe('xds:///greeter-server:20000');
      result.assertFileContent('Makefile', /^HELM_INSTALL_NAME = given-name-v3$/m);
      expect(values(result)).toMatchObject({ kind: 'client', proxyless: { enabled: true }, client: { target: 'xds:///greeter-server:20000' } });
    } finally {
      process.stdin.isTTY = tty;
    }
  });
});

describe('atomic writes', () => {
  it('a failure while writing leaves no file behind (mem-fs commits only at the end)', async () => {
    let pendingAtFailure = 0;
    const context = run({ name: 'demo-svc' }).onGenerator((generator) => {
      const copy = generator.fs.copy.bind(generator.fs);
      vi.spyOn(generator.fs, 'copy').mockImplementation((from, to, ...rest) => {
        if (String(from).endsWith('greeter.proto')) {
          pendingAtFailure = Object.keys(generator.fs.dump()).length;
          throw new Error('injected failure in a late writing step');
        }
        return copy(from, to, ...rest);
      });
    });
    await expect(context).rejects.toThrow(/injected failure/);
    expect(pendingAtFailure).toBeGreaterThan(3); // templates and package.json were already written, in memory
    const dir = context.targetDirectory ?? context.settings.cwd;
    expect(dir).toBeTruthy();
    expect(fs.readdirSync(dir as string)).toEqual([]);
  });
});

function projectDependency(name: string): string {
  const versions = JSON.parse(fs.readFileSync(path.join(path.dirname(generatorFile), 'dependency-versions.json'), 'utf8')) as Record<string, string>;
  expect(projectTypes.client.dependencies).toContain(name);
  return versions[name] as string;
}
