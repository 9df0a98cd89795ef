// One log line per event, in the text shape of the Dubbo-go seed (`<time> INFO <message> key:"value"`)
// or as JSON lines. Lines are written synchronously so a crash or SIGKILL loses none.
import { writeSync } from 'node:fs';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function formatLine(format: LogFormat, level: LogLevel, msg: string, fields: LogFields = {}, now = new Date()): string {
  const time = now.toISOString();
  if (format === 'json') {
    return JSON.stringify({ time, level, msg, ...fields });
  }
  let line = `${time} ${level.toUpperCase()} ${msg}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    line += typeof value === 'string' ? ` ${key}:${JSON.stringify(value)}` : ` ${key}:${value}`;
  }
  return line;
}

export function createLogger(format: LogFormat, fd = 1): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    writeSync(fd, formatLine(format, level, msg, fields) + '\n');
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
