/**
 * The format of `scenarios/<name>/expect/expect.yaml`: what a scenario should do, per client identity.
 * Validated with zod; every type here is inferred from the schema.
 *
 * Outcome keys (the keys of a client's `expect` map):
 * - a server version (`v1`, `v2`): calls answered by that version;
 * - a gRPC status code name (`UNAVAILABLE`, `DEADLINE_EXCEEDED`, ...): calls that failed with it;
 * - `ok` (any answer) or `error` (any failure);
 * - a union of the above joined with `|` (`DEADLINE_EXCEEDED|UNAVAILABLE`): the shares add up.
 * A value is the expected share of calls: a number (exact share, two-sided test; 0 and 1 allow no
 * miss at all), or `{share | atLeast | atMost, modes?}` for bounds and mode-specific checks.
 */
import { z } from 'zod';

export const MODES = ['local', 'cluster'] as const;
export const ModeSchema = z.enum(MODES);
export type Mode = z.infer<typeof ModeSchema>;

/** gRPC status code names, by number (the index is the code). */
export const GRPC_CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;
export type GrpcCodeName = (typeof GRPC_CODE_NAMES)[number];
export const ERROR_CODE_NAMES: readonly string[] = GRPC_CODE_NAMES.filter((c) => c !== 'OK');

export const ANY_OK = 'ok';
export const ANY_ERROR = 'error';

const share = z.number().min(0, 'a share is between 0 and 1').max(1, 'a share is between 0 and 1');

const ShareObject = z
  .object({
    share: share.optional(),
    atLeast: share.optional(),
    atMost: share.optional(),
    modes: z.array(ModeSchema).nonempty().optional(),
  })
  .strict()
  .refine((v) => [v.share, v.atLeast, v.atMost].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of share, atLeast, atMost',
  });

/** The normalised form of an expected share. */
export interface ShareExpectation {
  kind: 'share' | 'at-least' | 'at-most';
  value: number;
  /** Only checked in these modes (all modes when absent). */
  modes?: Mode[];
}

export const ShareSpecSchema = z.union([share, ShareObject]).transform((v): ShareExpectation => {
  if (typeof v === 'number') return { kind: 'share', value: v };
  const base: ShareExpectation =
    v.share !== undefined
      ? { kind: 'share', value: v.share }
      : v.atLeast !== undefined
        ? { kind: 'at-least', value: v.atLeast }
        : { kind: 'at-most', value: v.atMost! };
  if (v.modes) base.modes = [...v.modes];
  return base;
});

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'use lowercase letters, digits and dashes (a DNS label)');

export const ServerSchema = z
  .object({
    /** The pod label `version` and the subset label value, e.g. `v1`. */
    version: dnsLabel,
    /** The `id` the server answers with (GREETER_VERSION); default `<version>.0.0`. */
    id: z.string().min(1).optional(),
    /** Pods (cluster) or processes (local) of this version. */
    replicas: z.int().min(1).max(20).default(1),
    /** GREETER_FAIL_RATE: share of calls answered UNAVAILABLE (a flaky version). */
    failRate: share.default(0),
    /** GREETER_DELAY_MS: added latency per answer. */
    delayMs: z.int().min(0).max(60_000).default(0),
  })
  .strict();

const headerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-_.]*$/, 'header names are lowercase (gRPC metadata keys)')
  .refine((h) => !h.endsWith('-bin'), 'binary (-bin) headers cannot be matched by a VirtualService');

export const ClientSchema = z
  .object({
    /** The client's name: `default` (no headers), `admin`, `dark`... */
    identity: dnsLabel,
    /** Request metadata this client sends. */
    headers: z.record(headerName, z.string()).default({}),
    /** `mesh`: calls greeter-server:20000 from inside the mesh; `ingress`: through the Istio ingress gateway (cluster only). */
    via: z.enum(['mesh', 'ingress']).default('mesh'),
    deadlineMs: z.int().min(1).max(600_000).default(5000),
    concurrency: z.int().min(1).max(256).default(1),
    /** Calls per second over all workers (0 = as fast as possible). Leave it out unless the
     * outcome depends on it (circuit breaking): each driver then uses its own default, slow on a
     * cluster where people read the logs, fast on the local mesh where a verdict takes seconds. */
    rate: z.number().min(0).max(10_000).optional(),
    /** Expected share per outcome key (see the module comment). */
    expect: z.record(z.string().min(1), ShareSpecSchema),
    /** Share of calls whose latency is at least `atLeastMs`. */
    latency: z
      .object({ atLeastMs: z.int().min(1), share: ShareSpecSchema })
      .strict()
      .optional(),
  })
  .strict();

