import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.ts';
import { inspectScenario, listScenarios, loadScenario } from './load.ts';
import { re2Problem } from './istio.ts';
import { routingFor } from './shares.ts';

const here = import.meta.dirname;
const testdata = (name: string) => join(here, 'testdata', name);
const repoScenarios = join(here, '..', '..', 'scenarios');

describe('the shipped scenarios', () => {
  const all = listScenarios(repoScenarios);

  it('all load without a problem, and the required ones are there', () => {
    const names = all.map((s) => s.name);
    for (const required of [
      'no-rules',
      'all-v1',
      'header-user-admin',
      'dark-launch',
      'weighted-90-10',
      'weighted-70-30',
      'cutover-0-100',
      'fault-abort',
      'fault-delay',
      'timeout',
      'retries',
      'circuit-breaker',
      'mirror-v2',
      'ingress-weighted-70-30',
      'replicas-canary',
    ]) {
      expect(names).toContain(required);
    }
  });

  it('cluster-only scenarios say so', () => {
    for (const name of ['mirror-v2', 'ingress-weighted-70-30', 'replicas-canary']) {
      expect(all.find((s) => s.name === name)!.modes).toEqual(['cluster']);
    }
  });

  it('typed resources and identities come out of a scenario', () => {
    const s = loadScenario(join(repoScenarios, 'header-user-admin'));
    expect(s.resources.virtualServices).toHaveLength(1);
    expect(s.resources.destinationRules[0]!.spec!.subsets!.map((x) => x.name)).toEqual(['v1', 'v2']);
    expect(s.clients.map((c) => [c.identity, c.headers])).toEqual([
      ['default', {}],
      ['admin', { user: 'admin' }],
    ]);
    expect(s.manifests.map((m) => `${m.kind}/${m.name}`)).toEqual(['DestinationRule/greeter-server', 'VirtualService/greeter-server']);
    expect(s.routing.routeTables[0]!.rules[0]!.matches[0]!.headers).toEqual({ user: { exact: 'admin' } });
    expect(s.files.map((f) => f.split('/').pop())).toEqual(['destination-rule.yaml', 'virtual-service.yaml']);
    expect(s.expect.clients[0]!.deadlineMs).toBe(5000); // default filled in
  });

  it('the routing computed from the rules is what the expectations say', () => {
    const s = loadScenario(join(repoScenarios, 'fault-abort'));
    const r = routingFor(s.routing, s.servers, s.clients[0]!);
    expect(r.kind).toBe('shares');
    if (r.kind === 'shares') expect(Object.fromEntries(r.shares)).toEqual({ UNAVAILABLE: 0.5, v1: 0.5 });
    const noRules = loadScenario(join(repoScenarios, 'replicas-canary'));
    const r2 = routingFor(noRules.routing, noRules.servers, noRules.clients[0]!);
    if (r2.kind !== 'shares') throw new Error('expected shares');
    expect(Object.fromEntries(r2.shares)).toEqual({ v1: 0.75, v2: 0.25 });
  });
});

