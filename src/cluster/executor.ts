// Runs plan steps for real: the same steps the dry-run prints. Every failure becomes a
// ClusterError that names the step, the command, the tool's own last words and, for the common
// failures, the fix.
import { callWindow } from '../verify/window.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CollectedLogs } from '../driver/driver.ts';
import { linesSince, sinceTimeArg } from './logs.ts';
import { istiodDebug, SINCE, type CheckStep, type CollectStep, type ExecStep, type Step, type WaitRoutingStep } from './plan.ts';
import { commandLine } from './render.ts';
import { healthyEndpoints, parseProxyStatus, parseRouteConfigs, routeConfigsOfIstiodDump, routingMismatch, type ProxyXdsStatus } from './envoy-routes.ts';
import type { ClusterSettings } from './settings.ts';
import { ClusterError, firstLine, installHint, type CommandResult, type CommandRunner } from './tools.ts';

export interface ExecutorOptions {
  readonly runner: CommandRunner;
  readonly settings: ClusterSettings;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  readonly writeFile?: (path: string, content: string) => void;
}

/** Known failure texts → the fix to print with them. */
const HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Cannot connect to the Docker daemon|docker daemon is not running|error during connect/i, 'start Docker, then check with `docker info`'],
  [/context was not found|context "[^"]+" does not exist|no context exists|cluster '.*' not found/i, 'make cluster-up'],
  [
    /ErrImagePull|ImagePullBackOff|ErrImageNeverPull/,
    'the node could not find the image: `make deploy` runs `kind load docker-image` for it; check the chart uses imagePullPolicy IfNotPresent and a tag other than :latest',
  ],
  [
    /failed to pull image "kindest\/node/,
    'Docker could not pull the kind node image: this machine needs access to docker.io (or `docker load` the image first)',
  ],
  [/inotify|too many open files/i, 'raise the inotify limits: sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512'],
  [
    /port is already allocated|address already in use/i,
    'another process holds host port 30080 or 30443 (scripts/kind-config.yaml): stop it or change hostPort',
  ],
  [
    /timed out waiting for the condition|context deadline exceeded/i,
    'a rollout did not finish in time: `kubectl get pods -A` and `kubectl get events -A --sort-by=.lastTimestamp` show why',
  ],
];

