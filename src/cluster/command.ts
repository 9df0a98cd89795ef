// `canarykit cluster <up|deploy|e2e|down|plan>`: the kind + Istio path from the command line, and
// what `make cluster-up`, `make e2e` and `canarykit e2e --driver kind` call. Every subcommand takes
// --dry-run, which prints the plan (every command and manifest, in order) and runs nothing.
// Runs directly too: node src/cluster/command.ts e2e --dry-run
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DriverClient } from '../driver/driver.ts';
import { runScenario } from '../driver/run-scenario.ts';
import { untilInterrupted } from '../cli/until-interrupted.ts';
import { Dashboard, DEFAULT_DASHBOARD_PORT } from '../dashboard/server.ts';
import { PROMOTE_PATH } from '../promote/config.ts';
import { PromotionLive } from '../promote/live.ts';
import type { PromoteEvents } from '../promote/promote.ts';
import { formatPromotion } from '../promote/report.ts';
import { outcomeMismatch, preparePromotion, promoteOnDriver } from '../promote/session.ts';
import type { StepFolder } from '../promote/step-files.ts';
import { listScenarios, type Scenario } from '../scenarios/load.ts';
import { plannedCalls, verifyLogs } from '../verify/check.ts';
import { formatReport } from '../verify/report.ts';
import { ClientLogStreams } from './client-logs.ts';
import { ClusterRunLive } from './e2e-live.ts';
import { Executor } from './executor.ts';
import { loadIstioOperator } from './istio-operator.ts';
import { loadKindConfig } from './kind-config.ts';
import { KindDriver } from './kind-driver.ts';
import {
  clusterNode,
  imagesOfNode,
  officialImages,
  parseOfflineChoice,
  privilegedRefused,
  readOfflineImages,
  resolveImages,
  RESTRICTED_HOST_BIN,
  type ClusterImages,
  type OfflineChoice,
} from './images.ts';
import { clientsOf, clusterDownPlan, clusterUpPlan, deployPlan, e2ePlan, type ClusterUpFiles, type Plan } from './plan.ts';
import { proxylessSkipReason } from './proxyless.ts';
import { renderPlan } from './render.ts';
import { DEFAULT_CLIENT_RATE, defaultClusterSettings, REPO_ROOT, type ClusterSettings } from './settings.ts';
import { scenariosDirOf, scenariosDirOptions } from '../cli/scenarios-dir.ts';
import { ClusterError, execaRunner, findTool, firstLine, preflight, type CommandRunner } from './tools.ts';

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
  --scenarios-dir DIR   scenario folder (default: scenarios; --scenarios DIR is the old name)
  --proxyless           clients use proxyless gRPC (xds:///, grpc-agent) instead of the Envoy sidecar
  --offline auto|1|0    up: the images of 'make offline-images' (1), the official ones (0), or the
                        official ones when they can be pulled, else the offline ones (auto; env OFFLINE)
  --json FILE           e2e: write the results as JSON (default tmp/cluster/e2e-results.json)
  --no-build            deploy: skip 'make build' (images already built)
  --sample-seconds N    e2e: traffic time per scenario after routing took effect (default: from the expected shares)
  --dashboard           e2e: serve the mesh dashboard on 127.0.0.1 while the scenarios run (each scenario's
                        YAML, its clients' split read from their pods' logs, the timeline, each verdict; a
                        promotion's steps and gates); it stays open after the run until Ctrl-C
  --dashboard-port N    its port (default ${DEFAULT_DASHBOARD_PORT}; 0: any free port)
`;

export interface ClusterCliOptions {
  readonly dryRun: boolean;
  readonly scenarios: readonly string[];
  readonly scenariosDir: string;
  readonly proxyless: boolean;
  readonly build: boolean;
  readonly sampleSeconds?: number;
  /** up: official images, the offline ones (make offline-images), or whichever can be had (auto). */
  readonly offline: OfflineChoice;
  /** e2e: where to write the JSON results (relative to the repository; default tmp/cluster/e2e-results.json). */
  readonly json?: string;
  /** e2e: the mesh dashboard's port on 127.0.0.1 (0: any free port); no dashboard when undefined. */
  readonly dashboardPort?: number;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

function settingsFor(options: Pick<ClusterCliOptions, 'proxyless'>): ClusterSettings {
  return defaultClusterSettings({ meshMode: options.proxyless ? 'proxyless' : 'sidecar' });
}

function loadScenarios(options: ClusterCliOptions): Scenario[] {
  const all = listScenarios(resolve(REPO_ROOT, options.scenariosDir));
  if (options.scenarios.length === 0) return all;
  const unknown = options.scenarios.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new ClusterError(`no scenario named ${unknown.join(', ')} in ${options.scenariosDir}`, `pick from: ${all.map((s) => s.name).join(', ')}`);
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

/**
 * The clients `deploy` installs: one per identity of the cluster scenarios that can run. Proxyless,
 * none for a scenario that needs Envoy (its ingress client would call a gateway that is not there).
 */
export function deployClients(scenarios: readonly Scenario[], settings: Pick<ClusterSettings, 'meshMode' | 'images'>): DriverClient[] {
  const runnable = clusterScenarios(scenarios).filter((s) => settings.meshMode !== 'proxyless' || !proxylessSkipReason(s, settings.images));
  return clientsOf(runnable);
}

function clusterUpFiles(settings: ClusterSettings): ClusterUpFiles {
  // Schema errors name the file and the field before anything touches Docker.
  return {
    kindConfig: loadKindConfig(join(settings.repoRoot, settings.kindConfig)) as unknown as Record<string, unknown>,
    istioOperator: loadIstioOperator(join(settings.repoRoot, settings.istioOperator)),
  };
}

export function plans(settings: ClusterSettings, scenarios: readonly Scenario[], sampleSeconds?: number): Record<'up' | 'deploy' | 'e2e' | 'down', Plan> {
  const e2e = e2ePlan(
    settings,
    scenarios
      .filter((scenario) => !isPromotion(scenario))
      .map((scenario) => ({
        scenario,
        sampleMs: sampleSeconds !== undefined ? sampleSeconds * 1000 : sampleMsFor(scenario),
      })),
  );
  const promotions = clusterScenarios(scenarios).filter(isPromotion);
  return {
    up: clusterUpPlan(settings, clusterUpFiles(settings)),
    deploy: deployPlan(settings, { build: true, clients: deployClients(scenarios, settings) }),
    e2e: {
      ...e2e,
      skipped: [
        ...e2e.skipped,
        ...promotions.map((p) => ({
          scenario: p.name,
          reason: `a promotion (${PROMOTE_PATH}): e2e runs canarykit promote's steps for it (each an apply of out/promote/${p.name}/step-<i>-v2-<w>pct and reads of the client's log until the gates decide), which this plan does not list`,
        })),
      ],
    },
    down: clusterDownPlan(settings),
  };
}

/** A scenario that is a promotion demonstration (expect/promote.yaml): e2e runs its promotion, not its routing. */
function isPromotion(scenario: Scenario): boolean {
  return existsSync(join(scenario.dir, PROMOTE_PATH));
}

export interface Prepared {
  readonly settings: ClusterSettings;
  readonly runner: CommandRunner;
}

/**
 * The images (official or offline) and the host (does it refuse --privileged?) of this run, and a
 * runner whose PATH puts the offline tools and, where needed, the restricted-host docker first.
 * cluster-up decides the images; the other commands read them off the existing cluster.
 */
export async function prepare(command: string, options: Pick<ClusterCliOptions, 'proxyless' | 'offline'>, log: (line: string) => void): Promise<Prepared> {
  const base = settingsFor(options);
  const localBin = join(base.repoRoot, '.tools/bin');
  const plain = execaRunner({ localBin, cwd: base.repoRoot }, base.versions);
  await preflight({ runner: plain, versions: base.versions, clusterName: base.clusterName, where: { localBin } }, { docker: true });
  let node = await clusterNode(plain, base.clusterName);
  if (command === 'up' && node !== undefined && !node.running) {
    // A node container that Docker did not restart (dockerd restarted, a reboot): kind would list the
    // cluster, but nothing in it answers. It holds no state worth keeping: make it again.
    log(`cluster-up: kind cluster '${base.clusterName}' exists but its node container is stopped (Docker restarted?): deleting it to create it again`);
    const deleted = await plain.run(['kind', 'delete', 'cluster', '--name', base.clusterName], { timeoutMs: 120_000 });
    if (deleted.exitCode !== 0)
      throw new ClusterError(
        `kind delete cluster --name ${base.clusterName} failed: ${firstLine(deleted.stderr)}`,
        `docker rm -f ${base.clusterName}-control-plane, then make cluster-up`,
      );
    node = undefined;
  }
  let images: ClusterImages;
  if (command === 'up') {
    images = await resolveImages({ runner: plain, versions: base.versions, choice: options.offline, log, offline: readOfflineImages() });
    if (node !== undefined && node.image !== images.nodeImage) {
      throw new ClusterError(
        `kind cluster '${base.clusterName}' exists with node image ${node.image}, but this run would use ${images.nodeImage} (${images.reason})`,
        `delete it first: make cluster-down && make cluster-up${images.source === 'offline' ? '' : ' (or OFFLINE=1 to keep using the offline images)'}`,
      );
    }
  } else {
    images = node === undefined ? officialImages(base.versions) : imagesOfNode(node.image, base.clusterName, base.versions);
  }
  const pathDirs = [images.toolsBin, process.env.PATH].filter((d): d is string => Boolean(d));
  if (
    command !== 'down' &&
    (await privilegedRefused(plain, images.nodeImage).catch((error: unknown) => {
      if (command === 'up') throw error;
      return false;
    }))
  ) {
    log(
      `${command}: this host refuses 'docker run --privileged' (root lacks CAP_SYS_RESOURCE): kind runs through ${relative(base.repoRoot, RESTRICTED_HOST_BIN)}/docker, which passes the capabilities and devices a node needs instead`,
    );
    pathDirs.unshift(RESTRICTED_HOST_BIN);
  }
  const path = pathDirs.join(delimiter);
  const runner = execaRunner({ localBin, cwd: base.repoRoot, path, env: { ...process.env, PATH: path } }, base.versions);
  const settings = { ...base, images };
  if (images.source === 'offline' && settings.meshMode === 'sidecar' && command !== 'up' && command !== 'down') {
    throw new ClusterError(
      `kind cluster '${base.clusterName}' runs the offline Istio images, which have no Envoy: sidecar mode cannot run here`,
      `run it proxyless: make ${command === 'deploy' ? 'deploy' : 'e2e'} PROXYLESS=1`,
    );
  }
  return { settings, runner };
}

export async function runCluster(command: string, options: ClusterCliOptions): Promise<number> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const err = options.err ?? ((text: string) => process.stderr.write(text));
  const log = (line: string) => err(`${line}\n`);

  if (command === 'plan') {
    const settings = settingsFor(options);
    const all = plans(settings, loadScenarios(options), options.sampleSeconds);
    out([all.up, all.deploy, all.e2e, all.down].map(renderPlan).join('\n'));
    return 0;
  }
  if (!['up', 'down', 'deploy', 'e2e'].includes(command)) {
    err(`canarykit cluster: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (options.dryRun) {
    const settings = settingsFor(options);
    const scenarios = command === 'deploy' || command === 'e2e' ? loadScenarios(options) : [];
    out(
      renderPlan(
        command === 'deploy'
          ? deployPlan(settings, { build: options.build, clients: deployClients(scenarios, settings) })
          : plans(settings, scenarios, options.sampleSeconds)[command as 'up' | 'down' | 'e2e'],
      ),
    );
    return 0;
  }
  const files = command === 'up' ? clusterUpFiles(settingsFor(options)) : undefined;
  const { settings, runner } = await prepare(command, options, log);
  const localBin = join(settings.repoRoot, '.tools/bin');
  const preflightContext = { runner, versions: settings.versions, clusterName: settings.clusterName, where: { localBin, path: runner.path } };
  const started = Date.now();

  if (command === 'up' || command === 'down') {
    if (command === 'up') log(`cluster-up: images: ${settings.images.source} (${settings.images.reason})`);
    const plan = command === 'up' ? clusterUpPlan(settings, files) : clusterDownPlan(settings);
    await preflight(preflightContext, { docker: true, tools: command === 'up' ? ['kind', 'kubectl', 'istioctl'] : ['kind'] });
    const executor = new Executor({ runner, settings, log });
    await executor.runSteps(plan.steps);
    if (command === 'up') {
      const record: ClusterUpRecord = {
        date: new Date().toISOString(),
        images: settings.images.source,
        ms: Date.now() - started,
        createMs: executor.stepMs.get('kind-create') ?? 0,
      };
      writeJson(join(settings.repoRoot, CLUSTER_UP_RECORD), record);
    }
    log(
      command === 'up'
        ? `cluster-up: done in ${((Date.now() - started) / 1000).toFixed(0)} s; next: make deploy${settings.images.envoy ? '' : ' PROXYLESS=1'}`
        : 'cluster-down: done',
    );
    return 0;
  }
  if (command === 'deploy') {
    const clients = deployClients(loadScenarios(options), settings);
    const plan = deployPlan(settings, { build: options.build, clients });
    await preflight(preflightContext, { cluster: true, tools: ['kind', 'kubectl', 'helm', 'istioctl'] });
    await new Executor({ runner, settings, log }).runSteps(plan.steps);
    log(`deploy: done in ${((Date.now() - started) / 1000).toFixed(0)} s; next: make e2e${settings.meshMode === 'proxyless' ? ' PROXYLESS=1' : ''}`);
    return 0;
  }
  return runE2e({ settings, runner, scenarios: loadScenarios(options), options, out, log });
}

