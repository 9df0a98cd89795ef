// Which scenarios proxyless gRPC can run on the cluster, and why not the others. Proxyless clients
// (@grpc/grpc-js-xds, fed by istiod through pilot-agent's grpc-agent template) route for
// themselves; what only an Envoy can do is named here. Where the Istio images have no Envoy at all
// (the offline images), a scenario that needs one cannot run on this machine, and the e2e says so.
import type { Scenario } from '../scenarios/load.ts';
import type { ClusterImages } from './images.ts';

/** The features of a scenario that need Envoy (a sidecar or the ingress gateway), in words. */
export function envoyOnlyFeatures(scenario: Pick<Scenario, 'limitations'>): string[] {
  return scenario.limitations['kind-proxyless'].map((l) => l.feature);
}

/**
 * Undefined when the scenario runs with proxyless clients; else why not: a sentence that says
 * whether Envoy is missing from this machine or only from this run.
 */
export function proxylessSkipReason(scenario: Pick<Scenario, 'limitations'>, images: ClusterImages): string | undefined {
  const features = envoyOnlyFeatures(scenario);
  if (features.length === 0) return undefined;
  if (!images.envoy)
    return `needs Envoy: not run on this machine (${features.join('; ')}; the Istio images here are built offline, without Envoy, which no registry here provides)`;
  return `needs the Envoy sidecar (${features.join('; ')}): run it without PROXYLESS=1`;
}
