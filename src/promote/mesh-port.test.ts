// The port between a promotion and a Driver: what a step asks of the driver, on a fake driver and
// on the kind driver with scripted tools (no cluster is involved or claimed: docs/promote.md).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KindDriver } from '../cluster/kind-driver.ts';
import { scriptedRunner } from '../cluster/scripted-runner.ts';
import { defaultClusterSettings } from '../cluster/settings.ts';
import type { AppliedScenario, CollectedLogs, Driver } from '../driver/driver.ts';
import { loadScenario, type Scenario } from '../scenarios/load.ts';
import { DriverPort } from './mesh-port.ts';
import { writeStepFolders, type StepFolder } from './step-files.ts';

const SCENARIO = join(import.meta.dirname, '..', '..', 'scenarios', 'promote-flaky');
let steps: StepFolder[];
beforeAll(() => {
  steps = writeStepFolders(loadScenario(SCENARIO), [5, 100], join(mkdtempSync(join(tmpdir(), 'canarykit-port-')), 'steps'));
});

class RecordingDriver implements Driver {
  readonly name = 'local' as const;
  readonly log: string[] = [];
  lines: string[] = [];
  skipReason() {
    return undefined;
  }
  async up() {}
  async apply(s: Scenario): Promise<AppliedScenario> {
    this.log.push(`apply ${s.name} ${s.dir}`);
    return { appliedAt: new Date(0) };
  }
  async waitForRouting(s: Scenario) {
    this.log.push(`wait ${s.name}`);
  }
  async collect(s: Scenario, since: Date): Promise<CollectedLogs> {
    this.log.push(`collect ${s.name} since ${since.getTime() > 0}`);
    return { since, until: new Date(), clients: { default: this.lines }, servers: {} };
  }
  async diagnose(s: Scenario) {
    return `diagnosis of ${s.name}`;
  }
  async cleanup() {
    this.log.push('cleanup');
  }
  async down() {}
}

describe('DriverPort', () => {
  it("applies a step folder as a scenario, waits for it, then collects that step's client lines", async () => {
    const d = new RecordingDriver();
    const port = new DriverPort(d, {
      replicas: (v) => (v === 'v2' ? 3 : 1),
      afterApply: () => d.log.push('forget'),
      sleep: async () => void d.log.push('sleep'),
    });
    expect(await port.describe()).toBe('no step was applied');
    await expect(port.calls(new Date(), 1)).rejects.toThrow(/no step applied yet/);
    const since = await port.apply(steps[1]!);
    d.lines = ['a', 'b'];
    expect(await port.calls(since, 7400)).toEqual(['a', 'b']);
    expect(d.log).toEqual([`apply step-1-v2-5pct ${steps[1]!.dir}`, 'wait step-1-v2-5pct', 'forget', 'collect step-1-v2-5pct since true', 'sleep']);
    expect(await port.replicas('v2')).toBe(3);
    expect(await port.describe()).toBe('diagnosis of step-1-v2-5pct');
    // A promotion never asks the driver to clean up: that would put "no rules" (50/50) in force.
    expect(d.log).not.toContain('cleanup');
  });

  it('waits a second after a look that is short of calls, not after one that has them', async () => {
    const d = new RecordingDriver();
    const slept: number[] = [];
    const port = new DriverPort(d, { sleep: async (ms) => void slept.push(ms) });
    await port.apply(steps[0]!);
    d.lines = ['a'];
    await port.calls(new Date(), 5);
    await port.calls(new Date(), 1);
    expect(slept).toEqual([1000]);
    expect(await port.replicas('v2')).toBeUndefined();
  });
});

describe('a promotion step on the kind driver (scripted tools)', () => {
  it("is a kubectl apply of exactly the step folder's Istio files, with the servers as the scenario runs them", async () => {
    const settings = defaultClusterSettings({
      versions: { kind: 'v0.33.0', kindNodeImage: 'kindest/node:v1.36.4@sha256:x', istio: '1.31.1', kubectl: 'v1.36.4', helm: 'v4.3.1' },
    });
    const runner = scriptedRunner([
      [/^docker info/, { stdout: '28.2.2\n' }],
      [/^kind get clusters/, { stdout: 'canarykit\n' }],
      [/get pods -n canarykit -o json/, { stdout: JSON.stringify({ items: [] }) }],
    ]);
    const written = new Map<string, string>();
    const kind = new KindDriver({ settings, runner, writeFile: (path, content) => void written.set(path, content) });
    await kind.apply(steps[1]!.scenario);
    const lines = runner.lines();
    const file = (name: string) => relative(settings.repoRoot, join(steps[1]!.dir, name));
    expect(lines.filter((l) => / apply /.test(l))).toEqual([
      `kubectl --context kind-canarykit apply -n canarykit -f ${file('destination-rule.yaml')} -f ${file('virtual-service.yaml')}`,
    ]);
    // The flaky v2 is deployed as the scenario says (fail rate 0.2), the same release every step.
    expect(lines.filter((l) => l.startsWith('helm upgrade --install greeter-server-v2'))).toHaveLength(1);
    const v2Values = [...written].find(([path]) => /greeter-server-v2/.test(path))?.[1];
    expect(v2Values).toMatch(/failRate"?: "?0\.2/);
  });
});
