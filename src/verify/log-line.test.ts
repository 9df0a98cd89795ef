import { describe, expect, it } from 'vitest';
import { countServerRequests, parseClientLine, parseServerLine } from './log-line.ts';
import { tallyLines } from './tally.ts';

describe('client log lines', () => {
  it('reads the text response line, with and without latency', () => {
    expect(parseClientLine('2026-11-22T01:40:44.353Z INFO call server response = name:"Hello laurence" id:"v2.0.0" latency_ms:3')).toEqual({
      kind: 'response',
      name: 'Hello laurence',
      version: 'v2.0.0',
      latencyMs: 3,
    });
    // the Dubbo-go seed's own line, with its caller prefix and no latency
    expect(parseClientLine('2022-04-07T05:06:40.384Z INFO cmd/app.go:29 call server response = name:"Hello laurence" id:"v1.0.0"')).toEqual({
      kind: 'response',
      name: 'Hello laurence',
      version: 'v1.0.0',
    });
  });

  it("ignores kubectl's [pod/...] prefix", () => {
    const e = parseClientLine('[pod/greeter-client-7d9f/app] 2026-11-22T01:40:44.353Z INFO call server response = name:"Hello x" id:"v1.0.0" latency_ms:12');
    expect(e).toMatchObject({ kind: 'response', version: 'v1.0.0', latencyMs: 12 });
  });

  it('reads the text error line', () => {
    expect(
      parseClientLine('2026-11-22T01:40:45.354Z ERROR call server error = code:14 status:"UNAVAILABLE" details:"No connection established" latency_ms:1'),
    ).toEqual({ kind: 'error', code: 14, status: 'UNAVAILABLE', details: 'No connection established', latencyMs: 1 });
  });

  it("reads grpc-go's error text (code = DeadlineExceeded)", () => {
    expect(parseClientLine('ERROR cmd/app.go:31 call server error = rpc error: code = DeadlineExceeded desc = context deadline exceeded')).toEqual({
      kind: 'error',
      code: 4,
      status: 'DEADLINE_EXCEEDED',
    });
  });

  it('reads JSON lines, with a prefix too', () => {
    expect(
      parseClientLine('{"time":"2026-11-22T01:40:44.353Z","level":"info","msg":"call server response","name":"Hello laurence","id":"v2.0.0","latencyMs":3}'),
    ).toEqual({ kind: 'response', name: 'Hello laurence', version: 'v2.0.0', latencyMs: 3 });
    expect(
      parseClientLine(
        '[pod/c/app] {"time":"t","level":"error","msg":"call server error","code":4,"status":"DEADLINE_EXCEEDED","details":"d","latencyMs":1000}',
      ),
    ).toEqual({ kind: 'error', code: 4, status: 'DEADLINE_EXCEEDED', details: 'd', latencyMs: 1000 });
  });

  it('gives null for anything else', () => {
    for (const line of [
      '',
      '2026-11-22T01:40:40.000Z INFO greeter client started target:"xds:///greeter-server:20000"',
      '{"msg":"listening"}',
      '{"msg":"call server response"}', // no id
      'call server response = nothing here',
      '{not json call server',
    ]) {
      expect(parseClientLine(line), line).toBeNull();
    }
  });
});

describe('server log lines', () => {
  it('reads handled SayHello lines and counts them by id', () => {
    const lines = [
      '2026-11-22T01:40:44.353Z INFO handled SayHello name:"laurence" id:"v2.0.0" headers:"user=admin,x-dark-launch=v2"',
      '[pod/greeter-server-v2-x/app] 2026-11-22T01:40:45.353Z INFO handled SayHello name:"laurence" id:"v2.0.0"',
      '{"time":"t","level":"info","msg":"handled SayHello","name":"laurence","id":"v2.0.0"}',
      '2026-11-22T01:40:40.000Z INFO greeter server listening address:"0.0.0.0:20000" version:"v2.0.0"',
      '2026-11-22T01:40:46.353Z INFO handled SayHello name:"laurence" id:"v1.0.0"',
    ];
    expect(parseServerLine(lines[0]!)).toEqual({ id: 'v2.0.0', name: 'laurence', headers: { user: 'admin', 'x-dark-launch': 'v2' } });
    expect(countServerRequests(lines, 'v2.0.0')).toBe(3);
    expect(countServerRequests(lines)).toBe(4);
  });
});

describe('tally', () => {
  it('counts per version and per error code, mapping ids to versions', () => {
    const t = tallyLines(
      [
        'INFO call server response = name:"a" id:"v1.0.0" latency_ms:1',
        'INFO call server response = name:"a" id:"v2.0.0" latency_ms:2',
        'INFO call server response = name:"a" id:"v2.0.0"',
        'ERROR call server error = code:14 status:"UNAVAILABLE" details:"x" latency_ms:0',
        'INFO something else',
        'INFO call server response = name:"a" id:"canary-build-7"',
      ],
      [{ version: 'v1' }, { version: 'v2' }],
    );
    expect(Object.fromEntries(t.byOutcome)).toEqual({ v1: 1, v2: 2, UNAVAILABLE: 1, 'canary-build-7': 1 });
    expect(t.total).toBe(5);
    expect(t.errors).toBe(1);
    expect(t.latenciesMs).toEqual([1, 2, 0]);
    expect([...t.unknownIds]).toEqual(['canary-build-7']);
  });

  it('uses a server id given in the expectation', () => {
    const t = tallyLines(['call server response = name:"a" id:"2.0.0-rc1"'], [{ version: 'v2', id: '2.0.0-rc1' }]);
    expect(Object.fromEntries(t.byOutcome)).toEqual({ v2: 1 });
  });
});
