import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { piiKeyNames } from '../events/catalogue';
import { maskFreeText } from '../domain/pii';

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

/** How a log level reads on the console of `npm start`. */
const LEVEL_WORDS: ReadonlyArray<[number, string]> = [
  [60, '严重'],
  [50, '错误'],
  [40, '警告'],
  [30, '信息'],
  [20, '调试'],
  [0, '跟踪'],
];
const LEVEL_NUMBERS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, warning: 40, error: 50, dpanic: 60, panic: 60, fatal: 60 };

/** Pino's numeric level, or a named one (`ERROR`, `warn`: the Temporal server's), as a number; undefined when neither. */
function levelNumber(level: unknown): number | undefined {
  if (typeof level === 'number') return level;
  if (typeof level === 'string') return LEVEL_NUMBERS[level.toLowerCase()];
  return undefined;
}

/** Landlines with an area code (`010-62345678`), which the free-text masking of ledgers leaves alone. */
const LANDLINE = /(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)/g;

/**
 * Free text with any e-mail address, mobile, ID-card or landline number in it masked (the console never shows personal
 * data): the ledgers' free-text masking (maskFreeText), plus landlines.
 */
export function maskPersonalText(text: string): string {
  return maskFreeText(text).replace(LANDLINE, REDACTED);
}

/** Details worth a glance on the console, in this order; everything else stays in the log file. */
const CONSOLE_DETAILS = ['err', 'error', 'warnings', 'reason', 'code', 'schedule', 'bindAddress'];
const MAX_CONSOLE_TEXT = 240;

function detailText(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => detailText(v) ?? '').filter(Boolean).join('; ');
  if (typeof value === 'object') {
    const o = value as { message?: unknown; msg?: unknown };
    if (typeof o.message === 'string') return o.message;
    if (typeof o.msg === 'string') return o.msg;
    return JSON.stringify(value);
  }
  return String(value);
}

function oneLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const first = (lines[0] ?? '').trim();
  const cut = first.length > MAX_CONSOLE_TEXT ? `${first.slice(0, MAX_CONSOLE_TEXT - 1)}…` : first;
  return lines.length > 1 && cut === first ? `${cut} …` : cut;
}

/** `HH:MM:SS` of an instant in the zone (the console's clock). */
function clock(instant: string | number | undefined, timeZone: string): string {
  const ms = typeof instant === 'number' ? instant : instant ? Date.parse(instant) : NaN;
  const at = Number.isNaN(ms) ? new Date() : new Date(ms);
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(at);
}

export interface ConsoleLineOptions {
  /** The zone the clock is shown in (TAIZHANG_TIME_ZONE). */
  timeZone: string;
  /** The lowest level shown (default 40, warnings). */
  minLevel?: number;
  /** Messages known to be harmless (kept in the log file only). */
  ignore?: readonly RegExp[];
  /** The instant of a line that carries none (default: now). */
  now?: () => number;
}

/**
 * One JSON log line of a process (pino's, or the Temporal server's) as the one line `npm start` shows for it:
 * `12:01:03 警告 worker: message (details)` — local time, level, process, message. Lines below the level shown, known
 * noise and lines that are not JSON give undefined (they go to the log file only). Personal data is never shown:
 * personal keys are redacted and emails and phone numbers in the text masked.
 */
export function consoleLine(line: string, processName: string, options: ConsoleLineOptions): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const obj = redact(parsed) as Record<string, unknown>;
  const level = levelNumber(obj.level);
  if (level === undefined || level < (options.minLevel ?? 40)) return undefined;
  const message = detailText(obj.msg ?? obj.message) ?? '';
  if (options.ignore?.some((re) => re.test(message) || re.test(line))) return undefined;
  const details = CONSOLE_DETAILS.map((k) => detailText(obj[k])).filter((d): d is string => d !== undefined && d !== message);
  const text = details.length ? `${message} (${details.join('; ')})` : message;
  const instant = (obj.time ?? obj.ts) as string | number | undefined;
  const word = LEVEL_WORDS.find(([n]) => level >= n)![1];
  return consoleText(word, processName, text, options.timeZone, instant ?? options.now?.());
}

/** The one console line of anything: `12:01:03 警告 worker: text` — local time, a level word, who, the text's first line (cut, masked). */
export function consoleText(word: string, who: string, text: string, timeZone: string, at?: string | number): string {
  return `${clock(at, timeZone)} ${word} ${who}: ${maskPersonalText(oneLine(text))}`;
}