export function hintFor(text: string): string | undefined {
  return HINTS.find(([re]) => re.test(text))?.[1];
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export class Executor {
  readonly #runner: CommandRunner;
  readonly #settings: ClusterSettings;
  readonly #log: (line: string) => void;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => Date;
  readonly #writeFile: (path: string, content: string) => void;

  constructor(options: ExecutorOptions) {
    this.#runner = options.runner;
    this.#settings = options.settings;
    this.#log = options.log ?? (() => {});
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? (() => new Date());
    this.#writeFile =
      options.writeFile ??
      ((path, content) => {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
      });
  }

  #fail(step: Step, argv: readonly string[], result: CommandResult): never {
    const output = `${result.stderr}\n${result.stdout}`;
    throw new ClusterError(
      `[${step.phase}] ${step.purpose}: failed\n  $ ${commandLine(argv)}\n  exit ${result.exitCode}: ${tail(result.stderr || result.stdout).replace(/\n/g, '\n  ')}`,
      hintFor(output),
    );
  }

  /** Run an exec step; resolves with the time it started (the apply time for `marksApply`), or undefined when skipped. */
  async exec(step: ExecStep): Promise<Date | undefined> {
    if (step.skipIf) {
      const probe = await this.#runner.run(step.skipIf.argv, { timeoutMs: 30_000 });
      if (
        probe.exitCode === 0 &&
        probe.stdout
          .split('\n')
          .map((l) => l.trim())
          .includes(step.skipIf.stdoutLine)
      ) {
        this.#log(`skip: ${step.skipIf.because}`);
        return undefined;
      }
    }
    for (const file of step.files ?? []) this.#writeFile(join(this.#settings.repoRoot, file.path), file.content);
    this.#log(`[${step.phase}] ${step.purpose}\n  $ ${commandLine(step.argv)}`);
    const startedAt = this.#now();
    const result = await this.#runner.run(step.argv, { input: step.stdin, timeoutMs: step.timeoutMs, echo: step.echo });
    if (result.exitCode !== 0) this.#fail(step, step.argv, result);
    return startedAt;
  }

  async check(step: CheckStep): Promise<void> {
    this.#log(`[${step.phase}] ${step.purpose}`);
    const result = await this.#runner.run(step.argv, { timeoutMs: step.timeoutMs });
    if (result.exitCode !== 0) this.#fail(step, step.argv, result);
    const problem = step.check === 'istioctl-version' ? istioctlVersionProblem(result.stdout, this.#settings) : sidecarProblem(result.stdout, this.#settings);
    if (problem) throw new ClusterError(`[${step.phase}] ${problem.message}`, problem.hint);
  }

  async waitRouting(step: WaitRoutingStep): Promise<void> {
    this.#log(`[${step.phase}] ${step.purpose}`);
    if (step.settleMs > 0) await this.#sleep(step.settleMs);
    const deadline = this.#now().getTime() + step.timeoutMs;
    let waiting: string[] = [];
    for (;;) {
      waiting = step.mode === 'proxy-config' ? await this.#proxyConfigWaiting(step) : await this.#proxyStatusWaiting(step);
      if (waiting.length === 0) return;
      if (this.#now().getTime() >= deadline) break;
      await this.#sleep(step.intervalMs);
    }
    throw new ClusterError(
      `[${step.phase}] routing not in effect after ${step.timeoutMs / 1000} s:\n  ${waiting.join('\n').replace(/\n/g, '\n  ')}`,
      'check `istioctl analyze -n ' + this.#settings.namespace + '` and `istioctl proxy-status`; istiod logs: kubectl logs -n istio-system deploy/istiod',
    );
  }

  async #proxyConfigWaiting(step: WaitRoutingStep): Promise<string[]> {
    const waiting: string[] = [];
    for (const probe of step.probes) {
      const result = await this.#runner.run(probe.argv, { timeoutMs: 30_000 });
      if (result.exitCode !== 0) {
        waiting.push(`${probe.workload}: ${firstLine(result.stderr) || `exit ${result.exitCode}`}`);
        continue;
      }
      let mismatch: string | undefined;
      try {
        mismatch = routingMismatch(parseRouteConfigs(result.stdout), probe.domain, probe.expected);
      } catch (error) {
        mismatch = (error as Error).message;
      }
      if (mismatch) {
        waiting.push(`${probe.workload}: ${mismatch}`);
        continue;
      }
      if (probe.endpoints) {
        const endpoints = await this.#runner.run(probe.endpoints.argv, { timeoutMs: 30_000 });
        let healthy = -1;
        try {
          if (endpoints.exitCode === 0) healthy = healthyEndpoints(endpoints.stdout, probe.endpoints.cluster);
        } catch {
          healthy = -1;
        }
        if (healthy !== probe.endpoints.healthy) {
          waiting.push(
            `${probe.workload}: ${healthy < 0 ? `endpoints unreadable (${firstLine(endpoints.stderr) || 'bad JSON'})` : healthy} healthy endpoints of ${probe.endpoints.cluster}, want ${probe.endpoints.healthy}`,
          );
        }
      }
    }
    return waiting;
  }

  /**
   * Proxyless clients have no Envoy whose routes could be read. Wait until (1) istiod reports each
   * client's LDS, RDS, CDS and EDS neither STALE nor ERROR (a NACK), from `proxy-status -o json`,
   * and (2) the routes istiod's grpc generator now sends that client are the scenario's, read from
   * istiod's own debug endpoint (`pilot-discovery request GET /debug/config_dump?proxyID=…`).
   */
  async #proxyStatusWaiting(step: WaitRoutingStep): Promise<string[]> {
    const argv = ['istioctl', '--context', this.#settings.context, 'proxy-status', '-o', 'json'];
    const result = await this.#runner.run(argv, { timeoutMs: 30_000 });
    if (result.exitCode !== 0) return [`istioctl proxy-status: ${firstLine(result.stderr)}`];
    let statuses: ProxyXdsStatus[];
    try {
      statuses = parseProxyStatus(result.stdout);
    } catch (error) {
      return [`istioctl proxy-status -o json: ${(error as Error).message}`];
    }
    const waiting: string[] = [];
    for (const probe of step.probes) {
      const deployment = probe.workload.replace(/^deploy\//, '');
      const mine = statuses.filter((s) => s.id.startsWith(`${deployment}-`));
      if (mine.length === 0) waiting.push(`${probe.workload}: not connected to istiod yet`);
      for (const proxy of mine) {
        const unsynced = ['LDS', 'RDS', 'CDS', 'EDS'].filter((t) => proxy.types[t] === 'STALE' || proxy.types[t] === 'ERROR');
        if (unsynced.length > 0) {
          waiting.push(`${proxy.id}: ${unsynced.map((t) => `${t} ${proxy.types[t] === 'ERROR' ? 'NACKed (ERROR)' : 'STALE'}`).join(', ')}`);
          continue;
        }
        const dump = await this.#runner.run(istiodDebug(this.#settings, `/debug/config_dump?proxyID=${proxy.id}&types=rds`), { timeoutMs: 30_000 });
        let mismatch: string | undefined;
        try {
          mismatch =
            dump.exitCode === 0
              ? routingMismatch(routeConfigsOfIstiodDump(dump.stdout), probe.domain, probe.expected)
              : `istiod's config_dump: ${firstLine(dump.stderr)}`;
        } catch (error) {
          mismatch = `istiod's config_dump: ${(error as Error).message}`;
        }
        if (mismatch) waiting.push(`${proxy.id} (istiod's routes for it): ${mismatch}`);
      }
    }
    return waiting;
  }

  async collect(step: CollectStep, since: Date, until: Date): Promise<CollectedLogs> {
    this.#log(`[${step.phase}] ${step.purpose}`);
    const clients: Record<string, string[]> = {};
    const servers: Record<string, string[]> = {};
    for (const request of step.requests) {
      const argv = request.argv.map((arg) => (arg === SINCE ? sinceTimeArg(since) : arg));
      const result = await this.#runner.run(argv, { timeoutMs: 120_000 });
      if (result.exitCode !== 0) this.#fail(step, argv, result);
      const lines = linesSince(result.stdout, since, until);
      // Client calls: a complete range of seq issued after `since`, so calls still in flight at
      // `until` (the slow outcomes) do not bias the shares (src/verify/window.ts).
      if (request.source.kind === 'client') clients[request.source.identity] = callWindow(lines, since.getTime()).lines;
      else servers[request.source.version] = lines;
    }
    return { since, until, clients, servers };
  }

  /** Run a list of steps (cluster-up, deploy, cleanup); returns the apply time when one step marks it. */
  async runSteps(steps: readonly Step[]): Promise<Date | undefined> {
    let appliedAt: Date | undefined;
    for (const step of steps) {
      const started = this.#now().getTime();
      try {
        appliedAt = (await this.#runStep(step)) ?? appliedAt;
      } finally {
        this.stepMs.set(step.id, this.#now().getTime() - started);
      }
    }
    return appliedAt;
  }

  /** How long each step run so far took, by step id (cluster-up records them; make bench reads them). */
  readonly stepMs = new Map<string, number>();

  async #runStep(step: Step): Promise<Date | undefined> {
    if (step.type === 'exec') {
      const started = await this.exec(step);
      return step.marksApply ? started : undefined;
    }
    if (step.type === 'check') await this.check(step);
    else if (step.type === 'wait-routing') await this.waitRouting(step);
    else if (step.type === 'sample') {
      this.#log(`[${step.phase}] ${step.purpose}`);
      await this.#sleep(step.ms);
    } else throw new Error(`runSteps does not run ${step.type} steps (the driver does)`);
    return undefined;
  }

  /** Output of commands that show why a scenario failed. Never throws. */
  async diagnose(commands: readonly (readonly string[])[]): Promise<string> {
    const parts: string[] = [];
    for (const argv of commands) {
      try {
        const result = await this.#runner.run(argv, { timeoutMs: 60_000 });
        parts.push(`$ ${commandLine(argv)}\n${tail(`${result.stdout}${result.stderr}`, 60)}`);
      } catch (error) {
        parts.push(`$ ${commandLine(argv)}\n${(error as Error).message}`);
      }
    }
    return parts.join('\n\n');
  }
}

export function istioctlVersionProblem(stdout: string, settings: ClusterSettings): { message: string; hint: string } | undefined {
  // `istioctl version --remote=false --short` prints the bare version (older releases: "client version: 1.x.y").
  const version =
    stdout
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^client version:\s*/i, '')
      .trim() ?? '';
  const want = settings.images.istioVersion;
  if (version === want) return undefined;
  if (settings.images.source === 'offline') {
    return {
      message: `istioctl is ${version || '(unknown)'}, not ${want}, the one built with the offline istiod (found first on PATH instead of ${settings.images.toolsBin})`,
      hint: 'make offline-images (it builds istioctl into .tools/offline/bin), and remove other istioctl binaries from the front of PATH',
    };
  }
  return {
    message: `istioctl is ${version || '(unknown)'}, not the pinned ${want}: it would install Istio ${version || '(unknown)'}`,
    hint: installHint('istioctl', settings.versions),
  };
}

interface PodList {
  items?: Array<{
    metadata?: { name?: string; annotations?: Record<string, string> };
    spec?: { containers?: Array<{ name?: string }>; initContainers?: Array<{ name?: string }> };
  }>;
}

/** Every pod that should have a sidecar has `istio-proxy` (a container, or a native sidecar init container). */
export function sidecarProblem(podsJson: string, settings: ClusterSettings): { message: string; hint: string } | undefined {
  const pods = (JSON.parse(podsJson) as PodList).items ?? [];
  const missing = pods
    .filter((pod) => {
      if (pod.metadata?.annotations?.['sidecar.istio.io/inject'] === 'false') return false;
      const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
      return !names.includes('istio-proxy');
    })
    .map((pod) => pod.metadata?.name ?? '(unnamed)');
  if (missing.length === 0) return undefined;
  return {
    message: `no Istio sidecar in ${missing.join(', ')}: the pods were created without injection`,
    hint: `label the namespace and recreate the pods: kubectl --context ${settings.context} label namespace ${settings.namespace} istio-injection=enabled --overwrite && kubectl --context ${settings.context} rollout restart deployment -n ${settings.namespace}`,
  };
}
