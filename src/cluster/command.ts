// `canarykit cluster <up|deploy|e2e|down|plan>`: the kind + Istio path from the command line, and
// what `make cluster-up`, `make e2e` and `canarykit e2e --driver kind` call. Every subcommand takes
// --dry-run, which prints the plan (every command and manifest, in order) and runs nothing.
// Runs directly too: node src/cluster/command.ts e2e --dry-run
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toDriverScenario } from '../driver/from-scenario.ts';
import { runScenario } from '../driver/run-scenario.ts';
import { listScenarios, type Scenario } from '../scenarios/load.ts';
import { plannedCalls, verifyLogs } from '../verify/check.ts';
import { formatReport } from '../verify/report.ts';
import { Executor } from './executor.ts';
import { loadIstioOperator } from './istio-operator.ts';
import { loadKindConfig } from './kind-config.ts';
import { KindDriver } from './kind-driver.ts';
import { clientsOf, clusterDownPlan, clusterUpPlan, deployPlan, e2ePlan, type Plan } from './plan.ts';
import { renderPlan } from './render.ts';
import { scenarioManifests } from './scenario-files.ts';
import { DEFAULT_CLIENT_RATE, defaultClusterSettings, REPO_ROOT, type ClusterSettings } from './settings.ts';
import { ClusterError, execaRunner, preflight } from './tools.ts';

const USAGE = `Usage: canarykit cluster <command> [options]

Commands:
  up        create the kind cluster (reused when it exists), install Istio, label the namespace
  deploy    build the images, kind load them, helm install servers v1, v2 and one client per identity
  e2e       run every scenario marked 'cluster': apply, wait for the routes, collect logs, verify, clean up
  down      delete the kind cluster
  plan      print the plans of up, deploy, e2e and down (same as each with --dry-run)

Options:
  --dry-run             print every command and manifest in order; run nothing
  --scenario NAME       only this scenario (repeatable; e2e)
  --scenarios DIR       scenario folder (default: scenarios)
  --proxyless           clients use proxyless gRPC (xds:///, grpc-agent) instead of the Envoy sidecar; EXPERIMENTAL
  --no-build            deploy: skip 'make build' (images already built)
  --sample-seconds N    e2e: traffic time per scenario after routing took effect (default: from the expected shares)
`;

export interface ClusterCliOptions {
  readonly dryRun: boolean;
  readonly scenarios: readonly string[];
  readonly scenariosDir: string;
  readonly proxyless: boolean;
  readonly build: boolean;
  readonly sampleSeconds?: number;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

function settingsFor(options: ClusterCliOptions): ClusterSettings {
  return defaultClusterSettings({ meshMode: options.proxyless ? 'proxyless' : 'sidecar' });
}

function loadScenarios(options: ClusterCliOptions): Scenario[] {
  const all = listScenarios(resolve(REPO_ROOT, options.scenariosDir));
  if (options.scenarios.length === 0) return all;
  const unknown = options.scenarios.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) throw new ClusterError(`no scenario named ${unknown.join(', ')} in ${options.scenariosDir}`, `pick from: ${all.map((s) => s.name).join(', ')}`);
  return all.filter((s) => options.scenarios.includes(s.name));
}

const clusterScenarios = (scenarios: readonly Scenario[]) => scenarios.filter((s) => s.modes.includes('cluster'));

/** Traffic time: enough calls for every check's planned sample size at each client's rate, plus a margin. */
export function sampleMsFor(scenario: Scenario): number {
  let seconds = 10;
  for (const client of scenario.expect.clients) {
    const calls = plannedCalls(scenario.expect, client, 'cluster');
    const rate = client.rate === undefined ? DEFAULT_CLIENT_RATE : client.rate > 0 ? client.rate : 50;
    seconds = Math.max(seconds, (calls / rate) * 1.3 + 5);
  }
  return Math.ceil(seconds) * 1000;
}

export function plans(settings: ClusterSettings, scenarios: readonly Scenario[], sampleSeconds?: number): Record<'up' | 'deploy' | 'e2e' | 'down', Plan> {
  const driverScenarios = scenarios.map(toDriverScenario);
  return {
    up: clusterUpPlan(settings),
    deploy: deployPlan(settings, { build: true, clients: clientsOf(driverScenarios.filter((s) => s.modes.includes('cluster'))) }),
    e2e: e2ePlan(settings, scenarios.map((scenario, i) => ({
      scenario: driverScenarios[i]!,
      manifests: scenarioManifests(scenario.dir),
      sampleMs: sampleSeconds !== undefined ? sampleSeconds * 1000 : sampleMsFor(scenario),
    }))),
    down: clusterDownPlan(settings),
  };
}

