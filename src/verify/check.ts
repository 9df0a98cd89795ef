/**
 * Decide each expectation of a scenario from tallied calls, with the exact binomial test.
 *
 * - An exact share (`v2: 0.1`) is tested two-sided at alpha (default {@link DEFAULT_ALPHA}); the verdict is "fail"
 *   when the p-value is below alpha, i.e. when the expected share lies outside the (1 − alpha)
 *   Clopper–Pearson interval of the observed share.
 * - A share of 0 or 1 is deterministic: a single miss fails.
 * - `atLeast` / `atMost` are one-sided tests of the bound.
 * - When the exact shares of a client add up to 1, any other outcome (an error nobody expected, a
 *   version that should get nothing) is a deterministic 0 check of its own.
 * - Each check needs enough calls: the planned n is the sample size at which a deviation of 10
 *   points is caught with power ≥ 0.99 (binomial.ts); fewer calls than planned is a failure, not a
 *   weak pass.
 */
import {
  ANY_ERROR,
  ANY_OK,
  ERROR_CODE_NAMES,
  expectationsFor,
  serverId,
  type Expect,
  type ExpectClient,
  type Mode,
  type ShareExpectation,
} from '../scenarios/expect.ts';
import { clopperPearson, exactTestPValue, requiredSampleSize, type Alternative, type Interval } from './binomial.ts';
import { countServerRequests } from './log-line.ts';
import { tallyByIdentity, type Tally } from './tally.ts';

/**
 * The false-fail rate of the whole statistical suite per run: a correct mesh fails a run of every
 * scenario of one mode (make demo, make e2e) at most this often. Deterministic checks (a share of 0
 * or 1) never fail by chance (one miss is a real misroute), so only the statistical ones count.
 */
export const SUITE_FALSE_FAIL_RATE = 0.01;
/**
 * How many statistical checks one mode's suite may hold. Bonferroni splits the suite's rate over
 * them, so adding scenarios does not raise it: a test (check.test.ts) fails when the shipped
 * scenarios outgrow the budget, and raising the budget lowers each check's alpha.
 */
export const SUITE_CHECK_BUDGET = 50;
/** Each check's alpha: SUITE_FALSE_FAIL_RATE / SUITE_CHECK_BUDGET (2e-4). */
export const DEFAULT_ALPHA = SUITE_FALSE_FAIL_RATE / SUITE_CHECK_BUDGET;

/** True when a check on this expectation can fail by chance (anything but a share of 0 or 1). */
export function isStatistical(spec: Pick<ShareExpectation, 'kind' | 'value'>): boolean {
  if (spec.kind === 'share') return spec.value > 0 && spec.value < 1;
  if (spec.kind === 'at-least') return spec.value > 0;
  return spec.value < 1;
}

/** The statistical checks a scenario makes in a mode (for the suite's false-fail budget). */
export function statisticalChecks(expect: Expect, mode: Mode): number {
  let n = 0;
  for (const client of expect.clients) {
    const specs: ShareExpectation[] = expectationsFor(client, mode).map(([, s]) => s);
    if (client.latency && (!client.latency.share.modes || client.latency.share.modes.includes(mode))) specs.push(client.latency.share);
    if (expect.mirror && expect.mirror.from === client.identity && (!expect.mirror.share.modes || expect.mirror.share.modes.includes(mode)))
      specs.push(expect.mirror.share);
    n += specs.filter(isStatistical).length;
  }
  return n;
}

export interface CheckOptions {
  alpha?: number;
  power?: number;
  /** The deviation the planned sample size must catch (absolute share). */
  delta?: number;
  /** Fail a check with fewer calls than planned (default true). */
  requirePlannedCalls?: boolean;
}

export interface Check {
  identity: string;
  /** What is counted: `v2`, `UNAVAILABLE`, `DEADLINE_EXCEEDED|UNAVAILABLE`, `latency>=300ms`, `mirrored to v2`, `other outcomes`. */
  outcome: string;
  kind: ShareExpectation['kind'];
  expected: number;
  /** Calls counted for this check, and how many had the outcome. */
  n: number;
  x: number;
  observed: number;
  /** (1 − alpha) Clopper–Pearson interval of the observed share. */
  interval: Interval;
  pValue: number;
  /** Calls needed for power ≥ 0.99 against a 10-point deviation. */
  plannedN: number;
  verdict: 'pass' | 'fail';
  reason: string;
}

export interface VerifyResult {
  mode: Mode;
  alpha: number;
  passed: boolean;
  checks: Check[];
  /** Counts per identity and outcome (for the chart). */
  counts: Record<string, Record<string, number>>;
  totals: Record<string, number>;
}

