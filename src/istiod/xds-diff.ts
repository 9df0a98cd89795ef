/**
 * The xDS two control planes send the same proxyless gRPC client, compared field by field:
 * istiod (the oracle) against src/mesh (canarykit's own translation). Both are fetched with
 * {@link fetchXds}, normalised where the difference is only a name, then flattened into leaf paths
 * (`virtual_hosts[0].routes[1].route.weighted_clusters.clusters[0].weight`) and compared.
 *
 * A difference is either allowed by an entry of `xds-diff-allow.yaml` (a reviewed list: each
 * entry names a resource type, a path pattern and why the difference does not change what a
 * grpc-js-xds client does) or reported. `canarykit mesh diff` prints both; the test fails on any
 * reported one and on allow-list entries no scenario needs.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { FetchedResources } from './xds-fetch.ts';

export const RESOURCE_TYPES = ['Listener', 'RouteConfiguration', 'Cluster', 'ClusterLoadAssignment'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
const KEY_OF: Record<ResourceType, keyof FetchedResources> = {
  Listener: 'listeners',
  RouteConfiguration: 'routeConfigurations',
  Cluster: 'clusters',
  ClusterLoadAssignment: 'clusterLoadAssignments',
};

const AllowEntry = z.strictObject({
  type: z.enum(RESOURCE_TYPES),
  /** A leaf path with `[]` for any index, e.g. `virtual_hosts[].routes[].decorator`; it covers what lies under it. */
  path: z.string().min(1),
  reason: z.string().min(20, 'say why this difference does not change what a proxyless gRPC client does'),
});
export type AllowEntry = z.infer<typeof AllowEntry>;

export const ALLOW_LIST_FILE = new URL('./xds-diff-allow.yaml', import.meta.url);

