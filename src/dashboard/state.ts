// What the mesh dashboard shows, as one JSON document: the scenario in force (name, description,
// YAML), each client's expected and observed split since that scenario took effect, its error
// codes, a per-second timeline of the split with the rule changes on it, and the last verdict.
// Built from the same sources as the prompt's `status` and `verify` (the clients' log lines and
// PlaySession), so the page and the terminal never disagree.
//
// Every string in it may be hostile (scenario files, header values, what servers answer): the
// page renders them as text only (src/dashboard/page/dashboard.js).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { ClientStatus, PlayVerdict, SwitchResult } from '../cli/play-session.ts';
import type { GateResult } from '../promote/gates.ts';
import type { VerifyResult } from '../verify/check.ts';
import { ERROR_CODE_NAMES, expectationsFor, type ShareExpectation } from '../scenarios/expect.ts';
import type { Scenario } from '../scenarios/load.ts';
import { shareOfKey } from '../scenarios/shares.ts';
import type { Check } from '../verify/check.ts';
import { parseClientLine } from '../verify/log-line.ts';
import { versionResolver, type Tally } from '../verify/tally.ts';
import { callStart } from '../verify/window.ts';

export interface SplitRow {
  /** An outcome key: a version (`v2`), a gRPC code name, `ok`, `error` or a union (`a|b`). */
  outcome: string;
  /** Undefined for an outcome the scenario's expectation does not name. */
  expected?: ShareExpectation;
  observed: number;
  count: number;
}

export interface ClientView {
  identity: string;
  headers: Record<string, string>;
  running: boolean;
  /** Why it stopped (its last log lines), when it is not running. */
  tail?: string;
  /** Calls counted since the scenario took effect. */
  total: number;
  split: SplitRow[];
  /** Failed calls since the scenario took effect, by gRPC code name. */
  errors: Array<{ code: string; count: number }>;
}

export interface TimelineView {
  /** Width of one point, ms. */
  bucketMs: number;
  /** Start time (ms since epoch) of each point. */
  times: number[];
  /** Per client: the share (0..1) of each outcome in each point; null where the client made no call. */
  clients: Array<{ identity: string; series: Array<{ outcome: string; shares: Array<number | null> }> }>;
  /** Scenario switches inside the window. */
  switches: Array<{ at: number; name: string }>;
}

export interface VerdictView {
  scenario: string;
  at: number;
  passed: boolean;
  alpha: number;
  checks: Array<Pick<Check, 'identity' | 'outcome' | 'kind' | 'expected' | 'n' | 'x' | 'observed' | 'interval' | 'pValue' | 'plannedN' | 'verdict' | 'reason'>>;
}

/** One step of a promotion as the page shows it: the weight, its calls, and each gate's evidence. */
export interface PromotionStepView {
  index: number;
  weight: number;
  calls: number;
  ms: number;
  /** Each gate's decision and evidence, as the terminal's table shows them. */
  gates: GateResult[];
}

/** A `canarykit promote` run (src/promote/live.ts), live: where it is and the evidence so far. */
export interface PromotionView {
  scenario: string;
  driver: 'local' | 'kind';
  /** v2's weights, percent, in order (the last is 100). */
  schedule: number[];
  /** Overall level of the promotion's tests. */
  alpha: number;
  state: 'starting' | 'running' | 'promoted' | 'rolled-back' | 'interrupted' | 'refused' | 'failed';
  /** The step in force: its index (0 is 0% v2), weight and folder (plain Istio YAML). */
  inForce: { index: number; weight: number; dir: string } | null;
  /** The step gathering calls now, with its calls so far and the calls its gates need. */
  gathering: { index: number; weight: number; calls: number; planned: number } | null;
  /** Every step decided so far, oldest first. */
  steps: PromotionStepView[];
  /** How it ended; null while it runs. */
  result: null | { result: string; finalWeight: number; reason?: string; gate?: string; failedWeight?: number; totalCalls: number; ms: number };
}

/**
 * What the dashboard reads and acts on: a `play` session (src/cli/play-session.ts), or a
 * promotion (src/promote/live.ts), whose routing belongs to the promotion and refuses switches.
 */
export interface DashboardSource {
  readonly current: Scenario | undefined;
  /** When the routing of `current` took effect. */
  readonly since: Date;
  readonly catalogue: { runnable: Scenario[]; clusterOnly: string[] };
  /** Every routing change so far and when (the timeline marks them). */
  readonly history: ReadonlyArray<{ name: string; at: Date }>;
  readonly lastVerdict: PlayVerdict | undefined;
  readonly verifying: string | undefined;
  /** The clients calling now, with their log lines (one process each). */
  activeClients(): ReadonlyArray<{ identity: string; pid: number | undefined; lines: readonly string[] }>;
  /** Each client's calls since `since`, tallied. */
  status(): ClientStatus[];
  switchTo(name: string): Promise<SwitchResult>;
  verify(): Promise<VerifyResult | undefined>;
  onChange(listener: (event: 'switch' | 'verify') => void): () => void;
  /** The promotion in progress or ended, when the source runs one. */
  promotion?(): PromotionView | undefined;
  /** Set when switch and verify are refused, saying why (a promotion owns the routing). */
  readonly locked?: string;
}

