// The real istiod as the local mesh's control plane (src/istiod), against canarykit's own (src/mesh),
// both measured in the same run:
// - start to ready: etcd + kube-apiserver (CRDs applied) + istiod serving xDS, against src/mesh's
//   ADS server bound and serving;
// - the local suite (every local scenario to its verdict, as `make demo` runs it) with istiod,
//   against the same suite with src/mesh.
// Needs the programs of `make offline-images`; without them it says so and reports nothing.
import { runDemo } from '../src/demo/run-demo.ts';
import { IstiodControlPlane, istiodPrograms } from '../src/istiod/istiod-plane.ts';
import { MeshControlPlane } from '../src/mesh/control-plane.ts';
import type { BenchResult } from './types.ts';

export async function benchIstiod(): Promise<BenchResult[]> {
  try {
    istiodPrograms();
  } catch (error) {
    process.stdout.write(`istiod: not measured: ${(error as Error).message.split('\n')[0]} (run make offline-images)\n`);
    return [];
  }
  let t = performance.now();
  const mesh = await MeshControlPlane.start();
  const meshMs = performance.now() - t;
  await mesh.stop();
  t = performance.now();
  const istiod = await IstiodControlPlane.start();
  const istiodMs = performance.now() - t;
  const { apiserverMs, istiodMs: pilotMs } = istiod.timings;
  await istiod.stop();

  const own = await runDemo();
  const real = await runDemo({ controlPlane: 'istiod' });
  return [
    {
      name: 'istiod on loopback: start to ready (etcd, kube-apiserver with Istio CRDs, istiod)',
      unit: 'ms',
      value: istiodMs,
      baseline: meshMs,
      baselineName: 'src/mesh control plane start',
      ratio: istiodMs / meshMs,
      target: 'reported (istiod needs a kube-apiserver; src/mesh is in-process)',
      pass: true,
      details: `etcd + kube-apiserver ${(apiserverMs / 1000).toFixed(1)} s, istiod ${(pilotMs / 1000).toFixed(1)} s`,
    },
    {
      name: `local suite with istiod: ${real.scenarios.length} scenarios to verdicts (${real.passed ? 'all passed' : 'SOME FAILED'})`,
      unit: 's',
      value: real.totalMs / 1000,
      baseline: own.totalMs / 1000,
      baselineName: `the same suite with src/mesh (${own.passed ? 'all passed' : 'SOME FAILED'})`,
      ratio: real.totalMs / own.totalMs,
      target: 'reported; every scenario passes with both',
      pass: real.passed && own.passed,
      details: `setup ${(real.setupMs / 1000).toFixed(1)} s with istiod, ${(own.setupMs / 1000).toFixed(1)} s with src/mesh; with istiod each scenario starts fresh clients (grpc/grpc-node#3074, docs/mesh.md)`,
    },
  ];
}
