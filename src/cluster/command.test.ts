import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load.ts';
import { plannedCalls } from '../verify/check.ts';
import { deployClients, parseClusterArgs, runCluster, sampleMsFor } from './command.ts';
import { DEFAULT_CLIENT_RATE, REPO_ROOT } from './settings.ts';

const options = { dryRun: true, scenarios: [] as string[], scenariosDir: 'scenarios', proxyless: false, build: true, offline: 'auto' as const };

async function capture(command: string, extra: Partial<typeof options> = {}) {
  let out = '';
  let err = '';
  const code = await runCluster(command, {
    ...options,
    ...extra,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe('canarykit cluster arguments', () => {
  it('parses the options make passes', () => {
    expect(parseClusterArgs(['e2e', '--dry-run', '--scenario', 'a', '--scenario', 'b', '--proxyless', '--sample-seconds', '30'])).toMatchObject({
      command: 'e2e',
      options: { dryRun: true, scenarios: ['a', 'b'], proxyless: true, sampleSeconds: 30, build: true },
    });
    expect(parseClusterArgs(['deploy', '--no-build']).options.build).toBe(false);
  });

  it('refuses a bad sample time and unknown flags', () => {
    expect(() => parseClusterArgs(['e2e', '--sample-seconds', 'soon'])).toThrow(/positive number/);
    expect(() => parseClusterArgs(['e2e', '--dryrun'])).toThrow();
  });

  it('e2e --dashboard: port 8070 unless given; a port without --dashboard, or not a port, is refused', () => {
    expect(parseClusterArgs(['e2e', '--dashboard']).options.dashboardPort).toBe(8070);
    expect(parseClusterArgs(['e2e', '--dashboard', '--dashboard-port', '0']).options.dashboardPort).toBe(0);
    expect(parseClusterArgs(['e2e']).options.dashboardPort).toBeUndefined();
    expect(() => parseClusterArgs(['e2e', '--dashboard-port', '9000'])).toThrow(/--dashboard-port needs --dashboard/);
    expect(() => parseClusterArgs(['e2e', '--dashboard', '--dashboard-port', 'http'])).toThrow(/--dashboard-port must be a port number, got 'http'/);
  });
});

describe.runIf(existsSync(join(REPO_ROOT, 'scenarios/weighted-90-10')))('canarykit cluster --dry-run on scenarios/', () => {
  it('e2e prints the plan of every cluster scenario and runs nothing', async () => {
    const { code, out } = await capture('e2e');
    expect(code).toBe(0);
    expect(out).toMatch(/^# e2e on kind 'canarykit' \(sidecar mode\)/);
    for (const name of ['weighted-90-10', 'header-user-admin', 'mirror-v2', 'ingress-weighted-70-30', 'replicas-canary']) {
      expect(out).toContain(`[scenario ${name}] verify`);
    }
    expect(out).toContain(
      'kubectl --context kind-canarykit apply -n canarykit -f scenarios/mirror-v2/destination-rule.yaml -f scenarios/mirror-v2/virtual-service.yaml',
    );
    // A promotion runs canarykit promote's steps, not its folder's routing: the plan says so instead of listing them.
    for (const name of ['promote-good', 'promote-flaky', 'promote-slow']) {
      expect(out).not.toContain(`[scenario ${name}]`);
      expect(out).toContain(`# skipped scenario ${name}: a promotion (expect/promote.yaml): e2e runs canarykit promote's steps`);
    }
  });

  it('--scenario narrows it, and an unknown name lists the real ones', async () => {
    const { out } = await capture('e2e', { scenarios: ['weighted-90-10'] });
    expect(out).toContain('[scenario weighted-90-10]');
    // The dry-run shows the traffic time the real run uses.
    expect(out).toContain(`sleep ${sampleMsFor(loadScenario(join(REPO_ROOT, 'scenarios/weighted-90-10'))) / 1000}\n`);
    expect(out).not.toContain('[scenario header-user-admin]');
    await expect(capture('e2e', { scenarios: ['nope'] })).rejects.toThrow(/no scenario named nope[\s\S]*weighted-90-10/);
  });

  it('plan prints up, deploy (one client per identity), e2e and down', async () => {
    const { out } = await capture('plan');
    expect(out).toContain('# cluster-up:');
    expect(out).toContain('# deploy:');
    expect(out).toContain('# cluster-down:');
    for (const identity of ['default', 'admin', 'dark', 'ingress', 'no-retries']) expect(out).toContain(`helm upgrade --install greeter-client-${identity} `);
  });

  it('takes enough traffic time for the planned sample sizes at the client rate', () => {
    for (const name of ['weighted-90-10', 'header-user-admin', 'replicas-canary']) {
      const scenario = loadScenario(join(REPO_ROOT, 'scenarios', name));
      const ms = sampleMsFor(scenario);
      expect(ms).toBeGreaterThanOrEqual(10_000);
      for (const client of scenario.expect.clients) {
        // 30 % more calls than planned: a client that starts late or backs off still reaches n.
        const rate = client.rate ?? DEFAULT_CLIENT_RATE;
        expect((ms / 1000) * rate, `${name}/${client.identity}`).toBeGreaterThanOrEqual(plannedCalls(scenario.expect, client, 'cluster') * 1.3);
      }
    }
  });
});

describe('the clients make deploy installs', () => {
  const scenarios = ['header-user-admin', 'ingress-weighted-70-30', 'mirror-v2', 'retries'].map((n) => loadScenario(join(REPO_ROOT, 'scenarios', n)));
  const offlineImages = { source: 'offline' as const, reason: 'test', nodeImage: 'n', istioVersion: '1.31-dev', envoy: false };
  it('proxyless: none for a scenario that needs Envoy (no ingress client without a gateway)', () => {
    const identities = deployClients(scenarios, { meshMode: 'proxyless', images: offlineImages }).map((c) => c.identity);
    expect(identities).toEqual(['default', 'admin', 'no-retries']);
  });
  it('with sidecars: every identity of the cluster scenarios, the ingress client included', () => {
    const identities = deployClients(scenarios, { meshMode: 'sidecar', images: { ...offlineImages, source: 'official', envoy: true } }).map((c) => c.identity);
    expect(identities).toEqual(expect.arrayContaining(['default', 'admin', 'ingress', 'no-retries']));
  });
});