export interface DashboardState {
  /** The scenario in force; null before the first switch. */
  scenario: null | {
    name: string;
    description: string;
    notes?: string;
    since: number;
    /** The scenario's files as applied, paths relative to its folder (Istio YAML, then expect/expect.yaml). */
    files: Array<{ path: string; text: string }>;
  };
  scenarios: Array<{ name: string; summary: string }>;
  clusterOnly: string[];
  clients: ClientView[];
  timeline: TimelineView;
  verdict: VerdictView | null;
  /** The scenario whose calls a verify is collecting, or null. */
  verifying: string | null;
  /** A promotion's steps and gates, when the dashboard shows one (canarykit promote --dashboard). */
  promotion: PromotionView | null;
  /** Why switch and verify are refused (a promotion or an e2e run owns the routing), or null. */
  locked: string | null;
}

/** The split rows of a client: each expected key with its observed share, then every other outcome seen. */
export function splitRows(expected: ReadonlyArray<[string, ShareExpectation]>, tally: Pick<Tally, 'total' | 'byOutcome'>): SplitRow[] {
  const total = tally.total;
  const shares = new Map([...tally.byOutcome].map(([k, n]) => [k, total > 0 ? n / total : 0]));
  const versions = new Set([...tally.byOutcome.keys()].filter((k) => !ERROR_CODE_NAMES.includes(k)));
  const rows: SplitRow[] = expected.map(([outcome, spec]) => {
    const observed = shareOfKey(outcome, shares, versions);
    return { outcome, expected: spec, observed, count: Math.round(observed * total) };
  });
  const named = new Set(expected.flatMap(([k]) => k.split('|')));
  const anyOk = named.has('ok');
  const anyError = named.has('error');
  for (const [outcome, count] of [...tally.byOutcome].sort(([a], [b]) => a.localeCompare(b))) {
    const isError = ERROR_CODE_NAMES.includes(outcome);
    if (named.has(outcome) || (isError ? anyError : anyOk)) continue;
    rows.push({ outcome, observed: count / Math.max(1, total), count });
  }
  return rows;
}

/** Empty points drawn before the first call or switch of a run younger than the window. */
const LEAD_BUCKETS = 5;

/**
 * Per-second counts of each client process's outcomes, read incrementally from its log lines
 * (each call is placed at the second it started, so a rule change shows as a step at the switch),
 * keeping the last `windowMs`.
 */
export class Timeline {
  readonly bucketMs: number;
  readonly windowMs: number;
  #clients = new Map<string, { read: number; first: string | undefined; buckets: Map<number, Map<string, number>> }>();

  constructor(opts: { bucketMs?: number; windowMs?: number } = {}) {
    this.bucketMs = opts.bucketMs ?? 1000;
    this.windowMs = opts.windowMs ?? 3 * 60_000;
  }

  /** Reads the lines of `key` (one client process) not read yet. */
  add(key: string, lines: readonly string[], resolve: (id: string) => { version: string }): void {
    let entry = this.#clients.get(key);
    if (!entry) this.#clients.set(key, (entry = { read: 0, first: undefined, buckets: new Map() }));
    // A log cleared since the last read (promote forgets each step's lines; a cleanup does too) has
    // another first line, or fewer lines: read it from its start. The seconds counted stay: those
    // calls happened.
    if (lines.length < entry.read || (entry.read > 0 && lines[0] !== entry.first)) entry.read = 0;
    entry.first = lines[0];
    for (let i = entry.read; i < lines.length; i++) {
      const text = lines[i]!;
      const event = parseClientLine(text);
      if (!event) continue;
      const start = callStart(text);
      if (start === undefined) continue;
      const outcome = event.kind === 'response' ? resolve(event.version).version : event.status;
      const at = Math.floor(start / this.bucketMs) * this.bucketMs;
      let bucket = entry.buckets.get(at);
      if (!bucket) entry.buckets.set(at, (bucket = new Map()));
      bucket.set(outcome, (bucket.get(outcome) ?? 0) + 1);
    }
    entry.read = lines.length;
  }