/** The reviewed allow-list; a malformed entry is an error naming the entry and the field. */
export function loadAllowList(file: URL | string = ALLOW_LIST_FILE): AllowEntry[] {
  const parsed = z.array(AllowEntry).safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${String(file)}: entry ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** One field that differs; `istiod`/`mesh` are JSON of the leaf value, or `absent`. */
export interface XdsDifference {
  type: ResourceType;
  /** The resource's name after normalisation. */
  name: string;
  path: string;
  istiod: string;
  mesh: string;
  /** The allow-list entry that covers it, if one does. */
  allowedBy?: AllowEntry;
}

const ABSENT = 'absent';

/**
 * Names only: istiod names a service by its FQDN in the client's namespace
 * (`outbound|20000|v1|greeter-server.default.svc.cluster.local`), src/mesh by the host the client
 * dialled (`outbound|20000|v1|greeter-server`). The client sees each name only as a key that one
 * resource uses to point at another, so both spellings route alike.
 */
export function normaliseNames(resources: FetchedResources, host: string, namespace: string): FetchedResources {
  const fqdn = `${host}.${namespace}.svc.cluster.local`;
  return JSON.parse(JSON.stringify(resources).replaceAll(fqdn, host)) as FetchedResources;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- decoded protobuf JSON

/** The gRPC status names grpc-js-xds retries on (gRFC A44); every other `retry_on` condition is Envoy's only. */
const GRPC_RETRY_ON = new Set(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);

function isZeroDuration(d: Obj | null | undefined): boolean {
  return !d || (Number(d.seconds ?? 0) === 0 && Number(d.nanos ?? 0) === 0);
}

/**
 * Fields both planes spell differently but a grpc-js-xds client reads alike, rewritten to one
 * spelling. Each rule is what the client does with the field (the gRFC it implements):
 * - `retry_on`: only gRPC status names count (A44), in any order;
 * - `max_stream_duration` whose durations are all 0 or unset: no timeout, as when it is absent (A31);
 * - `weighted_clusters` with one cluster: every call goes to it, as with `cluster` (A28);
 * - `case_sensitive: true`: the default (A28);
 * - `domains`: the client picks the virtual host whose domains match its target's authority (A28),
 *   so what matters is whether `target` matches, not which other spellings are listed.
 */
export function normaliseSemantics(resources: FetchedResources, target: string): FetchedResources {
  const copy = JSON.parse(JSON.stringify(resources)) as FetchedResources;
  const domainMatches = (d: string): boolean =>
    d === target || d === '*' || (d.startsWith('*') && target.endsWith(d.slice(1))) || (d.endsWith('*') && target.startsWith(d.slice(0, -1)));
  for (const route of Object.values(copy.routeConfigurations) as Obj[]) {
    for (const vh of (route.virtual_hosts ?? []) as Obj[]) {
      vh.domains = [(vh.domains as string[]).some(domainMatches) ? `matches ${target}` : `does not match ${target}`];
      for (const r of (vh.routes ?? []) as Obj[]) {
        if (r.match?.case_sensitive?.value === true) r.match.case_sensitive = null;
        const action = r.route as Obj | undefined;
        if (!action) continue;
        if (action.retry_policy?.retry_on !== undefined) {
          action.retry_policy.retry_on = (action.retry_policy.retry_on as string)
            .split(',')
            .filter((c) => GRPC_RETRY_ON.has(c))
            .sort()
            .join(',');
        }
        const msd = action.max_stream_duration as Obj | null | undefined;
        if (msd && isZeroDuration(msd.max_stream_duration) && isZeroDuration(msd.grpc_timeout_header_max)) action.max_stream_duration = null;
        const weighted = action.weighted_clusters?.clusters as Obj[] | undefined;
        if (action.cluster_specifier === 'weighted_clusters' && weighted?.length === 1) {
          action.cluster = weighted[0]!.name;
          action.cluster_specifier = 'cluster';
          delete action.weighted_clusters;
        }
      }
    }
  }
  return copy;
}

/** Leaf paths of a decoded resource: `a.b[0].c` → value. Empty objects and arrays are leaves. */
export function flatten(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, []);
    value.forEach((v, i) => {
      flatten(v, `${path}[${i}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(path, {});
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, value);
  }
  return out;
}

/** `virtual_hosts[3].domains[0]` → `virtual_hosts[].domains[]`. */
function pattern(path: string): string {
  return path.replace(/\[\d+\]/g, '[]');
}

function covers(entry: AllowEntry, type: ResourceType, path: string): boolean {
  if (entry.type !== type) return false;
  const p = pattern(path);
  return p === entry.path || p.startsWith(`${entry.path}.`) || p.startsWith(`${entry.path}[`);
}

/** Every differing leaf of every resource either plane sent, each marked with the entry that allows it. */
export function diffXds(istiod: FetchedResources, mesh: FetchedResources, allow: readonly AllowEntry[]): XdsDifference[] {
  const differences: XdsDifference[] = [];
  for (const type of RESOURCE_TYPES) {
    const a = istiod[KEY_OF[type]];
    const b = mesh[KEY_OF[type]];
    for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(name in a) || !(name in b)) {
        differences.push({ type, name, path: '', istiod: name in a ? 'sent' : ABSENT, mesh: name in b ? 'sent' : ABSENT });
        continue;
      }
      const fa = flatten(a[name]);
      const fb = flatten(b[name]);
      for (const path of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
        const va = fa.has(path) ? JSON.stringify(fa.get(path)) : ABSENT;
        const vb = fb.has(path) ? JSON.stringify(fb.get(path)) : ABSENT;
        if (va === vb) continue;
        const allowedBy = path === '' ? undefined : allow.find((e) => covers(e, type, path));
        differences.push({ type, name, path, istiod: va, mesh: vb, ...(allowedBy ? { allowedBy } : {}) });
      }
    }
  }
  return differences;
}

/** The report `canarykit mesh diff` prints for one scenario. */
export function formatDifferences(scenario: string, differences: readonly XdsDifference[]): string {
  const reported = differences.filter((d) => !d.allowedBy);
  const allowed = differences.filter((d) => d.allowedBy);
  const lines = [
    `${scenario}: ${reported.length === 0 ? 'same routing' : `${reported.length} difference(s) not in the allow-list`}` +
      ` (${allowed.length} allowed, by ${new Set(allowed.map((d) => d.allowedBy)).size} entries)`,
  ];
  for (const d of reported) {
    lines.push(`  ✗ ${d.type} ${d.name}${d.path ? ` ${d.path}` : ''}: istiod ${short(d.istiod)} · src/mesh ${short(d.mesh)}`);
  }
  return lines.join('\n');
}

function short(v: string): string {
  return v.length > 120 ? `${v.slice(0, 117)}...` : v;
}
