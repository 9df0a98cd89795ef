// Builds and runs the gRPC server: Greeter, health and reflection, registered in one place,
// and the graceful shutdown that fails health first, drains, then stops within a deadline.
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import type { ServerConfig } from './config.ts';
import { createGreeterHandlers } from './greeter-service.ts';
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

export async function startServer(cfg: ServerConfig, log: Logger): Promise<RunningServer> {
  const server = new grpc.Server();
  server.addService(greeterProto.api.Greeter.service, createGreeterHandlers(cfg, log));
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
  let closing = false;
  /** Refuse new calls and let those in flight finish (once), then report the stop. */
  const close = (): void => {
    if (closing) return;
    closing = true;
    server.tryShutdown(() => {
      clearTimeout(force);
      log.info('server stopped', { after_ms: Date.now() - started });
      markStopped();
    });
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
        close();
        server.forceShutdown();
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
    close();
    server.forceShutdown();
  };

  return { port, server, health, shutdown, forceShutdown, stopped };
}