describe('bad scenarios are refused with file, field and reason', () => {
  it('the fixtures base is valid (so each bad-* fixture differs by its one defect)', () => {
    expect(inspectScenario(testdata('good-weighted')).errors).toEqual([]);
  });

  const cases: Array<{ dir: string; file: string; field: string; reason: RegExp }> = [
    { dir: 'bad-weights-sum', file: 'virtual-service.yaml', field: 'spec.http[0].route', reason: /weights sum to 95, they must sum to 100/ },
    { dir: 'bad-negative-weight', file: 'virtual-service.yaml', field: 'spec.http[0].route[1].weight', reason: /weight -10 is negative/ },
    { dir: 'bad-missing-subset', file: 'virtual-service.yaml', field: 'spec.http[0].route[1].destination.subset', reason: /subset v3 is not defined/ },
    { dir: 'bad-no-destination-rule', file: 'virtual-service.yaml', field: 'spec.http[0].route[0].destination.subset', reason: /no DestinationRule/ },
    { dir: 'bad-subset-label', file: 'destination-rule.yaml', field: 'spec.subsets[1].labels.version', reason: /version=v3 selects no pod/ },
    { dir: 'bad-subset-label-key', file: 'destination-rule.yaml', field: 'spec.subsets[1].labels.dubbogoAppVersion', reason: /not one the chart puts on pods/ },
    {
      dir: 'bad-regex-lookahead',
      file: 'virtual-service.yaml',
      field: 'spec.http[0].match[0].headers.user.regex',
      reason: /RE2 refuses it: invalid perl operator: \(\?!/,
    },
    // Valid JavaScript, refused by RE2 (and by re2-wasm in every client, which would exit).
    {
      dir: 'bad-regex-repetition',
      file: 'virtual-service.yaml',
      field: 'spec.http[0].match[0].headers.user.regex',
      reason: /"admin\|a\{1001\}": RE2 refuses it: invalid repetition size: \{1001\}/,
    },
    { dir: 'bad-duplicate-host', file: 'virtual-service.yaml', field: 'spec.hosts[0]', reason: /already has a VirtualService in .*virtual-service-2\.yaml/ },
    { dir: 'bad-yaml', file: 'virtual-service.yaml', field: 'line 7, column 3', reason: /malformed YAML/ },
    { dir: 'bad-expect-weights', file: 'expect/expect.yaml', field: 'clients[0].expect.v1', reason: /expects 90% .* give 70%/ },
    {
      dir: 'bad-expect-header',
      file: 'expect/expect.yaml',
      field: 'clients[1].expect.v2',
      reason: /expects 100% of admin's calls on v2, but the rules .*spec\.http\[0\]\) give 0%/,
    },
    { dir: 'bad-schema', file: 'virtual-service.yaml', field: 'spec.http[0].route[0].destination', reason: /required field host is missing/ },
    { dir: 'bad-expect-schema', file: 'expect/expect.yaml', field: 'clients[0].expect.v3', reason: /unknown outcome v3/ },
    { dir: 'bad-expect-toplevel', file: 'expect.yaml', field: '', reason: /kubectl apply -f on the folder/ },
    { dir: 'bad-unknown-field', file: 'virtual-service.yaml', field: 'spec.http[0].route[1].weigth', reason: /unknown field weigth/ },
    { dir: 'bad-grpc-status', file: 'virtual-service.yaml', field: 'spec.http[0].fault.abort.grpcStatus', reason: /14 is not a gRPC status name/ },
    { dir: 'bad-local-mirror', file: 'expect/expect.yaml', field: 'modes', reason: /mirroring, which the local mesh/ },
    { dir: 'bad-timeout-duration', file: 'virtual-service.yaml', field: 'spec.http[0].timeout', reason: /"1 second" is not a duration/ },
  ];

  for (const c of cases) {
    it(c.dir, () => {
      let thrown: unknown;
      try {
        loadScenario(testdata(c.dir));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ScenarioError);
      const all = (thrown as ScenarioError).all;
      const hit = all.find((e) => e.field === c.field && e.file.endsWith(`${c.dir}/${c.file}`));
      expect(hit, `${c.dir}: got ${all.map((e) => e.message).join(' | ')}`).toBeDefined();
      expect(hit!.reason).toMatch(c.reason);
      expect(hit!.fix.length).toBeGreaterThan(3);
      expect(hit!.message).toBe(`${hit!.file}: ${c.field ? `${c.field}: ` : ''}${hit!.reason} (${hit!.fix})`);
    });
  }

  it('the message names the file, the field, the reason and the fix', () => {
    try {
      loadScenario(testdata('bad-weights-sum'));
      throw new Error('no error');
    } catch (error) {
      expect((error as Error).message).toMatch(
        /testdata\/bad-weights-sum\/virtual-service\.yaml: spec\.http\[0\]\.route: weights sum to 95, they must sum to 100 \(fix the weights\)$/,
      );
    }
  });
});

describe('messages point at the file at fault, once', () => {
  /** header-user-admin with its virtual-service.yaml rewritten by `edit`. */
  const withVirtualService = (edit: (text: string) => string) => {
    const dir = mkdtempSync(join(tmpdir(), 'canarykit-vs-'));
    cpSync(join(repoScenarios, 'header-user-admin'), dir, { recursive: true });
    const vs = join(dir, 'virtual-service.yaml');
    writeFileSync(vs, edit(readFileSync(vs, 'utf8')));
    return dir;
  };

  it("an empty `http: []` is the VirtualService's problem, not the expectation's", () => {
    const dir = withVirtualService((t) => `${t.slice(0, t.indexOf('  http:'))}  http: []\n`);
    try {
      const errors = inspectScenario(dir).errors;
      expect(errors.map((e) => `${e.file.split('/').pop()} ${e.field}`)).toEqual(['virtual-service.yaml spec.http']);
      expect(errors[0]!.reason).toMatch(/empty list of http rules routes no call/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one YAML syntax error is one message, at its line, counting what followed from it', () => {
    const dir = withVirtualService((t) => t.replace('    - greeter-server', '    - greeter-server\n   bad: [indent'));
    try {
      const errors = inspectScenario(dir).errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]!.field).toBe('line 12, column 1');
      expect(errors[0]!.reason).toMatch(/^malformed YAML: All mapping items must start at the same column \(and 1 more error after it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RE2 check (re2-wasm, the engine of the grpc-js-xds clients)', () => {
  it("accepts what RE2 accepts and refuses what it refuses, with RE2's own message", () => {
    expect(re2Problem('^admin(-[a-z]+)?$')).toBeUndefined();
    expect(re2Problem('(?i)admin')).toBeUndefined();
    expect(re2Problem('(?P<who>admin)')).toBeUndefined();
    expect(re2Problem('\\p{L}+')).toBeUndefined();
    expect(re2Problem('(a)\\1')).toBe('RE2 refuses it: invalid escape sequence: \\1');
    expect(re2Problem('(?<=x)y')).toBe('RE2 refuses it: invalid perl operator: (?<');
    expect(re2Problem('a(b')).toBe('RE2 refuses it: missing ): a(b');
    expect(re2Problem('admin|a{1001}')).toBe('RE2 refuses it: invalid repetition size: {1001}');
    // Invalid as written (what Envoy compiles), though it would compile inside the clients' (?:...).
    expect(re2Problem('a)|(b')).toBe('RE2 refuses it: unexpected ): a)|(b');
  });

  // header-user-admin with its `exact: admin` match replaced by a regex.
  const withRegex = (regex: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'canarykit-re2-'));
    cpSync(join(repoScenarios, 'header-user-admin'), dir, { recursive: true });
    const vs = join(dir, 'virtual-service.yaml');
    writeFileSync(vs, readFileSync(vs, 'utf8').replace('exact: admin', `regex: ${JSON.stringify(regex)}`));
    return dir;
  };

  it('evaluates RE2-only syntax in the expectation check as RE2 does (admin to v2 at 100%)', () => {
    for (const regex of ['(?i)ADMIN', '(?P<who>admin)', '\\p{L}+']) {
      const dir = withRegex(regex);
      try {
        expect(
          inspectScenario(dir).errors.map((e) => e.message),
          regex,
        ).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("refuses a pattern RE2 refuses with file, field, RE2's message and a fix", () => {
    const dir = withRegex('admin|a{1001}');
    try {
      const [e, ...more] = inspectScenario(dir).errors;
      expect(more).toEqual([]);
      expect(e!.file).toMatch(/virtual-service\.yaml$/);
      expect(e!.field).toBe('spec.http[0].match[0].headers.user.regex');
      expect(e!.reason).toContain('invalid repetition size: {1001}');
      expect(e!.fix).toMatch(/RE2 syntax/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
