// Read `kubectl logs --prefix --timestamps` output back into log lines per pod, keeping only what
// was written at or after a given instant. The API server's sinceTime has one-second precision, so
// kubectl returns up to a second too much; the runtime's RFC 3339 nano timestamp is exact.

export interface KubectlLogLine {
  /** `greeter-client-admin-v1-7c9d8f6b5d-k2x4p` */
  readonly pod: string;
  readonly container: string;
  /** The container runtime's timestamp of the line. */
  readonly time: Date;
  /** What the app wrote. */
  readonly text: string;
}

// [pod/<name>/<container>] <RFC 3339 nano> <text>
const LINE = /^\[pod\/([^/\]]+)\/([^\]]+)\] (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?(.*)$/;

/** RFC 3339 with up to nanoseconds → Date (milliseconds kept; JavaScript has no finer time). */
export function parseRfc3339(text: string): Date {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) throw new Error(`not an RFC 3339 time: ${text}`);
  const millis = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  return new Date(`${m[1]}.${millis}${m[3]}`);
}

/**
 * `kubectl logs --since-time` value: the instant floored to the second, so no line is lost to the
 * API's second precision (the extra lines are dropped by `filterSince`).
 */
export function sinceTimeArg(since: Date): string {
  return new Date(Math.floor(since.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface ParsedKubectlLogs {
  readonly lines: KubectlLogLine[];
  /** Lines that did not have the --prefix --timestamps shape (kubectl warnings, wrapped text). */
  readonly unparsed: string[];
}

export function parseKubectlLogs(output: string): ParsedKubectlLogs {
  const lines: KubectlLogLine[] = [];
  const unparsed: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) {
      unparsed.push(line);
      continue;
    }
    lines.push({ pod: m[1]!, container: m[2]!, time: parseRfc3339(m[3]!), text: m[4]! });
  }
  return { lines, unparsed };
}

/** Lines written at or after `since` (and before `until`, when given), in time order. */
export function filterSince(lines: readonly KubectlLogLine[], since: Date, until?: Date): KubectlLogLine[] {
  return lines
    .filter((l) => l.time.getTime() >= since.getTime() && (until === undefined || l.time.getTime() < until.getTime()))
    .sort((a, b) => a.time.getTime() - b.time.getTime());
}

/** The app's text of each line since `since`: what the verification parser reads. */
export function linesSince(output: string, since: Date, until?: Date): string[] {
  return filterSince(parseKubectlLogs(output).lines, since, until).map((l) => l.text);
}
