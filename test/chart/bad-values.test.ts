// Bad values are refused by helm itself (values.schema.json, or a `fail` in the templates where a
// schema cannot say it), with a message that names the key, before anything reaches a cluster.
import { expect, it } from 'vitest';
import { CHART, helm, helmCheck, valuesArgs } from './helm.ts';
import { describeWithTool } from './tool-gate.ts';

interface BadCase {
  readonly why: string;
  readonly set: Readonly<Record<string, string | number | boolean>>;
  /** What helm's message must contain: the key's path and what is wrong. */
  readonly message: readonly (string | RegExp)[];
}

const cases: readonly BadCase[] = [
  { why: 'a version label value that is not a label value', set: { version: 'V1!' }, message: ["'/version'", 'does not match pattern'] },
  { why: 'an uppercase version (Deployment names are lowercase)', set: { version: 'V2' }, message: ["'/version'"] },
  { why: 'negative replicas', set: { replicaCount: -1 }, message: ["'/replicaCount'", 'minimum'] },
  { why: 'an unknown top-level key (a typo)', set: { replicas: 2 }, message: ["additional properties 'replicas' not allowed"] },
  { why: 'an unknown nested key', set: { 'image.tagg': '1.0.0' }, message: ["'/image'", "additional properties 'tagg' not allowed"] },
  { why: 'an image without a repository', set: { 'image.repository': '' }, message: ["'/image/repository'", 'minLength'] },
  { why: 'an image repository that is not an image name', set: { 'image.repository': 'Greeter Server' }, message: ["'/image/repository'"] },
  { why: 'a port above 65535', set: { 'server.port': 70000 }, message: ["'/server/port'", 'maximum'] },
  { why: 'a Service port of 0', set: { 'service.port': 0 }, message: ["'/service/port'", 'minimum'] },
  { why: 'an unknown kind', set: { kind: 'proxy' }, message: ["'/kind'", "'server', 'client'"] },
  { why: 'a fail rate above 1', set: { 'server.failRate': 1.5 }, message: ["'/server/failRate'"] },
  {
    why: 'a client target that is not dns:/// or xds:///',
    set: { kind: 'client', 'client.target': 'http://greeter-server:20000' },
    message: ["'/client/target'"],
  },
  { why: 'an uppercase header name', set: { kind: 'client', 'client.metadata.User': 'admin' }, message: ["'/client/metadata'", "'User'"] },
  { why: 'a version label key that is not a label key', set: { versionLabel: 'my version' }, message: ["'/versionLabel'"] },
  { why: 'the version label key `app` (the chart sets app)', set: { versionLabel: 'app' }, message: ['versionLabel: "app" is taken'] },
  { why: 'a pod label that would override `app`', set: { 'podLabels.app': 'other' }, message: ['podLabels.app'] },
  { why: 'root as the user', set: { 'securityContext.runAsUser': 0 }, message: ["'/securityContext/runAsUser'", 'minimum'] },
  { why: 'a bad pull policy', set: { 'image.pullPolicy': 'Sometimes' }, message: ["'/image/pullPolicy'"] },
  {
    why: 'a client without its HTTP port but with HTTP probes',
    set: { kind: 'client', 'client.httpPort': 0 },
    message: ['client.httpPort', 'probes.enabled=false'],
  },
  { why: 'a string where a number belongs', set: { 'client.rate': 'fast' }, message: ["'/client/rate'"] },
];

describeWithTool(helmCheck, 'charts/greeter refuses bad values', () => {
  it.each(cases)('refuses $why', async ({ set, message }) => {
    const result = await helm(['template', 'bad', CHART, ...valuesArgs({ set })]);
    expect(result.exitCode, `helm accepted ${JSON.stringify(set)}`).not.toBe(0);
    for (const part of message) expect(result.stderr).toEqual(expect.stringContaining(part as string));
  });

  it('lint --strict reports the schema error too', async () => {
    const result = await helm(['lint', '--strict', CHART, '--set', 'replicaCount=-1']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('/replicaCount');
  });

  it('accepts the good values next to each bad one (the refusals are not blanket)', async () => {
    const goods: Record<string, string | number | boolean>[] = [
      { version: 'v2' },
      { replicaCount: 0 },
      { 'server.port': 65535 },
      { versionLabel: 'dubbogoAppVersion' },
      { kind: 'client', 'client.metadata.x-dark-launch': 'v2' },
      { kind: 'client', 'client.httpPort': 0, 'probes.enabled': 'false' },
    ];
    for (const set of goods) {
      const result = await helm(['template', 'good', CHART, ...valuesArgs({ set })]);
      expect(result.exitCode, `${JSON.stringify(set)}: ${result.stderr}`).toBe(0);
    }
  });
});
