import pino, { type Logger } from 'pino';
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

export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      name: options.name,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => redact(obj) as Record<string, unknown> },
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: REDACTED },
    },
    options.destination,
  );
}
