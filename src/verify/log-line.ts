/**
 * Parse the greeter client's and server's log lines (formats in docs/contracts.md).
 *
 * Tolerant by design: a line is recognised by its marker (`call server response =`,
 * `call server error =`, `handled SayHello`) wherever it appears, so prefixes such as kubectl's
 * `[pod/greeter-client-x/app] ` or Dubbo-go's `INFO cmd/app.go:29 ` do not matter; JSON lines may
 * carry a prefix too. Anything else gives null.
 */
import { GRPC_CODE_NAMES } from '../scenarios/expect.ts';

/** `seq`: the call's number in the client's issue order (canarykit clients log it). */
export type ClientLogEvent =
  | { kind: 'response'; name: string; version: string; latencyMs?: number; seq?: number }
  | { kind: 'error'; code: number; status: string; details?: string; latencyMs?: number; seq?: number };

export interface ServerLogEvent {
  /** The id the server answered with (its version, e.g. `v2.0.0`). */
  id: string;
  name?: string;
  /** The caller's request headers the server logged (`headers:"user=admin,x-dark-launch=v2"`). */
  headers?: Record<string, string>;
}

const RESPONSE_MARK = 'call server response =';
const ERROR_MARK = 'call server error =';
const SERVER_MARK = 'handled SayHello';

/** `key:"quoted"` and `key:123` pairs of the text format (and of Go's %+v of a message). */
function textFields(s: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const m of s.matchAll(/([A-Za-z_][\w.-]*):(?:"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?))/g)) {
    const key = m[1]!;
    if (key in out) continue;
    out[key] = m[2] !== undefined ? unescapeJson(m[2]) : Number(m[3]);
  }
  return out;
}

function unescapeJson(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}

function jsonObject(line: string): Record<string, unknown> | null {
  const start = line.indexOf('{');
  if (start < 0) return null;
  try {
    const v = JSON.parse(line.slice(start)) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `Unavailable` / `DeadlineExceeded` (grpc-go's names) → `UNAVAILABLE` / `DEADLINE_EXCEEDED`. */
function codeNameFromCamel(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

function codeNumber(status: string): number {
  const i = (GRPC_CODE_NAMES as readonly string[]).indexOf(status);
  return i >= 0 ? i : 2; // UNKNOWN
}

function codeName(code: number): string {
  return GRPC_CODE_NAMES[code] ?? 'UNKNOWN';
}

function latency(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function withLatency<T extends object>(event: T, ms: number | undefined, seq?: unknown): T & { latencyMs?: number; seq?: number } {
  const withMs = ms === undefined ? event : { ...event, latencyMs: ms };
  return typeof seq === 'number' && Number.isInteger(seq) && seq > 0 ? { ...withMs, seq } : withMs;
}

/** One client log line → a response (with the server's version id), an error (with its code), or null. */
export function parseClientLine(line: string): ClientLogEvent | null {
  const r = line.indexOf(RESPONSE_MARK);
  if (r >= 0) {
    const f = textFields(line.slice(r + RESPONSE_MARK.length));
    if (typeof f['id'] !== 'string') return null;
    return withLatency<ClientLogEvent>({ kind: 'response', name: String(f['name'] ?? ''), version: f['id'] }, latency(f['latency_ms']), f['seq']);
  }
  const e = line.indexOf(ERROR_MARK);
  if (e >= 0) {
    const rest = line.slice(e + ERROR_MARK.length);
    const f = textFields(rest);
    let code: number | undefined = typeof f['code'] === 'number' ? f['code'] : undefined;
    let status = typeof f['status'] === 'string' ? f['status'] : undefined;
    if (code === undefined && status === undefined) {
      // grpc-go / Dubbo-go: `rpc error: code = Unavailable desc = ...`
      const go = /code = ([A-Za-z]+)/.exec(rest);
      if (!go) return null;
      status = codeNameFromCamel(go[1]!);
    }
    status ??= codeName(code!);
    code ??= codeNumber(status);
    const details = typeof f['details'] === 'string' ? f['details'] : undefined;
    const event: ClientLogEvent = details === undefined ? { kind: 'error', code, status } : { kind: 'error', code, status, details };
    return withLatency(event, latency(f['latency_ms']), f['seq']);
  }
  if (!line.includes('call server')) return null;
  const j = jsonObject(line);
  if (!j) return null;
  if (j['msg'] === 'call server response' && typeof j['id'] === 'string') {
    return withLatency<ClientLogEvent>({ kind: 'response', name: String(j['name'] ?? ''), version: j['id'] }, latency(j['latencyMs']), j['seq']);
  }
  if (j['msg'] === 'call server error') {
    const code = typeof j['code'] === 'number' ? j['code'] : typeof j['status'] === 'string' ? codeNumber(j['status']) : 2;
    const status = typeof j['status'] === 'string' ? j['status'] : codeName(code);
    const event: ClientLogEvent = typeof j['details'] === 'string' ? { kind: 'error', code, status, details: j['details'] } : { kind: 'error', code, status };
    return withLatency(event, latency(j['latencyMs']), j['seq']);
  }
  return null;
}

/** One server log line → the request it handled, or null. */
export function parseServerLine(line: string): ServerLogEvent | null {
  const i = line.indexOf(SERVER_MARK);
  if (i < 0) return null;
  const j = line.includes('"msg"') ? jsonObject(line) : null;
  const f: Record<string, unknown> = j ?? textFields(line.slice(i + SERVER_MARK.length));
  if (typeof f['id'] !== 'string') return null;
  const event: ServerLogEvent = { id: f['id'] };
  if (typeof f['name'] === 'string') event.name = f['name'];
  if (typeof f['headers'] === 'string') {
    event.headers = Object.fromEntries(
      f['headers']
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const eq = pair.indexOf('=');
          return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
        }),
    );
  }
  return event;
}

/** How many requests a server's log shows (optionally only those answered with `id`). */
export function countServerRequests(lines: Iterable<string>, id?: string): number {
  let n = 0;
  for (const line of lines) {
    const e = parseServerLine(line);
    if (e && (id === undefined || e.id === id)) n++;
  }
  return n;
}
