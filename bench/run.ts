// `make bench`: runs every benchmark and prints each as a ratio against a baseline measured in
// the same run (absolute numbers vary between machines; ratios travel). Exit code 0 even when a
// target is missed: benchmarks report, tests assert.
import { benchClientReconnect } from './client-reconnect.ts';
import { benchCluster } from './cluster.ts';
import { benchDemoSuite } from './demo-suite.ts';
import { benchGrpcThroughput } from './grpc-throughput.ts';
import { benchIstiod } from './istiod.ts';
import { benchNewApp } from './newapp.ts';
import { benchPackage } from './package.ts';
import { benchPromote } from './promote.ts';
import type { BenchResult } from './types.ts';

const benches: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  'grpc-throughput': () => benchGrpcThroughput(),
  newapp: () => benchNewApp(),
  // npm install of the packed kit (npm registry), then npx canarykit newApp: installed vs clone.
  package: () => benchPackage(),
  'client-reconnect': () => benchClientReconnect(),
  'demo-suite': () => benchDemoSuite(),
  // canarykit promote on the local mesh: start to 100% (good v2) and to rollback (flaky, slow v2).
  promote: () => benchPromote(),
  // The real istiod against src/mesh: start to ready, and the local suite (make offline-images first).
  istiod: () => benchIstiod(),
  // Only when a kind cluster is up (make cluster-up && make deploy PROXYLESS=1); else it says so.
  cluster: () => benchCluster(),
};

const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stdout.write(`running ${name}...\n`);
  const r = await run();
  results.push(...(Array.isArray(r) ? r : [r]));
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(2));
process.stdout.write('\n');
for (const r of results) {
  process.stdout.write(
    `${r.pass ? 'PASS' : 'MISS'}  ${r.name}: ${fmt(r.value)} ${r.unit} vs ${fmt(r.baseline)} ${r.unit} (${r.baselineName})\n` +
      `      ratio ${r.ratio.toFixed(3)}; target ${r.target}\n` +
      (r.details ? `      ${r.details}\n` : ''),
  );
}
if (process.env.BENCH_JSON) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
