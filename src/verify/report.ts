/**
 * Show a verification result: a table (one row per check) and a bar chart of the observed split per
 * client, in unicode blocks; colours only when writing to a terminal. `toJson` is the machine form
 * behind `--json`.
 */
import type { Check, VerifyResult } from './check.ts';

export interface ReportOptions {
  /** ANSI colours; default: off (use `useColor(process.stdout)`). */
  color?: boolean;
  /** Width of a full bar in characters. */
  barWidth?: number;
  /** Title line, e.g. the scenario name. */
  title?: string;
}

/** Colours when the stream is a terminal and NO_COLOR is not set (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(stream.isTTY) && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

const ANSI = { red: '\x1b[31m', green: '\x1b[32m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' } as const;

function paint(on: boolean, code: keyof typeof ANSI, s: string): string {
  return on ? `${ANSI[code]}${s}${ANSI.reset}` : s;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function expectedText(c: Check): string {
  const v = pct(c.expected);
  return c.kind === 'share' ? v : c.kind === 'at-least' ? `≥ ${v}` : `≤ ${v}`;
}

function pText(p: number): string {
  if (p >= 0.001) return p.toFixed(3);
  if (p === 0) return '0';
  return p.toExponential(1);
}

/** A bar of `width` cells for a share in [0, 1], with eighth-block precision. */
export function bar(share: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  const partial = rest > 0 ? '▏▎▍▌▋▊▉'[rest - 1]! : '';
  return ('█'.repeat(full) + partial).padEnd(width, ' ');
}

function table(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => visibleLength(r[i]!))));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - visibleLength(cell));
        return rightAligned.has(i) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** The human report: verdict line, table of checks, bar chart per client. */
export function formatReport(result: VerifyResult, options: ReportOptions = {}): string {
  const color = options.color ?? false;
  const width = options.barWidth ?? 40;
  // 99.99% for alpha 1e-4: as many digits as alpha has (toFixed(1) would round it to 100.0%).
  const conf = `${Number(((1 - result.alpha) * 100).toPrecision(8))}% interval`;
  const lines: string[] = [];
  const failed = result.checks.filter((c) => c.verdict === 'fail').length;
  const head = result.passed ? paint(color, 'green', 'PASS') : paint(color, 'red', 'FAIL');
  lines.push(
    `${head} ${options.title ? `${options.title} ` : ''}(${result.mode}, alpha ${result.alpha}): ${result.checks.length - failed}/${result.checks.length} checks passed`,
  );
  lines.push('');
  const rows: string[][] = [['client', 'outcome', 'expected', 'observed', 'n', 'planned', conf, 'p', 'verdict']];
  for (const c of result.checks) {
    rows.push([
      c.identity,
      c.outcome,
      expectedText(c),
      c.n > 0 ? pct(c.observed) : '-',
      String(c.n),
      String(c.plannedN),
      c.n > 0 ? `${pct(c.interval.lower)} – ${pct(c.interval.upper)}` : '-',
      c.n > 0 ? pText(c.pValue) : '-',
      c.verdict === 'pass' ? paint(color, 'green', 'pass') : paint(color, 'red', 'FAIL'),
    ]);
  }
  lines.push(...table(rows, new Set([3, 4, 5, 7])));
  const failures = result.checks.filter((c) => c.verdict === 'fail');
  if (failures.length > 0) {
    lines.push('');
    for (const c of failures) lines.push(`${paint(color, 'red', '✗')} ${c.identity} ${c.outcome}: ${c.reason}`);
  }
  for (const [identity, counts] of Object.entries(result.counts)) {
    const total = result.totals[identity] ?? 0;
    lines.push('');
    lines.push(paint(color, 'bold', `${identity} (${total} calls)`));
    const expected = new Map(result.checks.filter((c) => c.identity === identity && c.kind === 'share').map((c) => [c.outcome, c.expected]));
    const outcomes = [
      ...new Set([...Object.keys(counts), ...[...expected.keys()].filter((k) => !k.includes('|') && !k.includes(' ') && !k.startsWith('latency'))]),
    ].sort();
    const nameWidth = Math.max(...outcomes.map((o) => o.length), 1);
    for (const o of outcomes) {
      const share = total > 0 ? (counts[o] ?? 0) / total : 0;
      const exp = expected.get(o);
      const isError = /^[A-Z_]+$/.test(o);
      const b = paint(color, isError ? 'red' : 'green', bar(share, width));
      lines.push(`  ${o.padEnd(nameWidth)} ${b} ${pct(share).padStart(6)}${exp !== undefined ? paint(color, 'dim', `  (expected ${pct(exp)})`) : ''}`);
    }
  }
  return lines.join('\n');
}

/** The machine form (`--json`): plain data, numbers unrounded. */
export function toJson(result: VerifyResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    mode: result.mode,
    alpha: result.alpha,
    passed: result.passed,
    checks: result.checks.map((c) => ({
      identity: c.identity,
      outcome: c.outcome,
      kind: c.kind,
      expected: c.expected,
      n: c.n,
      x: c.x,
      observed: c.observed,
      interval: [c.interval.lower, c.interval.upper],
      pValue: c.pValue,
      plannedN: c.plannedN,
      verdict: c.verdict,
      reason: c.reason,
    })),
    counts: result.counts,
    totals: result.totals,
  };
}

/** What src/driver's runScenario expects back from a verify step. */
export function toVerifyOutcome(result: VerifyResult, options: ReportOptions = {}): { passed: boolean; report: string } {
  return { passed: result.passed, report: formatReport(result, options) };
}