/** One scenario's outcome on the cluster, as printed and as written to the JSON results. */
export interface ClusterScenarioResult {
  readonly scenario: string;
  readonly status: 'passed' | 'failed' | 'not-run';
  /** not-run: why (e.g. "needs Envoy: not run on this machine"); failed: the first line of the error. */
  readonly reason?: string;
  /** From the start of the apply to the verdict. */
  readonly applyToVerdictMs?: number;
  /** Observed share of each outcome per client identity. */
  readonly observed?: Record<string, Record<string, number>>;
  readonly calls?: Record<string, number>;
}

export interface ClusterE2eResults {
  readonly date: string;
  readonly cluster: string;
  readonly meshMode: string;
  readonly images: { readonly source: string; readonly nodeImage: string; readonly istio: string };
  readonly scenarios: readonly ClusterScenarioResult[];
}

export const E2E_RESULTS_FILE = 'tmp/cluster/e2e-results.json';

/** What the last cluster-up took (make bench reports it). */
export interface ClusterUpRecord {
  readonly date: string;
  readonly images: string;
  readonly ms: number;
  /** The `kind create cluster` step alone (0 when the cluster existed and was reused). */
  readonly createMs: number;
}
export const CLUSTER_UP_RECORD = 'tmp/cluster/cluster-up.json';

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function observedShares(result: ReturnType<typeof verifyLogs>): Pick<ClusterScenarioResult, 'observed' | 'calls'> {
  const observed: Record<string, Record<string, number>> = {};
  for (const [identity, counts] of Object.entries(result.counts)) {
    const total = result.totals[identity] ?? 0;
    observed[identity] = Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, total ? Number((n / total).toFixed(4)) : 0]));
  }
  return { observed, calls: { ...result.totals } };
}

