/**
 * Which of a client's log lines a verdict may count. Lines come in completion order, so "the
 * first N lines since the apply" over-counts fast outcomes: slow calls (timeouts, delays) are
 * still in flight when the fast ones are already logged. canarykit clients number their calls in
 * issue order (`seq`), so the window is a range of seq, taken only once every call in it is
 * logged: membership depends on when a call was issued, never on how it ended.
 */
import { parseClientLine } from './log-line.ts';

const LINE_TIME = /^(?:\[[^\]]*\] )?(\d{4}-\d\d-\d\dT[\d:.]+Z)|"time":"([^"]+)"/;

/** When the call behind a client log line started: its log time minus its latency. */
export function callStart(text: string): number | undefined {
  const t = LINE_TIME.exec(text);
  if (!t) return undefined;
  const at = Date.parse(t[1] ?? t[2]!);
  if (Number.isNaN(at)) return undefined;
  const event = parseClientLine(text);
  return at - (event?.latencyMs ?? 0);
}

export interface CallWindow {
  /** The lines to count, in log order. */
  lines: string[];
  /** First and last seq of the window (undefined when the lines carry no seq). */
  fromSeq?: number;
  toSeq?: number;
}

/**
 * The calls issued after `since` (ms since epoch) whose outcome is known: from the first seq that
 * started at or after `since` up to the last seq before the first gap (a call still in flight).
 * Lines without seq (other clients' logs) fall back to "started at or after `since`".
 */
export function callWindow(lines: readonly string[], since: number): CallWindow {
  const calls: Array<{ text: string; seq?: number; start?: number }> = [];
  for (const text of lines) {
    const event = parseClientLine(text);
    if (!event) continue;
    calls.push({ text, ...(event.seq !== undefined ? { seq: event.seq } : {}), ...withStart(text) });
  }
  const numbered = calls.filter((c) => c.seq !== undefined);
  if (numbered.length === 0 || numbered.length < calls.length) {
    return { lines: calls.filter((c) => (c.start ?? -Infinity) >= since).map((c) => c.text) };
  }
  const after = numbered.filter((c) => (c.start ?? -Infinity) >= since);
  if (after.length === 0) return { lines: [] };
  const fromSeq = Math.min(...after.map((c) => c.seq!));
  const logged = new Set(numbered.map((c) => c.seq!));
  let toSeq = fromSeq - 1;
  while (logged.has(toSeq + 1)) toSeq++;
  return { lines: numbered.filter((c) => c.seq! >= fromSeq && c.seq! <= toSeq).map((c) => c.text), fromSeq, toSeq };
}

function withStart(text: string): { start?: number } {
  const start = callStart(text);
  return start === undefined ? {} : { start };
}
