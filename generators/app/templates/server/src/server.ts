// Builds and runs the gRPC server: Greeter, health and reflection, registered in one place,
// and the graceful shutdown that fails health first, drains, then stops within a deadline.
import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import type { ServerConfig } from './config.ts';
import { createGreeterHandlers, withUtf8Check } from './greeter-service.ts';
import type { Logger } from './logger.ts';
import { GREETER_SERVICE, greeterProto, packageDefinition } from './proto.ts';

export interface RunningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  server: grpc.Server;
  health: HealthImplementation;
  /** NOT_SERVING, drain, tryShutdown, forceShutdown after the deadline. Idempotent. */
  shutdown(reason: string): Promise<void>;
  /** Cancels the calls still in flight and stops now (the deadline's action, on demand). */
  forceShutdown(reason: string): void;
  /** Resolves once the server has stopped (by a shutdown, forced or not). */
  stopped: Promise<void>;
}

/**
 * What each SIGTERM/SIGINT does: the first starts the graceful shutdown; a second does not cut the
 * drain short (it is logged, with what a third one does); a third forces the shutdown. The deadline
 * (shutdownTimeoutMs) forces it in any case.
 */
export function shutdownSignals(running: Pick<RunningServer, 'shutdown' | 'forceShutdown'>, log: Logger): (signal: string) => void {
  let received = 0;
  return (signal) => {
    received += 1;
    if (received === 1) {
      void running.shutdown(signal);
    } else if (received === 2) {
      log.warn('already shutting down: the drain goes on; a third signal forces the shutdown', { signal });
    } else {
      log.warn('third signal: forcing the shutdown, calls still in flight are cancelled', { signal });
      running.forceShutdown(signal);
    }
  };
}

/** The part of grpc-js's Server (1.14) that {@link stopAccepting} reads: its listeners and their
 * connections. grpc-js has no public API for a graceful two-step GOAWAY; when the shape differs,
 * shutdown falls back to plain tryShutdown and says so. */
interface Http2Internals {
  http2Servers?: Map<{ close(cb?: () => void): void }, { sessions?: Set<http2.ServerHttp2Session> }>;
}

/** Longest wait for a client's PING acknowledgement before its connection is closed anyway. */
const GOAWAY_ACK_TIMEOUT_MS = 2000;
/** After the drain, how long the listener still takes connections (see stopAccepting). */
export const LINGER_MS = 1000;

/**
 * On every open connection: a GOAWAY with the maximum stream id (the client opens no new stream on
 * it, and every stream it has already sent is still accepted) and a PING. The PING's
 * acknowledgement proves the client has read the GOAWAY, so every stream it sent before is here:
 * the connection is then closed (its streams in flight finish), and a call the client had put on it
 * meanwhile is retried on a new connection.
 */
async function goawayAll(servers: NonNullable<Http2Internals['http2Servers']>): Promise<void> {
  const acks: Promise<void>[] = [];
  for (const info of servers.values()) {
    for (const session of info.sessions ?? []) {
      if (session.closed || session.destroyed) continue;
      try {
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
        acks.push(
          new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              if (!session.closed && !session.destroyed) session.close();
              resolve();
            };
            const timer = setTimeout(done, GOAWAY_ACK_TIMEOUT_MS);
            if (!session.ping(() => done())) done();
          }),
        );
      } catch {
        // the connection closed meanwhile: nothing of its own to wait for
      }
    }
  }
  await Promise.all(acks);
}

