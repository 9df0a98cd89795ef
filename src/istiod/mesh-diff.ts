/**
 * `canarykit mesh diff`: for each scenario, the same Istio YAML and the same endpoints given to
 * src/mesh and to a real istiod (etcd + kube-apiserver + istiod on loopback, src/istiod), what each
 * sends one proxyless gRPC client fetched the way the client fetches it, and the differences
 * (src/istiod/xds-diff.ts). No server or client process runs: endpoints are addresses only.
 */
import { MeshControlPlane } from '../mesh/control-plane.ts';
import type { MeshConfig, MeshEndpoint } from '../mesh/translate.ts';
import { SERVICE_HOST, SERVICE_PORT } from '../scenarios/model.ts';
import type { Scenario } from '../scenarios/load.ts';
import { IstiodControlPlane, NAMESPACE } from './istiod-plane.ts';
import { diffXds, loadAllowList, normaliseNames, normaliseSemantics, type AllowEntry, type XdsDifference } from './xds-diff.ts';
import { fetchXds } from './xds-fetch.ts';

/** The scenario's routing with one endpoint per server replica (ports are labels here: nothing listens). */
export function meshConfigOf(scenario: Scenario): MeshConfig {
  let port = 41_000;
  const endpoints: MeshEndpoint[] = scenario.expect.servers.flatMap((server) =>
    Array.from({ length: server.replicas ?? 1 }, () => ({
      host: SERVICE_HOST,
      port: SERVICE_PORT,
      address: '127.0.0.1',
      endpointPort: ++port,
      labels: { app: SERVICE_HOST, version: server.version },
    })),
  );
  return { virtualServices: scenario.resources.virtualServices, destinationRules: scenario.resources.destinationRules, endpoints };
}

export interface ScenarioDiff {
  scenario: string;
  differences: XdsDifference[];
}

export interface MeshDiffOptions {
  log?: (line: string) => void;
  allow?: readonly AllowEntry[];
}

/**
 * Starts istiod and src/mesh once, then diffs each scenario in turn. Scenarios with a Gateway
 * (the local mesh has none) are the caller's to leave out. Stops both planes at the end, also on
 * failure.
 */
export async function diffScenarios(scenarios: readonly Scenario[], opts: MeshDiffOptions = {}): Promise<ScenarioDiff[]> {
  const log = opts.log ?? (() => {});
  const allow = opts.allow ?? loadAllowList();
  const listener = `${SERVICE_HOST}:${SERVICE_PORT}`;
  const mesh = await MeshControlPlane.start();
  let istiod: IstiodControlPlane | undefined;
  try {
    const started = Date.now();
    istiod = await IstiodControlPlane.start({ log });
    log(`istiod ready on ${istiod.address} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const results: ScenarioDiff[] = [];
    for (const [i, scenario] of scenarios.entries()) {
      const config = meshConfigOf(scenario);
      mesh.apply(config);
      await istiod.apply(config);
      // A fresh node per scenario: istiod's readiness check then waits for this client's own push.
      const probe = `mesh-diff-${i}`;
      const plane = istiod;
      const [fromIstiod, fromMesh] = await Promise.all([
        fetchXds(plane.address, (plane.bootstrap(probe) as { node: object }).node, listener, {
          timeoutMs: 60_000,
          settled: () => plane.waitForSync({ nodeIds: [probe], timeoutMs: 45_000 }),
        }),
        fetchXds(mesh.address, (mesh.bootstrap(probe) as { node: object }).node, listener),
      ]);
      const differences = diffXds(
        normaliseSemantics(normaliseNames(fromIstiod, SERVICE_HOST, NAMESPACE), listener),
        normaliseSemantics(fromMesh, listener),
        allow,
      );
      results.push({ scenario: scenario.name, differences });
    }
    return results;
  } finally {
    await istiod?.stop();
    await mesh.stop();
  }
}

/** Allow-list entries that no difference used: stale once src/mesh or istiod changed. */
export function unusedEntries(results: readonly ScenarioDiff[], allow: readonly AllowEntry[]): AllowEntry[] {
  const used = new Set(results.flatMap((r) => r.differences.map((d) => d.allowedBy)));
  return allow.filter((e) => !used.has(e));
}