export function alternativeOf(kind: ShareExpectation['kind']): Alternative {
  return kind === 'share' ? 'two-sided' : kind;
}

/** Calls needed for one expectation (0 when the bound can never fail, e.g. atLeast 0). */
export function plannedSampleSize(spec: Pick<ShareExpectation, 'kind' | 'value'>, options: CheckOptions = {}): number {
  if (spec.kind === 'at-least' && spec.value <= 0) return 0;
  if (spec.kind === 'at-most' && spec.value >= 1) return 0;
  return requiredSampleSize(spec.value, {
    alpha: options.alpha ?? DEFAULT_ALPHA,
    power: options.power ?? 0.99,
    delta: options.delta ?? 0.1,
    alternative: alternativeOf(spec.kind),
  });
}

/** Calls a client must make in a mode so that every check on it has its power. */
export function plannedCalls(expect: Expect, client: ExpectClient, mode: Mode, options: CheckOptions = {}): number {
  const specs: ShareExpectation[] = expectationsFor(client, mode).map(([, s]) => s);
  if (client.latency && (!client.latency.share.modes || client.latency.share.modes.includes(mode))) specs.push(client.latency.share);
  if (expect.mirror && expect.mirror.from === client.identity) specs.push(expect.mirror.share);
  if (exactSharesCoverAll(client, mode)) specs.push({ kind: 'share', value: 0 });
  return Math.max(1, ...specs.map((s) => plannedSampleSize(s, options)));
}

function isAtomic(key: string): boolean {
  return !key.includes('|') && key !== ANY_OK && key !== ANY_ERROR;
}

function exactSharesCoverAll(client: ExpectClient, mode: Mode): boolean {
  const exact = expectationsFor(client, mode).filter(([k, s]) => s.kind === 'share' && isAtomic(k));
  return Math.abs(exact.reduce((a, [, s]) => a + s.value, 0) - 1) < 1e-9;
}

/** Count of an outcome key in a tally (`ok`, `error` and unions add up). */
export function countOf(key: string, tally: Tally): number {
  let x = 0;
  const parts = new Set(key.split('|'));
  for (const [outcome, count] of tally.byOutcome) {
    const isError = ERROR_CODE_NAMES.includes(outcome);
    if (parts.has(outcome) || (parts.has(ANY_ERROR) && isError) || (parts.has(ANY_OK) && !isError)) x += count;
  }
  return x;
}

