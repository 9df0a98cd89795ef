/** One benchmark result: a measurement, the baseline measured in the same run, and their ratio. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  baselineName: string;
  /** value / baseline, oriented so that higher is better for throughput and lower for times. */
  ratio: number;
  /** Human statement of the target, e.g. "ratio >= 0.9". */
  target: string;
  pass: boolean;
  details?: string;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
