// The images `make build` makes, run the way the chart runs them (non-root, read-only root
// filesystem, no capabilities): server v1 and v2 behind one network alias, and the client calling
// that alias sees both versions. SIGTERM stops a server cleanly within its grace period.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { parseClientLine, parseServerLine } from '../../src/verify/log-line.ts';
import { describeWithTool } from '../chart/tool-gate.ts';
import { IMAGES, dockerCheck, inspect, logLines, removeContainer, waitForExit } from './docker.ts';

// No Ryuk reaper container (it needs an image from a registry): the suite removes what it starts.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const { GenericContainer, Network, Wait } = await import('testcontainers');

/** GenericContainer with the hardening the chart applies to pods. */
class HardenedContainer extends GenericContainer {
  hardened(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this.withDroppedCapabilities('ALL').withSecurityOpt('no-new-privileges').withTmpFs({ '/tmp': 'rw,size=16m' });
  }
}

const ALIAS = 'greeter-server';
const LISTENING = /greeter server listening/;
// The chart's terminationGracePeriodSeconds is 30; the server drains 2 s and force-stops after 10 s.
const GRACE_SECONDS = 15;

function server(image: string, version: string): HardenedContainer {
  return new HardenedContainer(image)
    .hardened()
    .withNetworkAliases(ALIAS)
    .withEnvironment({ GREETER_VERSION: version })
    .withWaitStrategy(Wait.forLogMessage(LISTENING))
    .withStartupTimeout(30_000);
}

describeWithTool(dockerCheck, 'greeter images under testcontainers', () => {
  let network: StartedNetwork;
  const started: StartedTestContainer[] = [];
  let v1: StartedTestContainer;
  let v2: StartedTestContainer;

  beforeAll(async () => {
    network = await new Network().start();
    [v1, v2] = await Promise.all([
      server(IMAGES.serverV1, 'v1.0.0').withNetwork(network).start(),
      server(IMAGES.serverV2, 'v2.0.0').withNetwork(network).start(),
    ]);
    started.push(v1, v2);
  }, 90_000);

  afterAll(async () => {
    for (const container of started) removeContainer(container.getId());
    await network?.stop();
  });

  it('runs the server as uid 1000 with a read-only root filesystem and no capabilities', async () => {
    const info = inspect(v1.getId());
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.Config.User).toBe('1000:1000');
    const id = await v1.exec(['id', '-u']);
    expect(id.output.trim()).toBe('1000');
    // Nothing in the image is writable, so the app cannot depend on writing there.
    const write = await v1.exec(['sh', '-c', 'touch /app/probe']);
    expect(write.exitCode).not.toBe(0);
    expect(write.output).toMatch(/Read-only file system/);
  });

  it('answers with its own version: the 2.0.0 image defaults to v2.0.0 without GREETER_VERSION', async () => {
    const plain = await new HardenedContainer(IMAGES.serverV2).hardened().withWaitStrategy(Wait.forLogMessage(LISTENING)).start();
    started.push(plain);
    expect(logLines(plain.getId()).join('\n')).toContain('version:"v2.0.0"');
  });

  it('a client calling dns:///greeter-server:20000 gets answers from both versions, with its headers', async () => {
    const client = await new HardenedContainer(IMAGES.client)
      .hardened()
      .withNetwork(network)
      .withEnvironment({
        GREETER_TARGET: `dns:///${ALIAS}:20000`,
        GREETER_RATE: '50',
        GREETER_CONCURRENCY: '2',
        GREETER_COUNT: '60',
        GREETER_METADATA: 'user=admin',
      })
      .withWaitStrategy(Wait.forLogMessage(/greeter client started/))
      .start();
    started.push(client);
    expect(await waitForExit(client.getId(), 60_000)).toBe(0);

    const events = logLines(client.getId())
      .map(parseClientLine)
      .filter((e) => e !== null);
    expect(events).toHaveLength(60);
    const versions = new Map<string, number>();
    for (const event of events) {
      expect(event, JSON.stringify(event)).toMatchObject({ kind: 'response', name: 'Hello laurence' });
      if (event.kind === 'response') versions.set(event.version, (versions.get(event.version) ?? 0) + 1);
    }
    // round_robin over the two addresses of the alias: both versions, each a real share.
    expect([...versions.keys()].sort()).toEqual(['v1.0.0', 'v2.0.0']);
    for (const count of versions.values()) expect(count).toBeGreaterThanOrEqual(10);

    // The identity header reached the servers, as their request log shows.
    const handled = [v1, v2].flatMap((s) => logLines(s.getId())).filter((line) => parseServerLine(line) !== null);
    expect(handled.length).toBeGreaterThanOrEqual(60);
    for (const line of handled) expect(parseServerLine(line)?.headers).toMatchObject({ user: 'admin' });
  });

  it(`SIGTERM stops a server cleanly, within a ${GRACE_SECONDS} s grace period`, async () => {
    await v2.stop({ timeout: GRACE_SECONDS * 1000, remove: false });
    const info = inspect(v2.getId());
    expect(info.State.Running).toBe(false);
    // 137 would mean Docker had to SIGKILL it at the end of the grace period: exit code 0 is the
    // proof it stopped by itself within it (no wall-clock bound of the test's own).
    expect(info.State.ExitCode).toBe(0);
    const log = logLines(v2.getId()).join('\n');
    expect(log).toMatch(/shutting down reason:"SIGTERM"/);
    expect(log).toMatch(/server stopped/);
  }, 30_000);
});