/** One `cluster e2e` run: where, what, and where its output goes. */
interface E2eRun {
  readonly settings: ClusterSettings;
  readonly runner: CommandRunner;
  readonly scenarios: readonly Scenario[];
  readonly options: ClusterCliOptions;
  readonly out: (t: string) => void;
  readonly log: (l: string) => void;
}

async function runE2e(run: E2eRun): Promise<number> {
  const { settings, runner, options, out } = run;
  // Tools, Docker and the cluster are checked once, up front: without them no scenario can run,
  // and one message says so (instead of one failure with diagnostics per scenario).
  const localBin = join(settings.repoRoot, '.tools/bin');
  await preflight(
    { runner, versions: settings.versions, clusterName: settings.clusterName, where: { localBin, path: runner.path } },
    { cluster: true, tools: ['kind', 'kubectl', 'helm', 'istioctl'] },
  );
  // The dashboard listens before any scenario runs, so a port in use stops here.
  const live = options.dashboardPort !== undefined ? await e2eDashboard(settings, runner, options.dashboardPort, out) : undefined;
  const close = async () => {
    await live?.streams.close();
    await live?.dashboard.close();
  };
  let code: number;
  try {
    code = await runE2eScenarios(run, live?.source);
  } catch (error) {
    await close();
    throw error;
  }
  if (live) {
    out(`\ndashboard: ${live.dashboard.url} stays open with the last scenario and its verdict; Ctrl-C to stop\n`);
    await untilInterrupted();
    await close();
  }
  return code;
}

