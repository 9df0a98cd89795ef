// Entry point: load and validate the config, serve /healthz and /metrics, call the server in a
// loop until SIGTERM (or `count` calls), one log line per call.
import * as grpc from '@grpc/grpc-js';
import { writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { errorLine, responseLine } from './call-log.ts';
import { CallLoop, channelOptions } from './call-loop.ts';
import { ConfigError } from './config-source.ts';
import { loadClientConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { ClientMetrics, startHttp } from './metrics.ts';
import { greeterProto } from './proto.ts';

let config;
try {
  config = loadClientConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`greeter-client: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const log = createLogger(config.logFormat);
if (config.target.startsWith('xds:')) {
  // Must run before any channel exists, or xds:/// targets fail to resolve.
  const xds = await import('@grpc/grpc-js-xds');
  xds.register();
}

const metrics = new ClientMetrics();
const http = config.httpPort > 0 ? await startHttp(metrics, config.httpPort, config.httpHost, config.target).catch((err: Error) => {
  log.error('cannot start the HTTP server', { host: config.httpHost, port: config.httpPort, error: err.message });
  process.exit(1);
}) : undefined;
if (http) {
  const bound = http.address() as AddressInfo;
  log.info('http listening', { address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` });
}

const client = new greeterProto.api.Greeter(config.target, grpc.credentials.createInsecure(), channelOptions(config.target));
log.info('greeter client started', {
  target: config.target,
  rate: config.rate,
  concurrency: config.concurrency,
  headers: Object.entries(config.metadata).map(([k, v]) => `${k}=${v}`).join(',') || undefined,
});

const loop = new CallLoop(client, config, (outcome) => {
  metrics.record(outcome);
  const line = outcome.ok
    ? responseLine(config.logFormat, outcome.user.name, outcome.user.id, outcome.latencyMs, outcome.seq)
    : errorLine(config.logFormat, outcome.code, outcome.details, outcome.latencyMs, outcome.seq);
  writeSync(1, line + '\n');
});

const finish = async () => {
  await loop.stop();
  client.close();
  http?.close();
  process.exit(0);
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void finish());
await loop.run();
await finish();
