// The cluster and publish targets refuse to run without what they need, with a sentence that says
// what is missing and what to do: never a stack trace, never a half-done deploy.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../chart/helm.ts';

async function make(target: string, vars: Record<string, string> = {}) {
  const result = await execa('make', ['--no-print-directory', target, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
    timeout: 60_000,
    // No reachable cluster whatever the developer's kubeconfig says.
    env: { KUBECONFIG: '/nonexistent/kubeconfig', KUBE_CONTEXT: '' },
  });
  return { exitCode: result.exitCode, output: String(result.all) };
}

describe('make targets that need a cluster or a registry', () => {
  it.each(['deploy', 'remove', 'logs'])('make %s without a cluster fails with a message that says so', async (target) => {
    const { exitCode, output } = await make(target);
    expect(exitCode).not.toBe(0);
    expect(output).toMatch(new RegExp(`${target}: (no Kubernetes cluster answers|kubectl not found)`));
    expect(output).toMatch(/make cluster-up/);
    // It stopped before building or installing anything.
    expect(output).not.toMatch(/docker build|helm .*upgrade --install|Error: |\n\s+at /);
  });

  it('make buildx-publish without REGISTRY says to set it', async () => {
    const { exitCode, output } = await make('buildx-publish', { REGISTRY: '' });
    expect(exitCode).not.toBe(0);
    expect(output).toContain('buildx-publish: set REGISTRY');
  });

  it('make kind-load without that kind cluster says which cluster is missing', async () => {
    const { exitCode, output } = await make('kind-load', { KIND_CLUSTER: 'canarykit-absent' });
    expect(exitCode).not.toBe(0);
    expect(output).toMatch(/kind-load: (no kind cluster named canarykit-absent|kind not found)/);
  });
});