/** The mesh dashboard of an e2e run: the scenario in force, its clients read from their pods' logs. */
async function e2eDashboard(settings: ClusterSettings, runner: CommandRunner, port: number, out: (t: string) => void) {
  const kubectl = findTool('kubectl', { localBin: join(settings.repoRoot, '.tools/bin'), ...(runner.path !== undefined ? { path: runner.path } : {}) });
  if (!kubectl) throw new ClusterError('kubectl not found on PATH or in .tools/bin: the dashboard reads the clients with it', 'make cluster-tools');
  let dashboard: Dashboard;
  try {
    dashboard = await Dashboard.listen({ port });
  } catch (error) {
    throw new ClusterError(
      (error as Error).message.replace(', or --no-dashboard', ''),
      'pass --dashboard-port with a free port (0: any), or leave out --dashboard',
    );
  }
  const streams = new ClientLogStreams({ kubectl, context: settings.context, namespace: settings.namespace });
  const source = new ClusterRunLive(streams);
  dashboard.attach(source);
  out(`dashboard: ${dashboard.url} (each scenario as it runs on the cluster; stays open after the run until Ctrl-C)\n`);
  return { dashboard, streams, source };
}

async function runE2eScenarios({ settings, runner, scenarios, options, out, log }: E2eRun, live: ClusterRunLive | undefined): Promise<number> {
  const driver = new KindDriver({ settings, log, runner });
  await driver.up();
  const results: ClusterScenarioResult[] = [];
  for (const skipped of scenarios.filter((s) => !s.modes.includes('cluster'))) log(`skip ${skipped.name}: modes ${skipped.modes.join(', ')}`);
  for (const scenario of clusterScenarios(scenarios)) {
    const notRun = settings.meshMode === 'proxyless' ? proxylessSkipReason(scenario, settings.images) : undefined;
    if (notRun) {
      out(`${scenario.name}: NOT RUN: ${notRun}\n`);
      results.push({ scenario: scenario.name, status: 'not-run', reason: notRun });
      continue;
    }
    log(`\n=== ${scenario.name} (kind, ${settings.meshMode})`);
    if (isPromotion(scenario)) {
      results.push(await runPromotionE2e(scenario, { settings, runner }, driver, out, log, live));
      continue;
    }
    const started = Date.now();
    let verdict: ReturnType<typeof verifyLogs> | undefined;
    try {
      const run = await runScenario({
        driver,
        scenario,
        sampleMs: options.sampleSeconds !== undefined ? options.sampleSeconds * 1000 : sampleMsFor(scenario),
        ...(live ? { onRouting: (since: Date) => live.routing(scenario, since) } : {}),
        verify: (_s, logs) => {
          verdict = verifyLogs(scenario.expect, logs, 'cluster');
          live?.verdict(scenario, verdict);
          return { passed: verdict.passed, report: formatReport(verdict) };
        },
      });
      live?.cleanedUp(scenario);
      out(`${scenario.name}: PASS\n${run.outcome.report}\n`);
      results.push({ scenario: scenario.name, status: 'passed', applyToVerdictMs: Date.now() - started, ...observedShares(verdict!) });
    } catch (error) {
      // A scenario failure is reported (with diagnostics) and the next scenario runs.
      live?.cleanedUp(scenario);
      out(`${scenario.name}: FAIL\n${(error as Error).message}\n`);
      results.push({
        scenario: scenario.name,
        status: 'failed',
        reason: firstLine((error as Error).message),
        applyToVerdictMs: Date.now() - started,
        ...(verdict ? observedShares(verdict) : {}),
      });
    }
  }
  const file = join(settings.repoRoot, options.json ?? E2E_RESULTS_FILE);
  const report: ClusterE2eResults = {
    date: new Date().toISOString(),
    cluster: settings.clusterName,
    meshMode: settings.meshMode,
    images: { source: settings.images.source, nodeImage: settings.images.nodeImage, istio: settings.images.istioVersion },
    scenarios: results,
  };
  writeJson(file, report);
  const count = (status: ClusterScenarioResult['status']) => results.filter((r) => r.status === status).length;
  const ran = count('passed') + count('failed');
  out(
    `\n${count('passed')}/${ran} cluster scenarios passed${
      count('not-run')
        ? `, ${count('not-run')} not run (${results
            .filter((r) => r.status === 'not-run')
            .map((r) => r.scenario)
            .join(', ')}: see above)`
        : ''
    }; results: ${relative(settings.repoRoot, file)}\n`,
  );
  return count('failed') === 0 && ran > 0 ? 0 : 1;
}

