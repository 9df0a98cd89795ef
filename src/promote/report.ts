/**
 * A promotion's report: one evidence table (a row per gate per step, as `demo` prints checks)
 * and the outcome with the weight in force. `promotionJson` is the machine form.
 */
import type { PromoteConfig } from './config.ts';
import { GATES } from './gates.ts';
import type { PromotionResult } from './promote.ts';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

function pText(p: number): string {
  if (p >= 0.001) return p.toFixed(3);
  return p === 0 ? '0' : p.toExponential(1);
}

export function formatPromotion(name: string, result: PromotionResult, config: PromoteConfig): string {
  const lines: string[] = [];
  const rows: string[][] = [['step', 'v2', 'gate', 'v1', 'v2 observed', 'bound', 'n', 'planned', 'p', 'alpha', 'power', 'verdict']];
  for (const s of result.steps) {
    if (s.gates.length === 0) {
      rows.push([String(s.index), `${s.weight}%`, '-', '-', '-', 'the last step: no v1 left to compare with', '-', '-', '-', '-', '-', 'in force']);
      continue;
    }
    for (const g of s.gates) {
      rows.push([
        String(s.index),
        `${s.weight}%`,
        g.gate,
        g.v1,
        g.v2,
        g.bound,
        String(g.n),
        String(g.planned),
        pText(g.pValue),
        g.alpha.toPrecision(2),
        g.power.toFixed(3),
        g.verdict === 'pass' ? 'pass' : 'FAIL',
      ]);
    }
    for (const gate of GATES.filter((name) => !s.gates.some((g) => g.gate === name))) {
      rows.push([String(s.index), `${s.weight}%`, gate, '-', '-', 'not decided: the step stopped at the first failing gate', '-', '-', '-', '-', '-', '-']);
    }
  }
  const head =
    result.result === 'promoted' ? 'PROMOTED' : result.result === 'rolled-back' ? 'ROLLED BACK' : result.result === 'interrupted' ? 'INTERRUPTED' : 'REFUSED';
  lines.push(`${head} ${name}: schedule ${config.schedule.join(' → ')}% v2, alpha ${config.alpha} over the promotion, power ${config.power} per gate`);
  lines.push('');
  if (rows.length > 1) lines.push(...table(rows), '');
  for (const s of result.steps)
    for (const g of s.gates.filter((x) => x.verdict === 'fail')) lines.push(`✗ step ${s.index} (${s.weight}% v2) ${g.gate}: ${g.reason}`);
  if (result.reason) lines.push(result.reason);
  const weight = Number.isNaN(result.finalWeight) ? 'unchanged (nothing was applied)' : `${result.finalWeight}% v2, ${100 - result.finalWeight}% v1`;
  lines.push(`routing in force: ${weight}${result.finalStep ? ` (kubectl apply -f ${result.finalStep})` : ''}`);
  lines.push(`${result.totalCalls} calls in ${(result.ms / 1000).toFixed(1)} s`);
  if (result.diagnostics) lines.push('', '--- diagnostics ---', result.diagnostics);
  return lines.join('\n');
}

export function promotionJson(name: string, result: PromotionResult, config: PromoteConfig): Record<string, unknown> {
  return {
    scenario: name,
    result: result.result,
    finalWeight: Number.isNaN(result.finalWeight) ? null : result.finalWeight,
    finalStep: result.finalStep ?? null,
    reason: result.reason ?? null,
    gate: result.gate ?? null,
    failedWeight: result.failedWeight ?? null,
    totalCalls: result.totalCalls,
    ms: result.ms,
    config,
    steps: result.steps.map((s) => ({ index: s.index, weight: s.weight, calls: s.calls, ms: s.ms, plan: s.plan ?? null, gates: s.gates })),
  };
}
