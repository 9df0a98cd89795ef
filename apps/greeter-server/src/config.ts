// The server's configuration: defaults < conf/server.yaml (or GREETER_CONFIG) < GREETER_* env.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { booleanish, hostSchema, loadConfig, numberish, type EnvNames } from './config-source.ts';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const serverConfigSchema = z.object({
  version: z
    .string()
    .regex(/^v\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$/, 'must look like v1.0.0 (a "v" then a semantic version)')
    .default('v1.0.0'),
  host: hostSchema.default('0.0.0.0'),
  port: numberish(z.number().int().min(0).max(65535)).default(20000),
  logFormat: z.enum(['text', 'json']).default('text'),
  logRequests: booleanish.default(true),
  failRate: numberish(z.number().min(0).max(1)).default(0),
  delayMs: numberish(z.number().int().min(0).max(600_000)).default(0),
  maxNameLength: numberish(z.number().int().min(1).max(1_000_000)).default(256),
  shutdownDrainMs: numberish(z.number().int().min(0).max(600_000)).default(2000),
  shutdownTimeoutMs: numberish(z.number().int().min(0).max(600_000)).default(10_000),
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;

export const serverEnvNames: EnvNames<ServerConfig> = {
  version: 'GREETER_VERSION',
  host: 'GREETER_HOST',
  port: 'GREETER_PORT',
  logFormat: 'GREETER_LOG_FORMAT',
  logRequests: 'GREETER_LOG_REQUESTS',
  failRate: 'GREETER_FAIL_RATE',
  delayMs: 'GREETER_DELAY_MS',
  maxNameLength: 'GREETER_MAX_NAME_LENGTH',
  shutdownDrainMs: 'GREETER_SHUTDOWN_DRAIN_MS',
  shutdownTimeoutMs: 'GREETER_SHUTDOWN_TIMEOUT_MS',
};

export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const file = env.GREETER_CONFIG ?? path.join(appDir, 'conf', 'server.yaml');
  return loadConfig(serverConfigSchema, { file, fileRequired: env.GREETER_CONFIG !== undefined, env, envNames: serverEnvNames });
}
