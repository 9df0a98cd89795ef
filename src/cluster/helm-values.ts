// Helm values for each release of charts/greeter on the cluster: the servers (one release per
// version) and the clients (one release per identity). Keys follow charts/greeter/values.yaml;
// a test checks every generated file against the chart's values.schema.json.
import type { DriverClient, DriverServer } from '../driver/driver.ts';
import { serviceFqdn, type ClusterSettings, type ServerRelease } from './settings.ts';

/** Label on client pods naming their identity (set through the chart's podLabels). */
export const IDENTITY_LABEL = 'identity';
/** The chart names the app container after `kind`. */
export const SERVER_CONTAINER = 'server';
export const CLIENT_CONTAINER = 'client';
/** Client Deployments are all version v1 of the client image. */
export const CLIENT_VERSION = 'v1';

export const clientRelease = (identity: string): string => `greeter-client-${identity}`;
/** The chart's `app` for a client: one per identity, so each identity has its own Deployment. */
export const clientApp = (identity: string): string => `greeter-client-${identity}`;
/** Deployment name the chart renders: <app>-<version>. */
export const clientDeployment = (identity: string): string => `${clientApp(identity)}-${CLIENT_VERSION}`;

export function clientSelector(identity: string): string {
  return `app=${clientApp(identity)},${IDENTITY_LABEL}=${identity}`;
}

export function serverSelector(version: string): string {
  return `app=greeter-server,version=${version}`;
}

function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

export function serverValues(settings: ClusterSettings, server: ServerRelease, behaviour: DriverServer = { version: server.version }): Record<string, unknown> {
  return {
    kind: 'server',
    version: server.version,
    replicaCount: behaviour.replicas ?? 1,
    image: { ...splitImage(server.image), pullPolicy: 'IfNotPresent' },
    server: {
      port: settings.serverPort,
      version: behaviour.id ?? server.appVersion,
      failRate: behaviour.failRate ?? 0,
      delayMs: behaviour.delayMs ?? 0,
    },
    service: { create: server.createService },
    // Proxyless: the servers are plain gRPC servers (no xDS server API, no mTLS from the mesh), so
    // they get no agent; the clients' xDS gives them the server pods as endpoints all the same.
    proxyless: { enabled: false },
    ...(settings.meshMode === 'proxyless' ? { podAnnotations: { 'sidecar.istio.io/inject': 'false' } } : {}),
  };
}

/** Where a client calls: the Service through its sidecar, istiod's xDS (proxyless), or the ingress gateway. */
export function clientTarget(settings: ClusterSettings, client: DriverClient): string {
  if (client.via === 'ingress') return `dns:///istio-ingressgateway.${settings.istioNamespace}.svc.cluster.local:80`;
  if (settings.meshMode === 'proxyless') return `xds:///${serviceFqdn(settings)}:${settings.serverPort}`;
  return `dns:///greeter-server:${settings.serverPort}`;
}

export function clientValues(settings: ClusterSettings, client: DriverClient): Record<string, unknown> {
  const ingress = client.via === 'ingress';
  const clientSettings: Record<string, unknown> = {
    target: clientTarget(settings, client),
    rate: client.rate ?? settings.clientRate,
    concurrency: client.concurrency ?? 1,
    metadata: { ...client.headers },
  };
  if (client.deadlineMs !== undefined) clientSettings.deadlineMs = client.deadlineMs;
  return {
    kind: 'client',
    app: clientApp(client.identity),
    version: CLIENT_VERSION,
    image: { ...splitImage(settings.clientImage), pullPolicy: 'IfNotPresent' },
    client: clientSettings,
    podLabels: { [IDENTITY_LABEL]: client.identity },
    // The ingress client stands for a caller outside the mesh: no sidecar, so its calls reach the
    // gateway as they would from the internet, and only the gateway's routes apply to them.
    podAnnotations: ingress ? { 'sidecar.istio.io/inject': 'false' } : {},
    proxyless: { enabled: settings.meshMode === 'proxyless' && !ingress },
  };
}