/** A promotion scenario on the cluster: `canarykit promote --driver kind`, judged by expect/promote.yaml's outcome. */
async function runPromotionE2e(
  scenario: Scenario,
  cluster: Prepared,
  driver: KindDriver,
  out: (t: string) => void,
  log: (l: string) => void,
  live?: ClusterRunLive,
): Promise<ClusterScenarioResult> {
  const started = Date.now();
  let steps: StepFolder[] = [];
  try {
    const prepared = preparePromotion(scenario.dir, { outDir: join(cluster.settings.repoRoot, 'tmp', 'cluster', 'promote', scenario.name) });
    steps = prepared.steps;
    const applied: number[] = [];
    const promotion = live ? new PromotionLive(prepared, 'kind') : undefined;
    if (promotion) live?.promoting(scenario, promotion);
    const result = await promoteOnDriver(prepared, {
      driver: 'kind',
      cluster,
      ...(promotion ? { onUp: () => promotion.started() } : {}),
      events: (promotion ? (inner: PromoteEvents) => promotion.events(inner) : (inner: PromoteEvents) => inner)({
        applied: (step) => {
          applied.push(step.weight);
          log(`[${scenario.name}] step ${step.index}: ${step.weight}% v2 in force`);
        },
        decided: (r) =>
          log(`[${scenario.name}]   ${r.calls} calls in ${(r.ms / 1000).toFixed(1)} s: ${r.gates.map((g) => `${g.gate} ${g.verdict}`).join(', ')}`),
      }),
    });
    promotion?.finish(result);
    const report = formatPromotion(scenario.name, result, prepared.config);
    const mismatch = outcomeMismatch(prepared, result, applied);
    const outcome = prepared.config.outcome;
    // A promotion has exactly one client (step-files.ts refuses others).
    const calls = { [scenario.clients[0]!.identity]: result.totalCalls };
    if (mismatch) {
      out(`${scenario.name}: FAIL\n${mismatch}\n${report}\n${result.diagnostics ?? ''}\n`);
      return { scenario: scenario.name, status: 'failed', reason: mismatch, applyToVerdictMs: Date.now() - started, calls };
    }
    out(`${scenario.name}: PASS (${outcome ? `${outcome.result} as expected` : result.result})\n${report}\n`);
    return { scenario: scenario.name, status: 'passed', applyToVerdictMs: Date.now() - started, calls };
  } catch (error) {
    out(`${scenario.name}: FAIL\n${(error as Error).message}\n`);
    return { scenario: scenario.name, status: 'failed', reason: firstLine((error as Error).message), applyToVerdictMs: Date.now() - started };
  } finally {
    // The promotion leaves its last step in force (100% or 0% v2), as `canarykit promote` does; the
    // next scenario starts from no rules. Every step names the same objects, so step 0's files delete them.
    if (steps[0]) await driver.cleanup(steps[0].scenario).catch((error: unknown) => log(`[${scenario.name}] cleanup failed: ${String(error)}`));
  }
}

