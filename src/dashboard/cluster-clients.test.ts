// ClusterClients against a fake kubectl (src/dashboard/testing/fake-kubectl.ts): the command it
// runs, the split since a mark, a replaced pod, and a client that cannot be reached.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterClients } from './cluster-clients.ts';

const FAKE = join(import.meta.dirname, 'testing', 'fake-kubectl.ts');

describe('ClusterClients (the dashboard reading cluster clients through kubectl port-forward)', () => {
  let dir: string;
  let clients: ClusterClients;
  const stats = (deployment: string, versions: Record<string, number>, errors: Record<string, number> = {}) =>
    writeFileSync(join(dir, `${deployment}.json`), JSON.stringify({ target: 'xds:///greeter-server:20000', versions, errors, recent: {} }));
  const make = (deployments: Record<string, string>) =>
    new ClusterClients({
      kubectl: [process.execPath, FAKE],
      context: 'kind-canarykit',
      namespace: 'canarykit',
      clients: Object.entries(deployments).map(([identity, deployment]) => ({ identity, deployment })),
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-'));
    process.env.FAKE_KUBECTL_DIR = dir;
  });
  afterEach(async () => {
    await clients?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('forwards to each client Deployment and counts the calls since the mark', async () => {
    clients = make({ default: 'greeter-client-default-v1', admin: 'greeter-client-admin-v1' });
    stats('greeter-client-default-v1', { 'v1.0.0': 100, 'v2.0.0': 7 });
    stats('greeter-client-admin-v1', { 'v2.0.0': 50 }, { UNAVAILABLE: 2 });
    await clients.mark();
    stats('greeter-client-default-v1', { 'v1.0.0': 100, 'v2.0.0': 37 });
    stats('greeter-client-admin-v1', { 'v2.0.0': 80 }, { UNAVAILABLE: 2, DEADLINE_EXCEEDED: 1 });
    expect(await clients.since()).toEqual([
      { identity: 'default', total: 30, counts: { versions: { 'v2.0.0': 30 }, errors: {} } },
      { identity: 'admin', total: 31, counts: { versions: { 'v2.0.0': 30 }, errors: { DEADLINE_EXCEEDED: 1 } } },
    ]);
    const argv = readFileSync(join(dir, 'argv.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    // One forward per client, kept between reads.
    expect(argv).toHaveLength(2);
    expect(argv).toContainEqual([
      '--context',
      'kind-canarykit',
      'port-forward',
      '-n',
      'canarykit',
      'deployment/greeter-client-default-v1',
      ':8080',
      '--address',
      '127.0.0.1',
    ]);
  });

  it('opens the forward again when the pod was replaced, and counts a new pod from 0', async () => {
    clients = make({ default: 'greeter-client-default-v1' });
    stats('greeter-client-default-v1', { 'v1.0.0': 500 });
    await clients.mark();
    // The scenario switch upgrades the release: the pod goes (its forward ends) and a new one starts.
    rmSync(join(dir, 'greeter-client-default-v1.json'));
    const gone = await clients.since();
    expect(gone[0]!.error).toMatch(/^client default: /);
    stats('greeter-client-default-v1', { 'v2.0.0': 12 });
    expect(await clients.since()).toEqual([{ identity: 'default', total: 12, counts: { versions: { 'v2.0.0': 12 }, errors: {} } }]);
  });

  it("names the client, the command and kubectl's own words when a forward fails", async () => {
    clients = make({ default: 'greeter-client-nope-v1' });
    const [split] = await clients.since();
    expect(split!.total).toBe(0);
    expect(split!.error).toMatch(
      /^client default: .* port-forward -n canarykit deployment\/greeter-client-nope-v1 :8080 --address 127\.0\.0\.1 exited \(1\): error: .*deployments\.apps "greeter-client-nope-v1" not found$/,
    );
  });

  it('says how to get kubectl when there is none', async () => {
    clients = new ClusterClients({
      kubectl: ['/nonexistent/kubectl'],
      context: 'kind-canarykit',
      namespace: 'canarykit',
      clients: [{ identity: 'default', deployment: 'd' }],
    });
    const [split] = await clients.since();
    expect(split!.error).toMatch(/cannot run \/nonexistent\/kubectl \(.*ENOENT.*\): install kubectl \(make cluster-tools\) or put it on PATH/);
  });
});
