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

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      const started = Date.now();
      log.info('shutting down', { reason, drain_ms: cfg.shutdownDrainMs, timeout_ms: cfg.shutdownTimeoutMs });
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(GREETER_SERVICE, 'NOT_SERVING');
      const force = setTimeout(() => {
        log.warn('shutdown deadline reached, cancelling calls still in flight', { timeout_ms: cfg.shutdownTimeoutMs });
        server.forceShutdown();
      }, cfg.shutdownTimeoutMs);
      force.unref();
      // Keep answering during the drain so callers that have not yet seen NOT_SERVING (or an
      // endpoint update) lose nothing; then refuse new calls and let in-flight ones finish.
      setTimeout(() => {
        server.tryShutdown(() => {
          clearTimeout(force);
          log.info('server stopped', { after_ms: Date.now() - started });
          resolve();
        });
      }, Math.min(cfg.shutdownDrainMs, cfg.shutdownTimeoutMs)).unref();
    });
    return stopping;
  };

  return { port, server, health, shutdown };
}
