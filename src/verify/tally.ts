/** Count a client's calls by outcome: the version that answered, or the gRPC code of the failure. */
import { serverId, type ExpectServer } from '../scenarios/expect.ts';
import { parseClientLine } from './log-line.ts';

export interface Tally {
  /** Calls counted (responses + errors). */
  total: number;
  responses: number;
  errors: number;
  /** Count per outcome: a version name (`v1`) or a gRPC code name (`UNAVAILABLE`). */
  byOutcome: Map<string, number>;
  /** Latency of every call whose line carries one, in ms. */
  latenciesMs: number[];
  /** Response ids that match no server of the scenario, counted under the raw id. */
  unknownIds: Set<string>;
}

export function emptyTally(): Tally {
  return { total: 0, responses: 0, errors: 0, byOutcome: new Map(), latenciesMs: [], unknownIds: new Set() };
}

/**
 * Maps a response id to a version: the ids of the scenario's servers (`v2.0.0` → `v2`), then the
 * leading `vN` of any other id, else the id itself.
 */
export function versionResolver(servers?: ReadonlyArray<Pick<ExpectServer, 'version' | 'id'>>): (id: string) => { version: string; known: boolean } {
  const map = new Map((servers ?? []).map((s) => [serverId(s), s.version] as const));
  return (id) => {
    const v = map.get(id);
    if (v) return { version: v, known: true };
    const lead = /^(v\d+)(\.|$)/.exec(id);
    return { version: lead ? lead[1]! : id, known: servers === undefined };
  };
}

/** Tally one client's log lines (lines that are not call results are skipped). */
export function tallyLines(lines: Iterable<string>, servers?: ReadonlyArray<Pick<ExpectServer, 'version' | 'id'>>): Tally {
  const t = emptyTally();
  const resolve = versionResolver(servers);
  for (const line of lines) {
    const e = parseClientLine(line);
    if (!e) continue;
    t.total++;
    let outcome: string;
    if (e.kind === 'response') {
      t.responses++;
      const r = resolve(e.version);
      outcome = r.version;
      if (!r.known) t.unknownIds.add(e.version);
    } else {
      t.errors++;
      outcome = e.status;
    }
    t.byOutcome.set(outcome, (t.byOutcome.get(outcome) ?? 0) + 1);
    if (e.latencyMs !== undefined) t.latenciesMs.push(e.latencyMs);
  }
  return t;
}

/** Tally every identity's lines. */
export function tallyByIdentity(
  clients: Readonly<Record<string, readonly string[]>>,
  servers?: ReadonlyArray<Pick<ExpectServer, 'version' | 'id'>>,
): Record<string, Tally> {
  const out: Record<string, Tally> = {};
  for (const [identity, lines] of Object.entries(clients)) out[identity] = tallyLines(lines, servers);
  return out;
}