export function parseClusterArgs(argv: readonly string[]): { command: string | undefined; options: ClusterCliOptions; help: boolean } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true, default: [] },
      ...scenariosDirOptions('scenarios'),
      proxyless: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'sample-seconds': { type: 'string' },
      offline: { type: 'string' },
      json: { type: 'string' },
      dashboard: { type: 'boolean', default: false },
      'dashboard-port': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const sample = values['sample-seconds'];
  if (sample !== undefined && !(Number(sample) > 0)) throw new ClusterError(`--sample-seconds must be a positive number, got '${sample}'`);
  if (values['dashboard-port'] !== undefined && !values.dashboard) throw new ClusterError('--dashboard-port needs --dashboard', 'add --dashboard');
  const dashboardPort = Number(values['dashboard-port'] ?? DEFAULT_DASHBOARD_PORT);
  if (!Number.isInteger(dashboardPort) || dashboardPort < 0 || dashboardPort > 65535)
    throw new ClusterError(`--dashboard-port must be a port number, got '${values['dashboard-port']}'`, 'pass a free port, or 0 for any');
  return {
    command: positionals[0],
    help: values.help,
    options: {
      dryRun: values['dry-run'],
      scenarios: values.scenario,
      scenariosDir: scenariosDirOf(values, 'scenarios', 'scenarios'),
      proxyless: values.proxyless,
      build: !values['no-build'],
      offline: parseOfflineChoice(values.offline ?? process.env.OFFLINE),
      ...(values.json !== undefined ? { json: values.json } : {}),
      ...(sample !== undefined ? { sampleSeconds: Number(sample) } : {}),
      ...(values.dashboard ? { dashboardPort } : {}),
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
    if (
      error instanceof ClusterError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ||
      /is not a valid (kind|install)/.test((error as Error).message)
    ) {
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
