// The chart's `helm test` pod, run in Docker: its command and environment come from the real helm
// rendering, its image from `make build`. It must pass against a running server and fail
// without one, or `helm test` would prove nothing.
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { helmCheck, one, render } from '../chart/helm.ts';
import { asPod } from '../chart/models.ts';
import { describeWithTool } from '../chart/tool-gate.ts';
import { IMAGES, dockerCheck, removeContainer } from './docker.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const { GenericContainer, Network, Wait } = await import('testcontainers');

const both = dockerCheck.missing !== undefined ? dockerCheck : helmCheck;

/** GenericContainer with the hardening the chart applies to pods. */
class ReadOnlyContainer extends GenericContainer {
  readOnly(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this.withDroppedCapabilities('ALL').withSecurityOpt('no-new-privileges');
  }
}

describeWithTool(both, 'the chart’s helm test pod, run in Docker', () => {
  let network: StartedNetwork;
  let testContainer: IContainer;
  const started: StartedTestContainer[] = [];

  beforeAll(async () => {
    const objects = await render('greeter-server-v1', { values: ['server-v1-values.yaml'] });
    testContainer = asPod(one(objects, 'Pod')).spec!.containers[0]!;
    network = await new Network().start();
  }, 60_000);

  afterAll(async () => {
    for (const container of started) removeContainer(container.getId());
    await network?.stop();
  });

  /** `docker run` of the test pod's container: one-shot, so its exit code is the verdict. */
  async function runTestPod(extraEnv: Record<string, string> = {}): Promise<{ exitCode: number; log: string }> {
    expect(testContainer.image).toBe(IMAGES.client);
    const env = { ...Object.fromEntries((testContainer.env ?? []).map((e) => [e.name, e.value ?? ''])), ...extraEnv };
    const [entrypoint, ...args] = testContainer.command!;
    const result = await execa(
      'docker',
      [
        'run',
        '--rm',
        '--read-only',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '--network',
        network.getName(),
        ...Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
        '--entrypoint',
        entrypoint!,
        testContainer.image!,
        ...args,
      ],
      { reject: false, timeout: 30_000, all: true },
    );
    return { exitCode: result.exitCode ?? -1, log: String(result.all) };
  }

  it('fails when no server answers behind the Service name', async () => {
    const { exitCode, log } = await runTestPod({ GREETER_DEADLINE_MS: '1000' });
    expect(exitCode).not.toBe(0);
    expect(log).toContain('call server error');
  }, 60_000);

  it('passes against a server behind the Service name', async () => {
    const server = await new ReadOnlyContainer(IMAGES.serverV1)
      .readOnly()
      .withNetwork(network)
      .withNetworkAliases('greeter-server')
      .withWaitStrategy(Wait.forLogMessage(/greeter server listening/))
      .start();
    started.push(server);
    const { exitCode, log } = await runTestPod();
    expect(log).toMatch(/call server response = name:"Hello laurence" id:"v1.0.0"/);
    expect(exitCode).toBe(0);
  }, 60_000);
});
