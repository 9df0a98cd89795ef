import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load.ts';
import { promotableProblems, writeStepFolders } from './step-files.ts';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios');
const tmp = () => mkdtempSync(join(tmpdir(), 'canarykit-steps-'));

/** A scenario folder with the given DestinationRule subsets and servers (the VirtualService routes to v1). */
function scenarioWith(subsets: string[], servers: string[]): string {
  const dir = tmp();
  mkdirSync(join(dir, 'expect'));
  writeFileSync(
    join(dir, 'destination-rule.yaml'),
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: greeter-server}
spec:
  host: greeter-server
  subsets:
${subsets.map((s) => `    - {name: ${s}, labels: {version: ${s}}}`).join('\n')}
`,
  );
  writeFileSync(
    join(dir, 'virtual-service.yaml'),
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: greeter-server}
spec:
  hosts: [greeter-server]
  http:
    - route:
        - destination: {host: greeter-server, subset: v1}
`,
  );
  writeFileSync(
    join(dir, 'expect', 'expect.yaml'),
    `description: test
modes: [local]
servers:
${servers.map((s) => `  - version: ${s}`).join('\n')}
clients:
  - identity: default
    expect: {v1: 1}
`,
  );
  return dir;
}

describe('promotion step folders', () => {
  it('writes step 0 and one folder per weight, each plain Istio YAML the kit loads back', () => {
    const out = join(tmp(), 'steps');
    const steps = writeStepFolders(loadScenario(join(SCENARIOS, 'promote-good')), [5, 50, 100], out);
    expect(readdirSync(out).sort()).toEqual(['step-0-v2-0pct', 'step-1-v2-5pct', 'step-2-v2-50pct', 'step-3-v2-100pct']);
    expect(steps.map((s) => [s.index, s.weight])).toEqual([
      [0, 0],
      [1, 5],
      [2, 50],
      [3, 100],
    ]);
    for (const step of steps) {
      // What kubectl apply -f <folder> reads: the DestinationRule, verbatim, and the step's VirtualService.
      expect(
        readdirSync(step.dir)
          .filter((f) => f.endsWith('.yaml'))
          .sort(),
      ).toEqual(['destination-rule.yaml', 'virtual-service.yaml']);
      expect(readFileSync(join(step.dir, 'destination-rule.yaml'), 'utf8')).toBe(
        readFileSync(join(SCENARIOS, 'promote-good', 'destination-rule.yaml'), 'utf8'),
      );
      const vs = parse(readFileSync(join(step.dir, 'virtual-service.yaml'), 'utf8'));
      expect(vs.spec.http[0].retries).toEqual({ attempts: 0 });
      expect(vs.spec.http[0].route.map((r: { destination: { subset: string }; weight: number }) => [r.destination.subset, r.weight])).toEqual([
        ['v1', 100 - step.weight],
        ['v2', step.weight],
      ]);
      expect(step.scenario.expect.clients[0]!.expect).toEqual({
        v1: { kind: 'share', value: (100 - step.weight) / 100 },
        v2: { kind: 'share', value: step.weight / 100 },
      });
      expect(step.scenario.expect.servers).toEqual(loadScenario(join(SCENARIOS, 'promote-good')).expect.servers);
    }
  });

  it('replaces the folders of an older run', () => {
    const out = join(tmp(), 'steps');
    writeStepFolders(loadScenario(join(SCENARIOS, 'promote-good')), [5, 10, 25, 50, 100], out);
    writeStepFolders(loadScenario(join(SCENARIOS, 'promote-good')), [50, 100], out);
    expect(readdirSync(out).sort()).toEqual(['step-0-v2-0pct', 'step-1-v2-50pct', 'step-2-v2-100pct']);
  });

  it('refuses a service without the subsets v1 and v2, naming the file and the fix, and writes nothing', () => {
    const scenario = loadScenario(scenarioWith(['v1'], ['v1', 'v2']));
    const out = join(tmp(), 'steps');
    expect(() => writeStepFolders(scenario, [5, 100], out)).toThrow(
      /destination-rule.yaml: spec.subsets: the service has no subset v2 \(add a subset named v2 with labels version: v2\)/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a scenario with no v2 server (no processes, no pods)', () => {
    const problems = promotableProblems(loadScenario(scenarioWith(['v1'], ['v1'])));
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /expect\.yaml: servers: no server of version v2 runs \(no v2 processes locally, no v2 pods on a cluster\), so there is nothing to promote \(add "- version: v2" to servers\)/,
      ),
      expect.stringMatching(/the service has no subset v2/),
    ]);
  });

  it('refuses a scenario without a DestinationRule', () => {
    const scenario = loadScenario(join(SCENARIOS, 'no-rules'));
    expect(promotableProblems(scenario).map((p) => p.reason)).toContainEqual(
      expect.stringMatching(/no DestinationRule for greeter-server, so the service has no subsets v1 and v2/),
    );
  });

  it('the shipped promotion scenarios are promotable', () => {
    for (const name of ['promote-good', 'promote-flaky', 'promote-slow']) expect(promotableProblems(loadScenario(join(SCENARIOS, name)))).toEqual([]);
  });
});
