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

/** Set by {@link withUtf8Check} on a request whose `name` bytes are not valid UTF-8. */
export const INVALID_UTF8 = Symbol('name is not valid UTF-8');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether field 1 (`name`, the only field of HelloRequest) of an encoded message is valid UTF-8.
 * The protobuf decoder replaces bad bytes with U+FFFD, so only the bytes can tell. */
export function nameIsValidUtf8(bytes: Uint8Array): boolean {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; at < bytes.length && shift < 35; shift += 7) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new Error('bad varint');
  };
  try {
    while (at < bytes.length) {
      const key = varint();
      const wire = key & 7;
      if (wire === 0) varint();
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else if (wire === 2) {
        const length = varint();
        if (key >>> 3 === 1) strictUtf8.decode(bytes.subarray(at, at + length));
        at += length;
      } else return true; // groups: not in this message; the decoder judges the rest
    }
  } catch (error) {
    if (error instanceof TypeError) return false; // TextDecoder: invalid UTF-8
    return true; // malformed framing: the protobuf decoder reports it
  }
  return true;
}

/**
 * The service definition with a request decoder that marks a `name` that is not valid UTF-8
 * (proto3 strings must be), so the handler refuses it with INVALID_ARGUMENT instead of answering
 * "Hello �" with U+FFFD in place of the bytes it received.
 */
export function withUtf8Check<T extends grpc.ServiceDefinition>(service: T): T {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [method, def] of Object.entries(service)) {
    out[method] = {
      ...(def as grpc.MethodDefinition<unknown, unknown>),
      requestDeserialize: (bytes: Buffer) => {
        const message = def.requestDeserialize(bytes) as object;
        if (!nameIsValidUtf8(bytes)) Object.defineProperty(message, INVALID_UTF8, { value: true });
        return message;
      },
    };
  }
  return out as unknown as T;
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
  const answer = (request: { name: string }, metadata: grpc.Metadata, method: string): Answer => {
    const name = request.name;
    if ((request as { [INVALID_UTF8]?: boolean })[INVALID_UTF8]) {
      return { error: { code: grpc.status.INVALID_ARGUMENT, details: 'name is not valid UTF-8 (proto3 strings must be)', metadata: new grpc.Metadata() } };
    }
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
      const result = answer(call.request, call.metadata, 'SayHello');
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
      // The first refused message ends the call with its status: messages already read after it
      // are neither handled, logged nor answered.
      let failed = false;
      const finishIfDone = () => {
        if (ended && pending === 0 && !failed && !call.destroyed) call.end();
      };
      call.on('data', (request: { name: string }) => {
        if (failed) return;
        const result = answer(request, call.metadata, 'SayHelloStream');
        if (result.error) {
          failed = true;
          call.emit('error', result.error);
          return;
        }
        pending++;
        later(() => {
          pending--;
          if (!failed && !call.cancelled && !call.destroyed) call.write(result.user);
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
