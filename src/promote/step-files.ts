/**
 * Every step of a promotion as plain Istio YAML, written before anything is applied: one folder
 * per weight that `kubectl apply -f <folder>` applies as it stands (the scenario's DestinationRule
 * copied verbatim, a VirtualService with the step's weights), plus expect/expect.yaml so that the
 * folder is a canarykit scenario the drivers and `canarykit demo --root` can load. Each folder is
 * loaded back with the kit's own checks; a problem stops the promotion before any routing changes.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { loadScenario, type Scenario } from '../scenarios/load.ts';
import { SERVICE_HOST } from '../scenarios/model.ts';
import { ScenarioError, displayPath } from '../scenarios/errors.ts';
import type { DestinationRule } from '../scenarios/istio.ts';
import { CANARY, STABLE } from './config.ts';

export interface StepFolder {
  /** Index in the promotion: 0 is the rollback target (0% v2), then one per schedule entry. */
  index: number;
  /** v2's weight, percent. */
  weight: number;
  dir: string;
  scenario: Scenario;
}

/** `step-1-v2-5pct`: sorted by index in a listing, weight in the name. */
export function stepFolderName(index: number, weight: number): string {
  return `step-${index}-v2-${weight}pct`;
}

/**
 * Checks that the scenario can be promoted: v1 and v2 servers, and a DestinationRule for the
 * service that defines subsets v1 and v2 by their version labels. Throws one ScenarioError with
 * every problem, each naming the file and the fix.
 */
export function promotableProblems(scenario: Scenario): ScenarioError[] {
  const problems: ScenarioError[] = [];
  const expectFile = displayPath(scenario.expectFile);
  for (const version of [STABLE, CANARY]) {
    if (!scenario.expect.servers.some((s) => s.version === version)) {
      problems.push(
        new ScenarioError({
          file: expectFile,
          field: 'servers',
          reason: `no server of version ${version} runs (no ${version} processes locally, no ${version} pods on a cluster), so there is nothing to ${version === CANARY ? 'promote' : 'compare it with'}`,
          fix: `add "- version: ${version}" to servers`,
        }),
      );
    }
  }
  const drs = scenario.manifests
    .filter((m) => m.kind === 'DestinationRule')
    .map((m) => ({ dr: m.object as unknown as DestinationRule, file: displayPath(m.file) }));
  const forService = drs.filter(({ dr }) => dr.spec?.host === SERVICE_HOST);
  if (forService.length === 0) {
    problems.push(
      new ScenarioError({
        file: displayPath(scenario.dir),
        field: '',
        reason: `no DestinationRule for ${SERVICE_HOST}, so the service has no subsets ${STABLE} and ${CANARY} to weigh`,
        fix: `add a DestinationRule with subsets ${STABLE} (labels version: ${STABLE}) and ${CANARY} (labels version: ${CANARY})`,
      }),
    );
  } else {
    for (const version of [STABLE, CANARY]) {
      const subset = forService.flatMap(({ dr }) => dr.spec?.subsets ?? []).find((s) => s.name === version);
      if (!subset) {
        problems.push(
          new ScenarioError({
            file: forService[0]!.file,
            field: 'spec.subsets',
            reason: `the service has no subset ${version}`,
            fix: `add a subset named ${version} with labels version: ${version}`,
          }),
        );
      } else if (subset.labels?.['version'] !== version) {
        problems.push(
          new ScenarioError({
            file: forService[0]!.file,
            field: `spec.subsets(${version}).labels`,
            reason: `subset ${version} does not select pods labelled version: ${version}`,
            fix: `set labels: {version: ${version}}`,
          }),
        );
      }
    }
  }
  if (scenario.expect.clients.length !== 1) {
    problems.push(
      new ScenarioError({
        file: expectFile,
        field: 'clients',
        reason: `${scenario.expect.clients.length} clients; a promotion's gates read one client's calls`,
        fix: 'keep one client (identity default) in the promotion scenario',
      }),
    );
  }
  return problems;
}

function virtualService(scenario: Scenario, index: number, weight: number, steps: number): string {
  const header = [
    `# canarykit promote, scenario ${scenario.name}, step ${index} of ${steps}: ${weight}% of calls to ${CANARY}, ${100 - weight}% to ${STABLE}.`,
    index === 0 ? `# Step 0 is the rollback target: every call to ${STABLE}.` : undefined,
    `# Retries are off (attempts: 0) so that every failure of ${CANARY} reaches the client and its error gate.`,
    `# Apply with: kubectl apply -f ${stepFolderName(index, weight)}/`,
  ]
    .filter(Boolean)
    .join('\n');
  const vs = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: SERVICE_HOST,
      labels: { 'app.kubernetes.io/part-of': 'canarykit', 'canarykit.dev/scenario': scenario.name, 'canarykit.dev/promote-step': String(index) },
    },
    spec: {
      hosts: [SERVICE_HOST],
      http: [
        {
          name: 'promote',
          retries: { attempts: 0 },
          route: [
            { destination: { host: SERVICE_HOST, subset: STABLE }, weight: 100 - weight },
            { destination: { host: SERVICE_HOST, subset: CANARY }, weight },
          ],
        },
      ],
    },
  };
  return `${header}\n${stringify(vs)}`;
}

/** The step's expect.yaml, from the loaded expectation (defaults filled in): the scenario's servers
 * and client, the client's shares set to the step's weights. */
function expectYaml(scenario: Scenario, index: number, weight: number): string {
  const out = {
    description: `Step ${index} of the promotion of scenario ${scenario.name}: ${weight}% of calls routed to ${CANARY}.`,
    notes: `Written by canarykit promote. The shares are the routing weights; the promotion's gates (split, error, latency), not these shares, decide whether it goes on. A ${CANARY} that fails answers fewer than its share.`,
    modes: scenario.expect.modes,
    servers: scenario.expect.servers,
    // A latency expectation of the scenario's client is about the scenario's own routing, not a step's.
    clients: scenario.expect.clients.map(({ latency: _latency, ...c }) => ({ ...c, expect: { [STABLE]: (100 - weight) / 100, [CANARY]: weight / 100 } })),
  };
  return `# canarykit expectation (not a Kubernetes object): written by canarykit promote.\n${stringify(out)}`;
}

/**
 * Writes step 0 (0% v2) and one folder per schedule entry under `outDir` (emptied first: a folder
 * from an older run with another schedule must not be mistaken for a step of this one).
 */
export function writeStepFolders(scenario: Scenario, schedule: readonly number[], outDir: string): StepFolder[] {
  const problems = promotableProblems(scenario);
  if (problems.length > 0) throw ScenarioError.combine(problems);
  rmSync(outDir, { recursive: true, force: true });
  const weights = [0, ...schedule];
  const written = weights.map((weight, index) => {
    const dir = join(outDir, stepFolderName(index, weight));
    mkdirSync(join(dir, 'expect'), { recursive: true });
    // Every Istio file of the scenario but its VirtualServices, verbatim (the DestinationRule).
    const vsFiles = new Set(scenario.manifests.filter((m) => m.kind === 'VirtualService').map((m) => m.file));
    for (const file of scenario.files) {
      if (vsFiles.has(file)) continue;
      copyFileSync(file, join(dir, basename(file)));
    }
    writeFileSync(join(dir, 'virtual-service.yaml'), virtualService(scenario, index, weight, schedule.length));
    writeFileSync(join(dir, 'expect', 'expect.yaml'), expectYaml(scenario, index, weight));
    return { index, weight, dir };
  });
  return written.map((w) => ({ ...w, scenario: loadScenario(w.dir) }));
}
