// The Greeter service: "Hello <name>" plus this server's version. Bad input gets a gRPC status,
// never an exception; every call is independent so one bad call never affects another.
import * as grpc from '@grpc/grpc-js';
import type { GreeterHandlers } from './generated/api/Greeter.ts';
import type { User } from './generated/api/User.ts';
import type { ServerConfig } from './config.ts';
import type { Logger } from './logger.ts';

/** Request headers that transports add; everything else is the caller's and is logged. */
const TRANSPORT_HEADER = /^(:|grpc-|x-envoy-|x-forwarded-|x-b3-|x-request-id$|traceparent$|tracestate$|user-agent$|content-type$|te$|accept-encoding$)/;

type GreeterSettings = Pick<ServerConfig, 'version' | 'maxNameLength' | 'failRate' | 'delayMs' | 'logRequests'>;

/** Longest header value a log line shows; a longer one is cut and its length said (a caller's
 * 64 KB header must not be written in full on every request line). */
export const MAX_LOGGED_HEADER_VALUE = 128;

export function callerHeaders(metadata: grpc.Metadata): string | undefined {
  const pairs: string[] = [];
  for (const [key, raw] of Object.entries(metadata.getMap())) {
    if (TRANSPORT_HEADER.test(key)) continue;
    const value = String(raw);
    const shown = value.length > MAX_LOGGED_HEADER_VALUE ? `${value.slice(0, MAX_LOGGED_HEADER_VALUE)}…(${value.length} chars)` : value;
    pairs.push(`${key}=${shown}`);
  }
  return pairs.length > 0 ? pairs.sort().join(',') : undefined;
}

/** The status for a request, or undefined when it can be answered. */
export function checkName(name: string, maxNameLength: number): { code: grpc.status; details: string } | undefined {
  if (name.length === 0) {
    return { code: grpc.status.INVALID_ARGUMENT, details: 'name must not be empty' };
  }
  // Characters are Unicode code points, not UTF-16 units: an emoji is one character, not two.
  const characters = name.length > maxNameLength ? [...name].length : name.length;
  if (characters > maxNameLength) {
    return {
      code: grpc.status.INVALID_ARGUMENT,
      details: `name is ${characters} characters long; the limit is ${maxNameLength} (maxNameLength)`,
    };
  }
  return undefined;
}

export function createGreeterHandlers(cfg: GreeterSettings, log: Logger, random: () => number = Math.random): GreeterHandlers {
  type Answer = { error: grpc.StatusObject; user?: undefined } | { error?: undefined; user: User };
  const answer = (name: string, metadata: grpc.Metadata, method: string): Answer => {
    const bad = checkName(name, cfg.maxNameLength);
    if (bad) return { error: { ...bad, metadata: new grpc.Metadata() } };
    if (cfg.failRate > 0 && random() < cfg.failRate) {
      return {
        error: { code: grpc.status.UNAVAILABLE, details: `injected failure (failRate ${cfg.failRate}) in ${cfg.version}`, metadata: new grpc.Metadata() },
      };
    }
    if (cfg.logRequests) {
      log.info(`handled ${method}`, { name, id: cfg.version, headers: callerHeaders(metadata) });
    }
    return { user: { name: `Hello ${name}`, id: cfg.version } };
  };

  const later = (fn: () => void) => (cfg.delayMs > 0 ? setTimeout(fn, cfg.delayMs) : fn());

  return {
    SayHello(call, callback) {
      const result = answer(call.request.name, call.metadata, 'SayHello');
      if (result.error) {
        callback(result.error);
        return;
      }
      later(() => {
        if (!call.cancelled) callback(null, result.user);
      });
    },

    SayHelloStream(call) {
      let pending = 0;
      let ended = false;
      const finishIfDone = () => {
        if (ended && pending === 0 && !call.destroyed) call.end();
      };
      call.on('data', (request: { name: string }) => {
        const result = answer(request.name, call.metadata, 'SayHelloStream');
        if (result.error) {
          call.emit('error', result.error);
          return;
        }
        pending++;
        later(() => {
          pending--;
          if (!call.cancelled && !call.destroyed) call.write(result.user);
          finishIfDone();
        });
      });
      call.on('end', () => {
        ended = true;
        finishIfDone();
      });
    },
  };
}