/**
 * The end of the drain, without losing a call a client issued before it. grpc-js's tryShutdown
 * closes the listener and sends each connection a GOAWAY naming the last stream it has processed,
 * all at once, and calls issued up to ~0.1 s earlier failed with UNAVAILABLE (ECONNREFUSED) in
 * about 1 run in 5 under load: a stream still on the wire is refused, a call the client had issued
 * but not yet put on a stream (a busy client takes tens of ms) finds its connection going away;
 * both are retried on a new connection, which the closed listener refuses. Readiness
 * (NOT_SERVING) cannot help a client that has no other server. So, as RFC 9113 §6.8 advises for a
 * graceful close: a GOAWAY with the maximum stream id and a PING on every connection, each closed
 * once its client has acknowledged, while the listener keeps taking new connections for
 * `lingerMs`, so those calls are served; then the listener closes and the connections opened
 * meanwhile get the same, and tryShutdown's final step refuses nothing.
 */
export async function stopAccepting(server: grpc.Server, log: Logger, lingerMs = LINGER_MS): Promise<void> {
  const servers = (server as unknown as Http2Internals).http2Servers;
  if (!(servers instanceof Map)) {
    log.warn('cannot reach the HTTP/2 connections of this grpc-js version: plain tryShutdown');
    return;
  }
  await goawayAll(servers);
  await new Promise((r) => setTimeout(r, lingerMs));
  for (const listener of servers.keys()) listener.close();
  await goawayAll(servers);
}

export async function startServer(cfg: ServerConfig, log: Logger): Promise<RunningServer> {
  const server = new grpc.Server();
  server.addService(withUtf8Check(greeterProto.api.Greeter.service), createGreeterHandlers(cfg, log));
  const health = new HealthImplementation({ '': 'SERVING', [GREETER_SERVICE]: 'SERVING' });
  health.addToServer(server);
  new ReflectionService(packageDefinition).addToServer(server);

  const address = cfg.host.includes(':') ? `[${cfg.host}]:${cfg.port}` : `${cfg.host}:${cfg.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, boundPort) => (err ? reject(err) : resolve(boundPort)));
  });
  log.info('greeter server listening', { address: address.replace(/:\d+$/, `:${port}`), version: cfg.version });

  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  let started = 0;
  let force: NodeJS.Timeout | undefined;
  let finishing = false;
  /** tryShutdown (once): refuse new calls, let those in flight finish, then report the stop. */
  const finish = (): void => {
    if (finishing) return;
    finishing = true;
    server.tryShutdown(() => {
      clearTimeout(force);
      log.info('server stopped', { after_ms: Date.now() - started });
      markStopped();
    });
  };
  let closing = false;
  /** The end of the drain: stop taking calls without refusing one already sent (stopAccepting). */
  const close = (): void => {
    if (closing) return;
    closing = true;
    const lingerMs = Math.max(0, Math.min(LINGER_MS, cfg.shutdownTimeoutMs - (Date.now() - started)));
    log.info('drain over: no new calls after the connections still open close', { after_ms: Date.now() - started, linger_ms: lingerMs });
    void stopAccepting(server, log, lingerMs).then(finish);
  };
  /** The deadline's action, or a third signal's: cancel what is in flight and stop now. */
  const stopNow = (): void => {
    closing = true;
    finish();
    server.forceShutdown();
  };
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      started = Date.now();
      log.info('shutting down', { reason, drain_ms: cfg.shutdownDrainMs, timeout_ms: cfg.shutdownTimeoutMs });
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(GREETER_SERVICE, 'NOT_SERVING');
      force = setTimeout(() => {
        log.warn('shutdown deadline reached, cancelling calls still in flight', { timeout_ms: cfg.shutdownTimeoutMs });
        stopNow();
      }, cfg.shutdownTimeoutMs);
      force.unref();
      // Keep answering during the drain so callers that have not yet seen NOT_SERVING (or an
      // endpoint update) lose nothing; then refuse new calls and let in-flight ones finish.
      setTimeout(close, Math.min(cfg.shutdownDrainMs, cfg.shutdownTimeoutMs)).unref();
      void stopped.then(resolve);
    });
    return stopping;
  };
  const forceShutdown = (reason: string): void => {
    void shutdown(reason);
    stopNow();
  };

  return { port, server, health, shutdown, forceShutdown, stopped };
}
