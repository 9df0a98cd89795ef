// The `kind` Driver: kind + Istio behind the same interface as the local xDS mesh. Each method
// runs the plan steps the dry-run prints for it (src/cluster/plan.ts) through the Executor.
import { join } from 'node:path';
import { skipReasonForModes, type AppliedScenario, type CollectedLogs, type Driver, type DriverClient, type DriverUpOptions } from '../driver/driver.ts';
import type { Scenario } from '../scenarios/load.ts';
import { Executor } from './executor.ts';
import { clientDeployment, clientSelector, CLIENT_CONTAINER, serverSelector, SERVER_CONTAINER } from './helm-values.ts';
import { clusterDownPlan, clusterUpPlan, deployPlan, e2ePreludeSteps, istiodDebug, scenarioSteps, type ScenarioSteps } from './plan.ts';
import { nacksInIstiodLog } from './envoy-routes.ts';
import type { ClusterSettings } from './settings.ts';
import { execaRunner, preflight, type CommandRunner, type ToolName } from './tools.ts';

export interface KindDriverOptions {
  readonly settings: ClusterSettings;
  /** Default: the real tools through execa. */
  readonly runner?: CommandRunner;
  readonly log?: (line: string) => void;
  /**
   * Whether this driver owns the cluster: `up` creates it (cluster-up + deploy) and `down` deletes
   * it. Default false: the cluster's lifetime belongs to `make cluster-up` / `make cluster-down`,
   * `up` only checks it is there and `down` leaves it (e2e/ calls up/down once per test file).
   */
  readonly manageCluster?: boolean;
  /** Clients a managed `up` installs (each scenario installs its own before applying its rules). */
  readonly clients?: readonly DriverClient[];
  /**
   * `up` on an existing cluster leaves the routing objects in force (default false: it deletes
   * what an interrupted run left, so each e2e scenario starts from no rules). `canarykit promote`
   * sets it: it changes routing only by applying its own steps, and not at all when it refuses.
   */
  readonly keepRouting?: boolean;
  /** Build images with `make build` during `up` (default true). */
  readonly build?: boolean;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  readonly writeFile?: (path: string, content: string) => void;
}

const CLUSTER_TOOLS: readonly ToolName[] = ['kind', 'kubectl', 'helm', 'istioctl'];

/** Commands whose output shows why a scenario failed on the cluster. */
export function diagnosticCommands(settings: ClusterSettings, scenario: Scenario): string[][] {
  const k = (...args: string[]) => ['kubectl', '--context', settings.context, ...args];
  const ns = settings.namespace;
  return [
    k('get', 'pods', '-n', ns, '-o', 'wide'),
    k('get', 'events', '-n', ns, '--sort-by=.lastTimestamp'),
    k('get', 'virtualservices,destinationrules,gateways', '-n', ns, '-o', 'yaml'),
    ['istioctl', '--context', settings.context, 'analyze', '-n', ns],
    ['istioctl', '--context', settings.context, 'proxy-status'],
    ...scenario.clients
      .filter((c) => c.via !== 'ingress')
      .map((c) => ['istioctl', '--context', settings.context, 'proxy-config', 'routes', `deploy/${clientDeployment(c.identity)}`, '-n', ns]),
    ...(scenario.clients.some((c) => c.via === 'ingress')
      ? [['istioctl', '--context', settings.context, 'proxy-config', 'routes', 'deploy/istio-ingressgateway', '-n', settings.istioNamespace]]
      : []),
    ...scenario.clients.map((c) => k('logs', '-n', ns, '-l', clientSelector(c.identity), '-c', CLIENT_CONTAINER, '--prefix', '--tail=30')),
    ...scenario.servers.map((s) => k('logs', '-n', ns, '-l', serverSelector(s.version), '-c', SERVER_CONTAINER, '--prefix', '--tail=30')),
    ...scenario.clients
      .filter((c) => c.via !== 'ingress')
      .map((c) => k('logs', '-n', ns, '-l', clientSelector(c.identity), '-c', 'istio-proxy', '--prefix', '--tail=30')),
  ];
}

export class KindDriver implements Driver {
  readonly name = 'kind' as const;
  readonly #settings: ClusterSettings;
  readonly #runner: CommandRunner;
  readonly #executor: Executor;
  readonly #options: KindDriverOptions;
  readonly #steps = new Map<string, ScenarioSteps>();
  readonly #now: () => Date;
  #clusterChecked = false;

