// The command-line tools the kind + Istio path drives, found on PATH or in the project's
// .tools/bin, run through execa. A missing tool, a stopped Docker or a missing cluster is a
// ClusterError: one sentence saying what is wrong and the exact command that fixes it.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import type { PinnedVersions } from './settings.ts';

export type ToolName = 'docker' | 'kind' | 'kubectl' | 'helm' | 'istioctl';
export const TOOLS: readonly ToolName[] = ['docker', 'kind', 'kubectl', 'helm', 'istioctl'];

/** An expected failure: printed as its message (and hint), never as a stack trace. */
export class ClusterError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(hint ? `${message}\n  fix: ${hint}` : message);
    this.name = 'ClusterError';
    this.hint = hint;
  }
}

/** The exact command that installs each tool at the pinned version. */
export function installHint(tool: ToolName, versions: PinnedVersions): string {
  switch (tool) {
    case 'docker':
      return 'install Docker (Docker Desktop, or `sudo apt-get install docker.io` on Debian/Ubuntu) and give it 8 GB of memory and 4 CPUs';
    case 'kind':
      return `make tools-kind   (runs: GOBIN=$PWD/.tools/bin go install sigs.k8s.io/kind@${versions.kind})`;
    case 'kubectl':
      return `install kubectl ${versions.kubectl} (within one minor of the cluster's Kubernetes): https://kubernetes.io/docs/tasks/tools/ , or make tools-kubectl`;
    case 'helm':
      return `make helm   (runs: scripts/tools/install-helm.sh, which builds helm ${versions.helm} with go install)`;
    case 'istioctl':
      return `make tools-istioctl   (downloads istioctl ${versions.istio} from https://github.com/istio/istio/releases into .tools/bin; or: curl -L https://istio.io/downloadIstio | ISTIO_VERSION=${versions.istio} sh -)`;
  }
}

export interface ToolLocations {
  /** PATH to search (default: process.env.PATH). */
  readonly path?: string;
  /** The project's tool folder, searched after PATH. */
  readonly localBin: string;
  /** Environment of the commands (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory of the commands: plan paths (charts/greeter, scenarios/…) are relative to the repository. */
  readonly cwd?: string;
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of a tool: PATH first, then the project's .tools/bin. Undefined when neither has it. */
export function findTool(tool: ToolName, where: ToolLocations): string | undefined {
  const dirs = (where.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, where.localBin]) {
    const candidate = join(dir, tool);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Stream output to the terminal as well (long steps: cluster creation, image loads). */
  readonly echo?: boolean;
}

/** Runs argv[0] as a tool name. Resolves with the exit code; rejects only for a missing tool. */
export interface CommandRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** The PATH the runner searches, when it is not this process's. */
  readonly path?: string;
}

/** The real runner: resolves tools with findTool and runs them with execa (no shell). */
export function execaRunner(where: ToolLocations, versions: PinnedVersions): CommandRunner {
  const cache = new Map<string, string>();
  return {
    ...(where.path !== undefined ? { path: where.path } : {}),
    async run(argv, options = {}) {
      const [tool, ...args] = argv;
      if (!tool) throw new Error('empty command');
      let file = cache.get(tool);
      if (!file) {
        if (TOOLS.includes(tool as ToolName)) {
          file = findTool(tool as ToolName, where);
          if (!file) throw new ClusterError(`${tool} not found on PATH or in ${where.localBin}`, installHint(tool as ToolName, versions));
        } else {
          file = tool;
        }
        cache.set(tool, file);
      }
      const result = await execa(file, args, {
        reject: false,
        input: options.input,
        ...(where.env ? { env: where.env, extendEnv: false } : {}),
        ...(where.cwd ? { cwd: where.cwd } : {}),
        timeout: options.timeoutMs,
        stdout: options.echo ? ['pipe', 'inherit'] : 'pipe',
        stderr: options.echo ? ['pipe', 'inherit'] : 'pipe',
        stripFinalNewline: false,
      });
      if (result.failed && result.exitCode === undefined) {
        if (result.timedOut)
          return { exitCode: 124, stdout: String(result.stdout ?? ''), stderr: `timed out after ${options.timeoutMs} ms: ${argv.join(' ')}` };
        throw new ClusterError(`could not run ${tool}: ${result.shortMessage}`);
      }
      return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
    },
  };
}

/** The first non-empty line of a tool's error output, for messages. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? ''
  );
}

export interface PreflightNeeds {
  readonly docker?: boolean;
  /** The kind cluster must already exist (everything but cluster-up). */
  readonly cluster?: boolean;
  readonly tools?: readonly ToolName[];
}

export interface PreflightContext {
  readonly runner: CommandRunner;
  readonly versions: PinnedVersions;
  readonly clusterName: string;
  readonly where: ToolLocations;
}

/** Check what a command needs before it starts, so it fails in one clear sentence instead of halfway. */
export async function preflight(ctx: PreflightContext, needs: PreflightNeeds): Promise<void> {
  for (const tool of needs.tools ?? []) {
    if (!findTool(tool, ctx.where)) throw new ClusterError(`${tool} not found on PATH or in ${ctx.where.localBin}`, installHint(tool, ctx.versions));
  }
  if (needs.docker || needs.cluster) {
    // The runner throws a ClusterError with the install command when docker itself is missing.
    const info = await ctx.runner.run(['docker', 'info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
    if (info.exitCode !== 0) {
      throw new ClusterError(
        `Docker is not running (docker info: ${firstLine(info.stderr) || `exit ${info.exitCode}`})`,
        'start Docker (Docker Desktop, or `sudo systemctl start docker`), then check with `docker info`',
      );
    }
  }
  if (needs.cluster) {
    const clusters = await listKindClusters(ctx.runner);
    if (!clusters.includes(ctx.clusterName)) {
      throw new ClusterError(
        `no kind cluster named '${ctx.clusterName}' (kind get clusters: ${clusters.length ? clusters.join(', ') : 'none'})`,
        'make cluster-up',
      );
    }
  }
}

/** Names from `kind get clusters` (it prints "No kind clusters found." on stderr when there are none). */
export async function listKindClusters(runner: CommandRunner): Promise<string[]> {
  const result = await runner.run(['kind', 'get', 'clusters'], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new ClusterError(`kind get clusters failed: ${firstLine(result.stderr)}`, 'check that Docker is running: docker info');
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
