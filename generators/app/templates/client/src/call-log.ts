// The client's one line per call. The text shape is the Dubbo-go seed's
// (`call server response = name:"Hello laurence" id:"v2.0.0"`), so tutorials' greps keep working;
// canarykit's verifier (src/verify/log-line.ts in the kit) parses both shapes.
import * as grpc from '@grpc/grpc-js';
import { formatLine, type LogFormat } from './logger.ts';

export function responseLine(format: LogFormat, name: string, id: string, latencyMs: number, now?: Date): string {
  const latency = Math.round(latencyMs * 10) / 10;
  return format === 'json'
    ? formatLine('json', 'info', 'call server response', { name, id, latencyMs: latency }, now)
    : formatLine('text', 'info', 'call server response =', { name, id, latency_ms: latency }, now);
}

export function errorLine(format: LogFormat, code: grpc.status, details: string, latencyMs: number, now?: Date): string {
  const latency = Math.round(latencyMs * 10) / 10;
  const status = grpc.status[code] ?? 'UNKNOWN';
  return format === 'json'
    ? formatLine('json', 'error', 'call server error', { code, status, details, latencyMs: latency }, now)
    : formatLine('text', 'error', 'call server error =', { code, status, details, latency_ms: latency }, now);
}