export const MirrorSchema = z
  .object({
    /** The identity whose calls are mirrored. */
    from: dnsLabel,
    /** The version that receives the copies (its server log is counted). */
    to: dnsLabel,
    /** Requests in `to`'s log per call of `from`. */
    share: ShareSpecSchema,
  })
  .strict();

export const ExpectSchema = z
  .object({
    description: z.string().min(1),
    /** Anything a reader should know about the expected outcome (caveats, why a bound and not a share). */
    notes: z.string().optional(),
    modes: z.array(ModeSchema).nonempty(),
    servers: z.array(ServerSchema).nonempty(),
    clients: z.array(ClientSchema).nonempty(),
    mirror: MirrorSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const versions = new Set<string>();
    e.servers.forEach((s, i) => {
      if (versions.has(s.version)) ctx.addIssue({ code: 'custom', path: ['servers', i, 'version'], message: `version ${s.version} is listed twice` });
      versions.add(s.version);
    });
    if (new Set(e.modes).size !== e.modes.length) ctx.addIssue({ code: 'custom', path: ['modes'], message: 'a mode is listed twice' });
    const identities = new Set<string>();
    e.clients.forEach((c, i) => {
      if (identities.has(c.identity)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'identity'], message: `identity ${c.identity} is listed twice` });
      identities.add(c.identity);
      if (c.via === 'ingress' && e.modes.includes('local')) {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'via'], message: 'an ingress client needs the cluster: remove `local` from modes' });
      }
      let exactSum = 0;
      for (const [key, spec] of Object.entries(c.expect)) {
        const bad = outcomeKeyProblem(key, versions);
        if (bad) ctx.addIssue({ code: 'custom', path: ['clients', i, 'expect', key], message: bad });
        for (const m of spec.modes ?? []) {
          if (!e.modes.includes(m))
            ctx.addIssue({ code: 'custom', path: ['clients', i, 'expect', key, 'modes'], message: `mode ${m} is not in the scenario's modes` });
        }
        if (spec.kind === 'share' && !spec.modes && isAtomicOutcome(key)) exactSum += spec.value;
      }
      if (exactSum > 1 + 1e-9) {
        ctx.addIssue({ code: 'custom', path: ['clients', i, 'expect'], message: `the exact shares add up to ${round(exactSum)}, more than 1` });
      }
    });
    if (e.mirror) {
      if (!identities.has(e.mirror.from)) ctx.addIssue({ code: 'custom', path: ['mirror', 'from'], message: `no client has identity ${e.mirror.from}` });
      if (!versions.has(e.mirror.to)) ctx.addIssue({ code: 'custom', path: ['mirror', 'to'], message: `no server has version ${e.mirror.to}` });
    }
  });

export type Expect = z.infer<typeof ExpectSchema>;
export type ExpectInput = z.input<typeof ExpectSchema>;
export type ExpectServer = Expect['servers'][number];
export type ExpectClient = Expect['clients'][number];
export type ExpectMirror = NonNullable<Expect['mirror']>;

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** A key that names one outcome (a version or one code), not `ok`/`error`/a union. */
function isAtomicOutcome(key: string): boolean {
  return !key.includes('|') && key !== ANY_OK && key !== ANY_ERROR;
}

/** Why an outcome key is not valid, or undefined. */
export function outcomeKeyProblem(key: string, versions: ReadonlySet<string>): string | undefined {
  const parts = key.split('|');
  for (const part of parts) {
    if (part === ANY_OK || part === ANY_ERROR) continue;
    if (versions.has(part)) continue;
    if ((ERROR_CODE_NAMES as readonly string[]).includes(part)) continue;
    if (part === 'OK') return `outcome OK is not counted: use \`ok\` (any answer) or a version name`;
    return `unknown outcome ${part}: use a server version (${[...versions].join(', ')}), a gRPC code name such as UNAVAILABLE, \`ok\` or \`error\``;
  }
  if (new Set(parts).size !== parts.length) return `outcome ${key} repeats a member`;
  return undefined;
}

/** The id a server of this entry answers with. */
export function serverId(server: Pick<ExpectServer, 'version' | 'id'>): string {
  return server.id ?? `${server.version}.0.0`;
}

/** The checks of a client that apply in a mode. */
export function expectationsFor(client: ExpectClient, mode: Mode): Array<[string, ShareExpectation]> {
  return Object.entries(client.expect).filter(([, s]) => !s.modes || s.modes.includes(mode));
}
