// What the container tests need from the machine: a Docker engine that answers and the images
// `make build` makes. Checked once, synchronously, so the suite can be gated at collection time.
import { execa, execaSync } from 'execa';
import type { ToolCheck } from '../chart/tool-gate.ts';

export const IMAGES = {
  serverV1: 'greeter-server:1.0.0',
  serverV2: 'greeter-server:2.0.0',
  client: 'greeter-client:1.0.0',
} as const;

function docker(args: readonly string[]): { ok: boolean; output: string } {
  const result = execaSync('docker', args, { reject: false, timeout: 20_000 });
  return { ok: result.exitCode === 0, output: `${String(result.stdout)}${String(result.stderr)}` };
}

function whyUnusable(): ToolCheck {
  if (!docker(['info', '--format', '{{.ServerVersion}}']).ok) {
    return { tool: 'Docker', missing: 'no Docker engine answers', fix: 'scripts/ci/setup-docker.sh (as root) or start Docker' };
  }
  const absent = Object.values(IMAGES).filter((image) => !docker(['image', 'inspect', '--format', '{{.Id}}', image]).ok);
  if (absent.length > 0) {
    return { tool: 'the greeter images', missing: `${absent.join(', ')} not built`, fix: 'make build (make base-image first where no registry is reachable)' };
  }
  return { tool: 'Docker', missing: undefined, fix: '' };
}

export const dockerCheck: ToolCheck = whyUnusable();

/** `docker inspect` of one container. */
export function inspect(id: string): {
  State: { ExitCode: number; Running: boolean };
  HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[] | null };
  Config: { User: string };
} {
  const result = docker(['inspect', id]);
  if (!result.ok) throw new Error(`docker inspect ${id}: ${result.output}`);
  return (JSON.parse(result.output) as ReturnType<typeof inspect>[])[0]!;
}

/** Everything a container wrote, stdout and stderr, as lines. */
export function logLines(id: string): string[] {
  const result = docker(['logs', id]);
  return result.output.split('\n').filter((line) => line.trim() !== '');
}

/** Waits for a container to exit; returns its exit code. */
export async function waitForExit(id: string, timeoutMs: number): Promise<number> {
  const result = await execa('docker', ['wait', id], { reject: false, timeout: timeoutMs });
  if (result.exitCode !== 0) throw new Error(`container ${id} did not exit within ${timeoutMs} ms`);
  return Number(String(result.stdout).trim());
}

export function removeContainer(id: string): void {
  docker(['rm', '--force', '--volumes', id]);
}
