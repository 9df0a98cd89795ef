// Entry point: load and validate the config, serve, stop gracefully on SIGTERM/SIGINT.
import { ConfigError } from './config-source.ts';
import { loadServerConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { shutdownSignals, startServer } from './server.ts';

let config;
try {
  config = loadServerConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`greeter-server: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger(config.logFormat);
const running = await startServer(config, log).catch((err: Error) => {
  log.error('cannot start', { error: err.message });
  process.exit(1);
});

// `on`, not `once`: with `once` a second SIGTERM/SIGINT (an impatient Ctrl-C, kubelet and a
// preStop hook both signalling) met Node's default action and killed the server mid-drain.
const onSignal = shutdownSignals(running, log);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => onSignal(signal));
void running.stopped.then(() => process.exit(0));
