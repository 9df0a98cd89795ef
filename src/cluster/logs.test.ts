import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../scenarios/load.ts';
import { verifyLogs } from '../verify/check.ts';
import { filterSince, linesSince, parseKubectlLogs, parseRfc3339, sinceTimeArg } from './logs.ts';
import { REPO_ROOT } from './settings.ts';

const recorded = join(import.meta.dirname, 'testdata/kubectl-logs');
const read = (fixture: string, file: string) => readFileSync(join(recorded, fixture, file), 'utf8');
// The instant routing took effect in every fixture (see testdata/kubectl-logs/generate.ts).
const SINCE = new Date('2026-11-22T01:40:44.500Z');

describe('kubectl logs --prefix --timestamps', () => {
  it('splits pod, container, runtime time and app text', () => {
    const { lines, unparsed } = parseKubectlLogs(
      '[pod/greeter-client-admin-v1-84b9d6c5f7-m3n4p/client] 2026-11-22T01:40:44.015568670Z 2026-11-22T01:40:44.015Z INFO call server response = name:"Hello laurence" id:"v2.0.0" latency_ms:1\n' +
        'error: a container name must be specified for pod x, choose one of: [client istio-proxy]\n',
    );
    expect(lines).toEqual([
      {
        pod: 'greeter-client-admin-v1-84b9d6c5f7-m3n4p',
        container: 'client',
        time: new Date('2026-11-22T01:40:44.015Z'),
        text: '2026-11-22T01:40:44.015Z INFO call server response = name:"Hello laurence" id:"v2.0.0" latency_ms:1',
      },
    ]);
    expect(unparsed).toEqual(['error: a container name must be specified for pod x, choose one of: [client istio-proxy]']);
  });

  it('reads RFC 3339 times with nanoseconds and offsets', () => {
    expect(parseRfc3339('2026-11-22T01:40:44.123456789Z').toISOString()).toBe('2026-11-22T01:40:44.123Z');
    expect(parseRfc3339('2026-11-22T02:40:44.5+01:00').toISOString()).toBe('2026-11-22T01:40:44.500Z');
    expect(parseRfc3339('2026-11-22T01:40:44Z').toISOString()).toBe('2026-11-22T01:40:44.000Z');
    expect(() => parseRfc3339('yesterday')).toThrow(/RFC 3339/);
  });

  it('asks kubectl for the second the routing took effect in, and drops the lines before the instant', () => {
    expect(sinceTimeArg(SINCE)).toBe('2026-11-22T01:40:44Z');
    const all = parseKubectlLogs(read('weighted-90-10', 'client-default.log')).lines;
    const kept = filterSince(all, SINCE);
    expect(all.length - kept.length).toBe(10);
    expect(kept.every((l) => l.time >= SINCE)).toBe(true);
    expect(kept.map((l) => l.time.getTime())).toEqual([...kept.map((l) => l.time.getTime())].sort((a, b) => a - b));
  });

  it('keeps the pods apart when a selector matches several (three v1 replicas)', () => {
    const pods = new Set(parseKubectlLogs(read('replicas-canary', 'server-v1.log')).lines.map((l) => l.pod));
    expect([...pods].sort()).toEqual(['greeter-server-v1-5b8f9c6d4f-abcde', 'greeter-server-v1-5b8f9c6d4f-klmno', 'greeter-server-v1-5b8f9c6d4f-pqrst']);
  });
});

// Verification of recorded kubectl output with the same code and expectations as the local driver.
const scenariosDir = join(REPO_ROOT, 'scenarios');
describe.runIf(existsSync(join(scenariosDir, 'weighted-90-10')))('recorded cluster logs verified with src/verify', () => {
  const verify = (scenario: string, fixture: string, files: { clients: Record<string, string>; servers?: Record<string, string> }, since = SINCE) => {
    const { expect: expectation } = loadScenario(join(scenariosDir, scenario));
    const clients = Object.fromEntries(Object.entries(files.clients).map(([id, f]) => [id, linesSince(read(fixture, f), since)]));
    const servers = files.servers && Object.fromEntries(Object.entries(files.servers).map(([v, f]) => [v, linesSince(read(fixture, f), since)]));
    return verifyLogs(expectation, { clients, ...(servers ? { servers } : {}) }, 'cluster');
  };

  it('weighted-90-10 passes', () => {
    const result = verify('weighted-90-10', 'weighted-90-10', { clients: { default: 'client-default.log' } });
    expect(result.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    expect(result.totals.default).toBe(500);
  });

  it('header-user-admin passes once the lines from before the apply are dropped, and fails if they are kept', () => {
    const files = { clients: { default: 'client-default.log', admin: 'client-admin.log' } };
    expect(verify('header-user-admin', 'header-user-admin', files).passed).toBe(true);
    const withOldRouting = verify('header-user-admin', 'header-user-admin', files, new Date(0));
    expect(withOldRouting.passed).toBe(false);
  });

  it('a misrouted admin call fails the deterministic check', () => {
    const result = verify('header-user-admin', 'header-user-admin-misrouted', { clients: { default: 'client-default.log', admin: 'client-admin.log' } });
    expect(result.passed).toBe(false);
    const failed = result.checks.filter((c) => c.verdict === 'fail');
    expect(failed.every((c) => c.identity === 'admin')).toBe(true);
    expect(failed.some((c) => c.x === 197 || c.outcome === 'other outcomes')).toBe(true);
  });

  it('mirror-v2 counts the copies in the v2 server log while the client saw only v1', () => {
    const files = { clients: { default: 'client-default.log' }, servers: { v1: 'server-v1.log', v2: 'server-v2.log' } };
    const result = verify('mirror-v2', 'mirror-v2', files);
    expect(result.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    expect(result.checks.some((c) => c.outcome.includes('mirror'))).toBe(true);
    const withoutServers = verify('mirror-v2', 'mirror-v2', { clients: files.clients });
    expect(withoutServers.passed).toBe(false);
  });

  it('replicas-canary passes with three v1 pods and one v2 pod', () => {
    const result = verify('replicas-canary', 'replicas-canary', { clients: { default: 'client-default.log' } });
    expect(result.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
  });
});
