import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { piiKeyNames } from '../events/catalogue';

const REDACTED = '[redacted]';
/** Keys that hold personal data in any event, plus the obvious ones a caller might log by hand. */
const PII_KEYS = new Set([...piiKeyNames(), 'phone', 'mobile', 'email', 'address', 'contactPerson', 'authorization', 'token']);

/** Deep copy with personal data replaced, so no log line carries a phone, an email or an address. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = PII_KEYS.has(k) && v != null ? REDACTED : redact(v, depth + 1);
  return out;
}

/** How log lines are written: JSON for machines (a pipe, a file, a container), pretty for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT (`json`, `pretty`, or `auto`: pretty only when stdout is a terminal). */
export function logFormat(setting: string | undefined, stdoutIsTty: boolean): LogFormat {
  if (setting === 'json' || setting === 'pretty') return setting;
  return stdoutIsTty ? 'pretty' : 'json';
}

export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream; format?: LogFormat } = {}): Logger {
  const format = options.format ?? (options.destination ? 'json' : logFormat(process.env.LOG_FORMAT, Boolean(process.stdout.isTTY)));
  // pino-pretty reads the lines pino wrote, after `formatters.log` redacted them: what reaches the terminal is redacted too.
  const destination =
    format === 'pretty'
      ? pretty({ destination: options.destination ?? 1, sync: true, colorize: Boolean(process.stdout.isTTY) && !options.destination, ignore: 'pid,hostname', translateTime: 'SYS:standard' })
      : options.destination;
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      name: options.name,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => redact(obj) as Record<string, unknown> },
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: REDACTED },
    },
    destination,
  );
}