export async function runCluster(command: string, options: ClusterCliOptions): Promise<number> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const err = options.err ?? ((text: string) => process.stderr.write(text));
  const settings = settingsFor(options);
  const log = (line: string) => err(`${line}\n`);
  const runner = execaRunner({ localBin: join(settings.repoRoot, '.tools/bin'), cwd: settings.repoRoot }, settings.versions);
  const preflightContext = { runner, versions: settings.versions, clusterName: settings.clusterName, where: { localBin: join(settings.repoRoot, '.tools/bin') } };

  if (command === 'plan') {
    const all = plans(settings, loadScenarios(options), options.sampleSeconds);
    out([all.up, all.deploy, all.e2e, all.down].map(renderPlan).join('\n'));
    return 0;
  }
  if (command === 'up' || command === 'down') {
    const plan = command === 'up' ? clusterUpPlan(settings) : clusterDownPlan(settings);
    if (command === 'up') {
      // Schema errors name the file and the field before anything touches Docker.
      loadKindConfig(join(settings.repoRoot, settings.kindConfig));
      loadIstioOperator(join(settings.repoRoot, settings.istioOperator));
    }
    if (options.dryRun) return out(renderPlan(plan)), 0;
    await preflight(preflightContext, { docker: true, tools: command === 'up' ? ['kind', 'kubectl', 'istioctl'] : ['kind'] });
    await new Executor({ runner, settings, log }).runSteps(plan.steps);
    log(command === 'up' ? `cluster-up: done; next: make deploy` : 'cluster-down: done');
    return 0;
  }
  if (command === 'deploy') {
    const clients = clientsOf(clusterScenarios(loadScenarios(options)).map(toDriverScenario));
    const plan = deployPlan(settings, { build: options.build, clients });
    if (options.dryRun) return out(renderPlan(plan)), 0;
    await preflight(preflightContext, { cluster: true, tools: ['kind', 'kubectl', 'helm', 'istioctl'] });
    await new Executor({ runner, settings, log }).runSteps(plan.steps);
    log('deploy: done; next: make e2e');
    return 0;
  }
  if (command === 'e2e') {
    const scenarios = loadScenarios(options);
    if (options.dryRun) return out(renderPlan(plans(settings, scenarios, options.sampleSeconds).e2e)), 0;
    return runE2e(settings, scenarios, options, out, log);
  }
  err(`canarykit cluster: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function runE2e(settings: ClusterSettings, scenarios: readonly Scenario[], options: ClusterCliOptions, out: (t: string) => void, log: (l: string) => void): Promise<number> {
  // Tools, Docker and the cluster are checked once, up front: without them no scenario can run,
  // and one message says so (instead of one failure with diagnostics per scenario).
  const localBin = join(settings.repoRoot, '.tools/bin');
  const runner = execaRunner({ localBin, cwd: settings.repoRoot }, settings.versions);
  await preflight({ runner, versions: settings.versions, clusterName: settings.clusterName, where: { localBin } }, { cluster: true, tools: ['kind', 'kubectl', 'helm', 'istioctl'] });
  const driver = new KindDriver({ settings, log, runner });
  await driver.up();
  let failed = 0;
  const selected = clusterScenarios(scenarios);
  for (const skipped of scenarios.filter((s) => !s.modes.includes('cluster'))) log(`skip ${skipped.name}: modes ${skipped.modes.join(', ')}`);
  for (const scenario of selected) {
    log(`\n=== ${scenario.name} (kind, ${settings.meshMode})`);
    try {
      const run = await runScenario({
        driver,
        scenario: toDriverScenario(scenario),
        sampleMs: options.sampleSeconds !== undefined ? options.sampleSeconds * 1000 : sampleMsFor(scenario),
        verify: (_s, logs) => {
          const result = verifyLogs(scenario.expect, logs, 'cluster');
          return { passed: result.passed, report: formatReport(result) };
        },
      });
      out(`${scenario.name}: PASS\n${run.outcome.report}\n`);
    } catch (error) {
      // A scenario failure is reported (with diagnostics) and the next scenario runs.
      failed++;
      out(`${scenario.name}: FAIL\n${(error as Error).message}\n`);
    }
  }
  out(`\n${selected.length - failed}/${selected.length} cluster scenarios passed\n`);
  return failed === 0 ? 0 : 1;
}

export function parseClusterArgs(argv: readonly string[]): { command: string | undefined; options: ClusterCliOptions; help: boolean } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true, default: [] },
      scenarios: { type: 'string', default: 'scenarios' },
      proxyless: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'sample-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const sample = values['sample-seconds'];
  if (sample !== undefined && !(Number(sample) > 0)) throw new ClusterError(`--sample-seconds must be a positive number, got '${sample}'`);
  return {
    command: positionals[0],
    help: values.help,
    options: {
      dryRun: values['dry-run'],
      scenarios: values.scenario,
      scenariosDir: values.scenarios,
      proxyless: values.proxyless,
      build: !values['no-build'],
      ...(sample !== undefined ? { sampleSeconds: Number(sample) } : {}),
    },
  };
}

/** CLI entry (`canarykit cluster ...`): exit code; expected failures print one message, no stack. */
export async function run(argv: string[]): Promise<number> {
  try {
    const { command, options, help } = parseClusterArgs(argv);
    if (help || command === undefined) {
      process.stdout.write(USAGE);
      return command === undefined && !help ? 2 : 0;
    }
    return await runCluster(command, options);
  } catch (error) {
    if (error instanceof ClusterError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || /is not a valid (kind|install)/.test((error as Error).message)) {
      process.stderr.write(`canarykit cluster: ${(error as Error).message}\n`);
      return 1;
    }
    if ((error as Error).name === 'ScenarioError') {
      process.stderr.write(`canarykit cluster: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) process.exitCode = await run(process.argv.slice(2));