function pct(x: number): string {
  return `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
}

/** Decide one share: x of n calls had the outcome; expected `spec`. */
export function checkShare(
  identity: string,
  outcome: string,
  spec: Pick<ShareExpectation, 'kind' | 'value'>,
  x: number,
  n: number,
  options: CheckOptions = {},
): Check {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const plannedN = plannedSampleSize(spec, options);
  const observed = n > 0 ? x / n : 0;
  const interval = clopperPearson(Math.min(x, n), n, alpha);
  const base = { identity, outcome, kind: spec.kind, expected: spec.value, n, x, observed, interval, plannedN };
  const bound = spec.kind === 'share' ? '' : spec.kind === 'at-least' ? 'at least ' : 'at most ';
  if (n === 0) {
    return { ...base, pValue: 1, verdict: plannedN === 0 ? 'pass' : 'fail', reason: plannedN === 0 ? 'nothing to check' : 'no calls were counted' };
  }
  const pValue = exactTestPValue(Math.min(x, n), n, spec.value, alternativeOf(spec.kind));
  const deterministic = spec.kind === 'share' && (spec.value === 0 || spec.value === 1);
  let failed: string | undefined;
  if (deterministic) {
    const misses = spec.value === 1 ? n - x : x;
    if (misses > 0) failed = `${misses} of ${n} calls ${spec.value === 1 ? 'missed' : 'had'} ${outcome}; the rules allow none`;
  } else if (pValue < alpha) {
    failed = `observed ${pct(observed)} (${x}/${n}) is not consistent with ${bound}${pct(spec.value)} (p = ${pValue.toExponential(2)} < ${alpha})`;
  }
  if (failed) return { ...base, pValue, verdict: 'fail', reason: failed };
  if ((options.requirePlannedCalls ?? true) && n < plannedN) {
    return { ...base, pValue, verdict: 'fail', reason: `only ${n} calls; ${plannedN} are needed to catch a 10-point deviation with power 0.99` };
  }
  const why = deterministic
    ? `all ${n} calls as expected`
    : `observed ${pct(observed)} is consistent with ${bound}${pct(spec.value)} (p = ${pValue < 0.001 ? pValue.toExponential(2) : pValue.toFixed(3)})`;
  return { ...base, pValue, verdict: 'pass', reason: why };
}

export interface VerifyInput {
  /** Client log lines per identity. */
  clients: Readonly<Record<string, readonly string[]>>;
  /** Server log lines per version (needed for mirror checks). */
  servers?: Readonly<Record<string, readonly string[]>>;
}

/** Every check of a scenario's expectation in one mode, from the collected log lines. */
export function verifyLogs(expect: Expect, logs: VerifyInput, mode: Mode, options: CheckOptions = {}): VerifyResult {
  const tallies = tallyByIdentity(logs.clients, expect.servers);
  return verifyTallies(expect, tallies, mode, options, (version) => {
    const server = expect.servers.find((s) => s.version === version);
    const lines = logs.servers?.[version];
    if (!server || !lines) return undefined;
    return countServerRequests(lines, serverId(server));
  });
}

/** Every check from tallies; `serverCount(version)` gives the requests in a server's log (mirror). */
export function verifyTallies(
  expect: Expect,
  tallies: Readonly<Record<string, Tally>>,
  mode: Mode,
  options: CheckOptions = {},
  serverCount: (version: string) => number | undefined = () => undefined,
): VerifyResult {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const checks: Check[] = [];
  const counts: Record<string, Record<string, number>> = {};
  const totals: Record<string, number> = {};
  for (const client of expect.clients) {
    const id = client.identity;
    const t = tallies[id];
    if (!t) {
      checks.push({ ...checkShare(id, 'calls', { kind: 'share', value: 1 }, 0, 0, options), reason: `no log lines for client ${id}`, verdict: 'fail' });
      continue;
    }
    counts[id] = Object.fromEntries(t.byOutcome);
    totals[id] = t.total;
    const specs = expectationsFor(client, mode);
    for (const [key, spec] of specs) checks.push(checkShare(id, key, spec, countOf(key, t), t.total, options));
    if (exactSharesCoverAll(client, mode)) {
      const named = new Set(specs.map(([k]) => k));
      const others = [...t.byOutcome].filter(([o]) => !named.has(o));
      const x = others.reduce((a, [, c]) => a + c, 0);
      const c = checkShare(id, 'other outcomes', { kind: 'share', value: 0 }, x, t.total, options);
      if (x > 0) c.reason = `unexpected: ${others.map(([o, n]) => `${o} ×${n}`).join(', ')}`;
      checks.push(c);
    }
    if (client.latency && (!client.latency.share.modes || client.latency.share.modes.includes(mode))) {
      const ms = client.latency.atLeastMs;
      const slow = t.latenciesMs.filter((l) => l >= ms).length;
      const c = checkShare(id, `latency>=${ms}ms`, client.latency.share, slow, t.latenciesMs.length, options);
      if (t.latenciesMs.length === 0) c.reason = 'no log line carries a latency';
      else if (c.verdict === 'fail') c.reason += `; ${latencyBands(t.latenciesMs, ms)}`;
      checks.push(c);
    }
    if (expect.mirror && expect.mirror.from === id && (!expect.mirror.share.modes || expect.mirror.share.modes.includes(mode))) {
      const seen = serverCount(expect.mirror.to);
      const outcome = `mirrored to ${expect.mirror.to}`;
      if (seen === undefined) {
        checks.push({ ...checkShare(id, outcome, expect.mirror.share, 0, 0, options), verdict: 'fail', reason: `no server log for ${expect.mirror.to}` });
      } else {
        const c = checkShare(id, outcome, expect.mirror.share, Math.min(seen, t.total), t.total, options);
        if (seen > t.total) c.reason += ` (${seen} requests in the log for ${t.total} calls: counted as ${t.total})`;
        checks.push(c);
      }
    }
  }
  return { mode, alpha, passed: checks.every((c) => c.verdict === 'pass'), checks, counts, totals };
}

/**
 * Where the latencies of a failed latency check lie, in three bands around the threshold: a delay
 * fault splits calls into a fast mode and a mode at or above the threshold, so calls in the middle
 * band are undelayed calls a slow machine held (they count as delayed once past the threshold).
 */
export function latencyBands(latenciesMs: readonly number[], thresholdMs: number): string {
  const half = thresholdMs / 2;
  const fast = latenciesMs.filter((l) => l < half).length;
  const middle = latenciesMs.filter((l) => l >= half && l < thresholdMs).length;
  const slow = latenciesMs.length - fast - middle;
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return (
    `latencies: ${fast} under ${half} ms, ${middle} from ${half} to ${thresholdMs} ms, ${slow} at ${thresholdMs} ms or more ` +
    `(p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${sorted[sorted.length - 1]} ms)`
  );
}