  constructor(options: KindDriverOptions) {
    this.#options = options;
    this.#settings = options.settings;
    this.#runner =
      options.runner ?? execaRunner({ localBin: join(options.settings.repoRoot, '.tools/bin'), cwd: options.settings.repoRoot }, options.settings.versions);
    this.#now = options.now ?? (() => new Date());
    this.#executor = new Executor({
      runner: this.#runner,
      settings: this.#settings,
      log: options.log,
      sleep: options.sleep,
      now: this.#now,
      writeFile: options.writeFile,
    });
  }

  #preflight(cluster: boolean) {
    return preflight(
      {
        runner: this.#runner,
        versions: this.#settings.versions,
        clusterName: this.#settings.clusterName,
        where: { localBin: join(this.#settings.repoRoot, '.tools/bin') },
      },
      { docker: true, cluster, tools: this.#options.runner ? [] : CLUSTER_TOOLS },
    );
  }

  async #ensureCluster(): Promise<void> {
    if (this.#clusterChecked) return;
    await this.#preflight(true);
    this.#clusterChecked = true;
  }

  #stepsFor(scenario: Scenario): ScenarioSteps {
    let steps = this.#steps.get(scenario.name);
    if (!steps) {
      steps = scenarioSteps(this.#settings, scenario);
      this.#steps.set(scenario.name, steps);
    }
    return steps;
  }

  skipReason(scenario: Scenario): string | undefined {
    return skipReasonForModes('kind', scenario);
  }

  async up(_options: DriverUpOptions = {}): Promise<void> {
    if (!this.#options.manageCluster) {
      // The cluster was made by `make cluster-up`: check it is there and Istio is serving.
      await this.#ensureCluster();
      const prelude = e2ePreludeSteps(this.#settings);
      await this.#executor.runSteps(this.#options.keepRouting ? prelude.filter((step) => step.id !== 'remove-leftovers') : prelude);
      return;
    }
    await this.#preflight(false);
    await this.#executor.runSteps(clusterUpPlan(this.#settings).steps);
    this.#clusterChecked = true;
    await this.deploy();
  }

  /** Images and releases only (`make deploy`): the cluster must exist. */
  async deploy(): Promise<void> {
    await this.#ensureCluster();
    const clients = this.#options.clients ?? [{ identity: 'default' }];
    await this.#executor.runSteps(deployPlan(this.#settings, { build: this.#options.build ?? true, clients }).steps);
  }

  /**
   * The server releases as the scenario runs them (replicas, delay, fail rate), nothing else: no
   * client changes, no routing applied. `canarykit promote` runs this before it counts v2's pods.
   */
  async prepareServers(scenario: Scenario): Promise<void> {
    await this.#ensureCluster();
    await this.#executor.runSteps(this.#stepsFor(scenario).servers);
  }

  /** Server pods of a version label that are running and ready (not being deleted). */
  async runningServers(version: string): Promise<number> {
    const { context, namespace } = this.#settings;
    const argv = ['kubectl', '--context', context, 'get', 'pods', '-n', namespace, '-l', serverSelector(version), '-o', 'json'];
    const result = await this.#runner.run(argv, { timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
    return readyPods(result.stdout);
  }

  async apply(scenario: Scenario): Promise<AppliedScenario> {
    await this.#ensureCluster();
    const appliedAt = await this.#executor.runSteps(this.#stepsFor(scenario).apply);
    return { appliedAt: appliedAt ?? this.#now() };
  }

  async waitForRouting(scenario: Scenario, _applied: AppliedScenario): Promise<void> {
    await this.#executor.waitRouting(this.#stepsFor(scenario).wait);
  }

  async collect(scenario: Scenario, since: Date): Promise<CollectedLogs> {
    return this.#executor.collect(this.#stepsFor(scenario).collect, since, this.#now());
  }

  async diagnose(scenario: Scenario): Promise<string> {
    const common = await this.#executor.diagnose(diagnosticCommands(this.#settings, scenario));
    if (this.#settings.meshMode !== 'proxyless') return common;
    return `${common}\n\n${await this.#proxylessDiagnostics(scenario)}`;
  }

  /**
   * Proxyless clients have no Envoy to ask: istiod's view of each client's routes (what its grpc
   * generator sends that client) and the NACKs istiod logged for it ("ADS:RDS: ACK ERROR <id> ...",
   * the client's refusal with grpc-js-xds's reason).
   */
  async #proxylessDiagnostics(scenario: Scenario): Promise<string> {
    const { context, namespace, istioNamespace } = this.#settings;
    const parts: string[] = [];
    const istiodLog = await this.#runner
      .run(['kubectl', '--context', context, 'logs', '-n', istioNamespace, 'deploy/istiod', '--tail=5000'], { timeoutMs: 60_000 })
      .catch(() => undefined);
    for (const client of scenario.clients.filter((c) => c.via !== 'ingress')) {
      const pods = await this.#runner.run(
        ['kubectl', '--context', context, 'get', 'pods', '-n', namespace, '-l', clientSelector(client.identity), '-o', 'jsonpath={.items[*].metadata.name}'],
        { timeoutMs: 30_000 },
      );
      for (const pod of pods.stdout.split(/\s+/).filter(Boolean)) {
        const proxyId = `${pod}.${namespace}`;
        const dump = await this.#runner.run(istiodDebug(this.#settings, `/debug/config_dump?proxyID=${proxyId}&types=lds,rds,cds`), { timeoutMs: 60_000 });
        parts.push(`istiod's view of ${proxyId} (what it sends this proxyless client):\n${(dump.stdout || dump.stderr).trim().slice(0, 6000)}`);
        const nacks = nacksInIstiodLog(istiodLog?.stdout ?? '', pod);
        parts.push(
          nacks.length
            ? `NACKs istiod logged for ${pod} (last ${Math.min(5, nacks.length)}):\n${nacks.slice(-5).join('\n')}`
            : `no NACK from ${pod} in istiod's last 5000 log lines`,
        );
      }
    }
    return parts.join('\n\n');
  }

  async cleanup(scenario: Scenario): Promise<void> {
    await this.#executor.runSteps(this.#stepsFor(scenario).cleanup);
  }

  /** Deletes the cluster only when this driver manages it (see `manageCluster`). */
  async down(): Promise<void> {
    if (!this.#options.manageCluster) return;
    await this.#executor.runSteps(clusterDownPlan(this.#settings).steps);
  }
}

interface PodList {
  items?: Array<{
    metadata?: { deletionTimestamp?: string };
    status?: { phase?: string; conditions?: Array<{ type?: string; status?: string }> };
  }>;
}

/** Pods in `kubectl get pods -o json` output that are Running, Ready and not being deleted. */
export function readyPods(json: string): number {
  const list = JSON.parse(json) as PodList;
  return (list.items ?? []).filter(
    (pod) =>
      !pod.metadata?.deletionTimestamp &&
      pod.status?.phase === 'Running' &&
      (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}
