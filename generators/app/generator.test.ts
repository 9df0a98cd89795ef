// yeoman-test runs of the generator: each project type and version, asserting files and key contents.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import helpers, { type RunResult } from 'yeoman-test';
import CanarykitAppGenerator from './index.ts';
import { generatorFile, kitChartDir, kitProtoFile } from './paths.ts';
import * as chart from './chart.ts';
import { projectTypes } from './project-types/index.ts';

const run = (options: Record<string, unknown>) =>
  helpers
    .run(CanarykitAppGenerator as never, { namespace: 'canarykit:app', resolved: generatorFile })
    .withOptions({ yes: true, skipInstall: true, ...options } as never);

const read = (result: RunResult, file: string) => fs.readFileSync(path.join(result.cwd, file), 'utf8');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('server', () => {
  it('v1 answers v1.0.0, owns the Service and has the project files', async () => {
    const result = await run({ name: 'demo-svc' });
    result.assertFile(['package.json', 'package-lock.json', 'tsconfig.json', 'Makefile', 'README.md', '.gitignore', '.dockerignore', 'conf/server.yaml', 'proto/greeter.proto']);
    result.assertFileContent('conf/server.yaml', /^version: v1\.0\.0\b/m);
    result.assertFileContent('conf/server.yaml', /^port: 20000\b/m);
    result.assertFileContent('Makefile', /^IMAGE = canarykit\/demo-svc$/m);
    result.assertFileContent('Makefile', /^TAG = 1\.0\.0$/m);
    result.assertFileContent('Makefile', /^HELM_INSTALL_NAME = demo-svc-v1$/m);
    result.assertJsonFileContent('package.json', { name: 'demo-svc', version: '1.0.0', scripts: { test: 'vitest run', start: 'node src/main.ts' } });
    result.assertNoFile('.yo-rc.json');
    expect(read(result, 'proto/greeter.proto')).toBe(fs.readFileSync(kitProtoFile, 'utf8'));
  });

  it('--app-version v2 does the tutorial\'s hand edits in one step', async () => {
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
  });
});

describe('client', () => {
  it('targets the server through the sidecar by default', async () => {
    const result = await run({ type: 'client', name: 'greeter-client' });
    result.assertFile(['conf/client.yaml', 'package-lock.json']);
    result.assertNoFile('conf/server.yaml');
    result.assertFileContent('conf/client.yaml', /^target: dns:\/\/\/greeter-server:20000\b/m);
    result.assertFileContent('conf/client.yaml', /^httpPort: 8080\b/m);
    result.assertJsonFileContent('package.json', { dependencies: { '@grpc/grpc-js-xds': projectDependency('@grpc/grpc-js-xds') } });
  });

  it('--proxyless switches the target to xds:///', async () => {
    const result = await run({ type: 'client', name: 'greeter-client', proxyless: true });
    result.assertFileContent('conf/client.yaml', /^target: xds:\/\/\/greeter-server:20000\b/m);
  });
});

describe.runIf(fs.existsSync(kitChartDir))('chart', () => {
  it('v2 labels the pods v2 and leaves the Service to v1', async () => {
    const result = await run({ name: 'demo-svc', 'app-version': 'v2', 'version-label': 'dubbogoAppVersion' });
    const values = read(result, 'chart/values.yaml');
    for (const edit of chart.chartValueEdits({ name: 'demo-svc', appVersion: 'v2' } as never)) expect(edit.path.length).toBeGreaterThan(0);
    expect(values).toMatch(/dubbogoAppVersion/);
    expect(values).toMatch(/\bv2\b/);
    result.assertFileContent('chart/Chart.yaml', /^name: demo-svc$/m);
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
