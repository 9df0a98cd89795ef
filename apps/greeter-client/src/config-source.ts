// Configuration from a YAML file, then environment variables, validated by a zod schema.
// A bad value stops the process at start with a message naming the key, where it came from and
// what is allowed; nothing runs on a half-valid config.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Env var name for each config key, e.g. { port: 'GREETER_PORT' }. */
export type EnvNames<T> = { [K in keyof T]?: string };

export interface ConfigSourceOptions<T> {
  /** Path of the YAML file. */
  file: string;
  /** True when the user named the file explicitly: then a missing file is an error. */
  fileRequired: boolean;
  env: NodeJS.ProcessEnv;
  envNames: EnvNames<T>;
}

/** `true`/`false`/`1`/`0`/`yes`/`no` from the environment; booleans from YAML pass through. */
export const booleanish = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
}, z.boolean());

/** A listen address: an IP literal (`0.0.0.0` every IPv4 interface, `127.0.0.1` this machine only,
 * `::`) or a host name such as `localhost`. */
export const hostSchema = z
  .string()
  .refine(
    (v) => isIP(v) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/.test(v),
    'must be an IP address (0.0.0.0: every interface, 127.0.0.1: this machine only) or a host name',
  );

/** Numbers from YAML, or numeric strings from the environment. */
export function numberish<S extends z.ZodNumber>(inner: S) {
  return z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), inner);
}

export function loadConfig<S extends z.ZodObject>(schema: S, opts: ConfigSourceOptions<z.infer<S>>): z.infer<S> {
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  if (existsSync(opts.file)) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${opts.file} is not valid YAML: ${(err as Error).message}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ConfigError(`config file ${opts.file} must be a YAML mapping of keys to values`);
      }
      for (const [key, value] of Object.entries(parsed)) {
        raw[key] = value;
        origin[key] = `${opts.file}`;
      }
    }
  } else if (opts.fileRequired) {
    throw new ConfigError(`config file ${opts.file} does not exist (set by GREETER_CONFIG); fix the path or unset it`);
  }
  for (const [key, envName] of Object.entries(opts.envNames) as [string, string][]) {
    const value = opts.env[envName];
    if (value !== undefined && value !== '') {
      raw[key] = value;
      origin[key] = `environment ${envName}=${JSON.stringify(value)}`;
    }
  }
  const result = schema.strict().safeParse(raw);
  if (result.success) return result.data as z.infer<S>;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const allowed = Object.keys(schema.shape).join(', ');
      return `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} in ${opts.file} (allowed: ${allowed})`;
    }
    const key = String(issue.path[0] ?? '');
    const envName = (opts.envNames as Record<string, string | undefined>)[key];
    const from = origin[key] ?? 'default';
    const fix = envName ? `fix ${envName} or "${key}" in ${opts.file}` : `fix "${key}" in ${opts.file}`;
    return `${issue.path.join('.') || key}: ${issue.message} (from ${from}); ${fix}`;
  });
  throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
}