  /** The window ending at `now` for these clients (identity → process key). */
  view(clients: ReadonlyArray<{ identity: string; key: string }>, now: number, switches: ReadonlyArray<{ at: number; name: string }>): TimelineView {
    const last = Math.floor(now / this.bucketMs) * this.bucketMs;
    const windowStart = last - this.windowMs + this.bucketMs;
    for (const entry of this.#clients.values()) for (const at of entry.buckets.keys()) if (at < windowStart) entry.buckets.delete(at);
    // A run younger than the window (a promotion of 20 s, play's first minutes) is drawn from a
    // little before its first call or switch, not squeezed into the window's right edge.
    let earliest = last;
    for (const { key } of clients) for (const at of this.#clients.get(key)?.buckets.keys() ?? []) earliest = Math.min(earliest, at);
    for (const s of switches) if (s.at >= windowStart) earliest = Math.min(earliest, Math.floor(s.at / this.bucketMs) * this.bucketMs);
    const first = Math.max(windowStart, earliest - LEAD_BUCKETS * this.bucketMs);
    const times: number[] = [];
    for (let t = first; t <= last; t += this.bucketMs) times.push(t);
    return {
      bucketMs: this.bucketMs,
      times,
      switches: switches.filter((s) => s.at >= windowStart),
      clients: clients.map(({ identity, key }) => {
        const buckets = this.#clients.get(key)?.buckets ?? new Map<number, Map<string, number>>();
        const outcomes = new Set<string>();
        for (const b of buckets.values()) for (const o of b.keys()) outcomes.add(o);
        const totals = times.map((t) => [...(buckets.get(t)?.values() ?? [])].reduce((a, n) => a + n, 0));
        return {
          identity,
          series: [...outcomes].sort().map((outcome) => ({
            outcome,
            shares: times.map((t, i) => (totals[i]! > 0 ? (buckets.get(t)?.get(outcome) ?? 0) / totals[i]! : null)),
          })),
        };
      }),
    };
  }
}

/** Reads the scenario's files once per switch: the page shows what was applied. */
export function scenarioFiles(scenario: Scenario): Array<{ path: string; text: string }> {
  return [...scenario.files, scenario.expectFile].map((file) => ({ path: relative(scenario.dir, file), text: readFileSync(file, 'utf8') }));
}

/** Builds the dashboard's state from a play session or a promotion. Keeps the timeline and the files between calls. */
export class DashboardModel {
  readonly #session: DashboardSource;
  readonly #timeline: Timeline;
  #files: { scenario: Scenario; files: Array<{ path: string; text: string }> } | undefined;

  constructor(session: DashboardSource, timeline = new Timeline()) {
    this.#session = session;
    this.#timeline = timeline;
  }

  state(now = Date.now()): DashboardState {
    const session = this.#session;
    const current = session.current;
    const catalogue = session.catalogue;
    const active = session.activeClients();
    const resolve = versionResolver(current?.expect.servers);
    for (const c of active) this.#timeline.add(processKey(c), c.lines, resolve);
    if (current && this.#files?.scenario !== current) {
      let files: Array<{ path: string; text: string }>;
      try {
        files = scenarioFiles(current);
      } catch (err) {
        files = [{ path: '(unreadable)', text: `the files changed since the apply: ${(err as Error).message}` }];
      }
      this.#files = { scenario: current, files };
    }
    const statuses = new Map(session.status().map((s) => [s.identity, s]));
    const clients: ClientView[] = current
      ? current.expect.clients
          .filter((c) => statuses.has(c.identity))
          .map((c) => {
            const s = statuses.get(c.identity)!;
            return {
              identity: c.identity,
              headers: { ...c.headers },
              running: s.running,
              ...(s.tail ? { tail: s.tail } : {}),
              total: s.tally.total,
              split: splitRows(expectationsFor(c, 'local'), s.tally),
              errors: [...s.tally.byOutcome]
                .filter(([k]) => ERROR_CODE_NAMES.includes(k))
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([code, count]) => ({ code, count })),
            };
          })
      : [];
    const verdict = session.lastVerdict;
    return {
      scenario: current
        ? {
            name: current.name,
            description: current.description,
            ...(current.expect.notes ? { notes: current.expect.notes } : {}),
            since: session.since.getTime(),
            files: this.#files?.files ?? [],
          }
        : null,
      scenarios: catalogue.runnable.map((s) => ({ name: s.name, summary: s.description.trim().split('\n')[0] ?? '' })),
      clusterOnly: catalogue.clusterOnly,
      clients,
      timeline: this.#timeline.view(
        active.map((c) => ({ identity: c.identity, key: processKey(c) })),
        now,
        session.history.map((h) => ({ at: h.at.getTime(), name: h.name })),
      ),
      verdict: verdict
        ? {
            scenario: verdict.scenario,
            at: verdict.at.getTime(),
            passed: verdict.result.passed,
            alpha: verdict.result.alpha,
            checks: verdict.result.checks.map(({ identity, outcome, kind, expected, n, x, observed, interval, pValue, plannedN, verdict: v, reason }) => ({
              identity,
              outcome,
              kind,
              expected,
              n,
              x,
              observed,
              interval,
              pValue,
              plannedN,
              verdict: v,
              reason,
            })),
          }
        : null,
      verifying: session.verifying ?? null,
      promotion: session.promotion?.() ?? null,
      locked: session.locked ?? null,
    };
  }
}

/** One client process (a restarted or differently configured client of the same identity is another). */
function processKey(c: { identity: string; pid: number | undefined }): string {
  return `${c.identity}#${c.pid ?? 'none'}`;
}
