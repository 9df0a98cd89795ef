// The client's configuration: defaults < conf/client.yaml (or GREETER_CONFIG) < GREETER_* env.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { hostSchema, loadConfig, numberish, type EnvNames } from './config-source.ts';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** gRPC metadata keys: lowercase (HTTP/2 header names), no `grpc-` prefix, no binary `-bin` suffix. */
const HEADER_NAME = /^[a-z0-9_.-]+$/;

function parseHeaderList(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `"${part}" is not key=value (example: user=admin,x-dark-launch=v2)`;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

const metadataSchema = z
  .preprocess((v, ctx) => {
    if (typeof v !== 'string') return v;
    const parsed = parseHeaderList(v);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    return parsed;
  }, z.record(z.string(), z.coerce.string()))
  .superRefine((headers, ctx) => {
    for (const key of Object.keys(headers)) {
      if (!HEADER_NAME.test(key)) {
        ctx.addIssue({ code: 'custom', message: `header name "${key}" must be lowercase letters, digits, "-", "_" or "." (HTTP/2 header names are lowercase)` });
      } else if (key.startsWith('grpc-') || key.endsWith('-bin')) {
        ctx.addIssue({ code: 'custom', message: `header name "${key}" is reserved (grpc-*) or binary (*-bin); use a plain text header` });
      }
    }
  });

export const clientConfigSchema = z.object({
  target: z
    .string()
    .regex(/^(dns|xds):\/\/\/[^/\s]+:\d+$/, 'must be dns:///host:port or xds:///host:port')
    .default('dns:///localhost:20000'),
  name: z.string().min(1).max(256).default('laurence'),
  rate: numberish(z.number().min(0).max(100_000)).default(10),
  concurrency: numberish(z.number().int().min(1).max(1000)).default(1),
  metadata: metadataSchema.default({}),
  deadlineMs: numberish(z.number().int().min(1).max(600_000)).default(5000),
  count: numberish(z.number().int().min(0)).default(0),
  logFormat: z.enum(['text', 'json']).default('text'),
  httpPort: numberish(z.number().int().min(0).max(65535)).default(8080),
  /** Where the HTTP server listens: every interface in a container, loopback on a laptop. */
  httpHost: hostSchema.default('0.0.0.0'),
});

export type ClientConfig = z.infer<typeof clientConfigSchema>;

export const clientEnvNames: EnvNames<ClientConfig> = {
  target: 'GREETER_TARGET',
  name: 'GREETER_NAME',
  rate: 'GREETER_RATE',
  concurrency: 'GREETER_CONCURRENCY',
  metadata: 'GREETER_METADATA',
  deadlineMs: 'GREETER_DEADLINE_MS',
  count: 'GREETER_COUNT',
  logFormat: 'GREETER_LOG_FORMAT',
  httpPort: 'GREETER_HTTP_PORT',
  httpHost: 'GREETER_HTTP_HOST',
};

export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const file = env.GREETER_CONFIG ?? path.join(appDir, 'conf', 'client.yaml');
  return loadConfig(clientConfigSchema, { file, fileRequired: env.GREETER_CONFIG !== undefined, env, envNames: clientEnvNames });
}
