// On a running kind + Istio cluster (make cluster-up && make deploy PROXYLESS=1): the time
// cluster-up took (recorded by the last cluster-up, tmp/cluster/cluster-up.json), and for a few
// scenarios the time from apply to verdict on the cluster as a ratio to the local mesh's time for
// the same scenario, both measured in this run. Without a cluster it reports nothing and says so.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../src/demo/run-demo.ts';
import type { ClusterE2eResults } from '../src/cluster/command.ts';
import { CLUSTER_UP_RECORD, type ClusterUpRecord } from '../src/cluster/command.ts';
import type { BenchResult } from './types.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** One deterministic and one weighted scenario: the routing wait and the sample size both count. */
const SCENARIOS = ['header-user-admin', 'weighted-90-10'];

function clusterUp(name = 'canarykit'): boolean {
  return spawnSync('docker', ['inspect', `${name}-control-plane`], { stdio: 'ignore' }).status === 0;
}

export async function benchCluster(): Promise<BenchResult[]> {
  if (!clusterUp()) {
    process.stdout.write('cluster: no kind cluster named canarykit is running (make cluster-up && make deploy PROXYLESS=1 first); nothing measured\n');
    return [];
  }
  const results: BenchResult[] = [];
  const upFile = join(ROOT, CLUSTER_UP_RECORD);
  if (existsSync(upFile)) {
    const up = JSON.parse(readFileSync(upFile, 'utf8')) as ClusterUpRecord;
    results.push({
      name: `cluster-up (${up.images} images, ${up.date}; recorded by that run, not re-run here)`,
      unit: 's',
      value: up.ms / 1000,
      baseline: (up.createMs || up.ms) / 1000,
      baselineName: up.createMs ? 'of which kind create cluster' : '(the cluster existed: no create)',
      ratio: up.ms / (up.createMs || up.ms),
      target: 'report only',
      pass: true,
    });
  }
  const json = 'tmp/cluster/bench-e2e.json';
  const args = ['src/cluster/command.ts', 'e2e', '--proxyless', '--json', json, ...SCENARIOS.flatMap((s) => ['--scenario', s])];
  const e2e = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (e2e.status !== 0 && !existsSync(join(ROOT, json))) throw new Error(`cluster e2e for the benchmark exited ${e2e.status}`);
  const cluster = JSON.parse(readFileSync(join(ROOT, json), 'utf8')) as ClusterE2eResults;
  const local = await runDemo({ scenarios: SCENARIOS });
  for (const name of SCENARIOS) {
    const onCluster = cluster.scenarios.find((s) => s.scenario === name);
    const onLocal = local.scenarios.find((s) => s.name === name);
    if (!onCluster?.applyToVerdictMs || !onLocal) continue;
    results.push({
      name: `  ${name}: apply to verdict on kind + Istio (proxyless; ${onCluster.status})`,
      unit: 's',
      value: onCluster.applyToVerdictMs / 1000,
      baseline: onLocal.ms / 1000,
      baselineName: 'the same scenario on the local mesh',
      ratio: onCluster.applyToVerdictMs / onLocal.ms,
      target: 'report only (the cluster samples at 20 calls/s for kubectl logs, the local mesh as fast as it can)',
      pass: onCluster.status === 'passed' && onLocal.passed,
    });
  }
  return results;
}
