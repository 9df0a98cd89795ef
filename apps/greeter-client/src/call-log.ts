// The client's one line per call. The text shape is the Dubbo-go seed's
// (`call server response = name:"Hello laurence" id:"v2.0.0"`), so tutorials' greps keep working;
// canarykit's verifier (src/verify/log-line.ts in the kit) parses both shapes.
import * as grpc from '@grpc/grpc-js';
import { formatLine, type LogFormat } from './logger.ts';

// `seq` numbers the calls in the order they were issued: a reader can take every call of a range
// of seq, complete, instead of the calls that happened to finish first (fast outcomes would be
// over-counted while slow calls are still in flight).
export function responseLine(format: LogFormat, name: string, id: string, latencyMs: number, seq: number, now?: Date): string {
  const latency = Math.round(latencyMs * 10) / 10;
  return format === 'json'
    ? formatLine('json', 'info', 'call server response', { name, id, latencyMs: latency, seq }, now)
    : formatLine('text', 'info', 'call server response =', { name, id, latency_ms: latency, seq }, now);
}

export function errorLine(format: LogFormat, code: grpc.status, details: string, latencyMs: number, seq: number, now?: Date): string {
  const latency = Math.round(latencyMs * 10) / 10;
  const status = grpc.status[code] ?? 'UNKNOWN';
  return format === 'json'
    ? formatLine('json', 'error', 'call server error', { code, status, details, latencyMs: latency, seq }, now)
    : formatLine('text', 'error', 'call server error =', { code, status, details, latency_ms: latency, seq }, now);
}
