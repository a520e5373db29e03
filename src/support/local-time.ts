/**
 * Local time for people: every instant shown to a person is in the configured zone (TAIZHANG_TIME_ZONE) with its
 * offset, and every instant a person types may be a date or a local date-time without an offset, read in that zone.
 * Stored events keep UTC; this is the one place that converts. Node side (uses Intl), never in workflow code.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the zone is an IANA zone Intl knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset at an instant, in ms (whole seconds). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (t: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(ms / 1000) * 1000;
}

const offsetText = (offsetMs: number) => {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `${offsetMs < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};

/** `UTC+08:00`: the zone's offset at an instant, as a heading says it. */
export function utcOffsetLabel(timeZone: string, at = new Date()): string {
  return `UTC${offsetText(zoneOffsetMs(at.getTime(), timeZone))}`;
}

/** An instant as ISO 8601 local time with offset: 2026-10-09T10:30:00+08:00 (milliseconds only when present). */
export function zonedIso(instant: string, timeZone: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) return instant;
  const offset = zoneOffsetMs(ms, timeZone);
  const local = new Date(ms + offset).toISOString(); // UTC fields now hold the local time
  const frac = ms % 1000 === 0 ? '' : local.slice(19, 23);
  return `${local.slice(0, 19)}${frac}${offsetText(offset)}`;
}

/** An instant for a table cell: `2026-10-09 10:30` in the zone (the zone and offset are said once, in the heading). */
export function localShort(instant: string, timeZone: string): string {
  const z = zonedIso(instant, timeZone);
  return z === instant && Number.isNaN(Date.parse(instant)) ? instant : `${z.slice(0, 10)} ${z.slice(11, 16)}`;
}

/** `2026-12-02T10-53-00+08-00`: an instant in the zone, safe in a file name. */
export function fileStamp(instant: string, timeZone: string): string {
  return zonedIso(instant, timeZone).replace(/\.\d+/, '').replace(/:/g, '-');
}

// 2026-12-01 | 2026-12-01T10:54 | 2026-12-01 10:54:30(.123) | … with Z or ±HH:MM (or ±HHMM, ±HH)
const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An instant a person typed → ISO 8601 with offset, or undefined when it is not one. Accepts an ISO instant with
 * offset (or Z); a date (the start of that day in the zone); a local date-time without offset, with `T` or a space
 * (read in the zone). A query string's unencoded `+` arrives as a space: `2026-12-01T10:00:00 08:00` is read as
 * `+08:00`, since a space before an offset can mean nothing else.
 */
export function parseLocalInstant(input: string, timeZone: string): string | undefined {
  const text = input.trim().replace(/([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$/, '$1+$2');
  const m = LOCAL_INPUT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const ms = frac ? Math.round(Number(`0${frac}`) * 1000) : 0;
  let offset: number;
  if (zone === undefined) {
    // The zone's offset at that wall time: take it at the naive instant, then correct once (a DST edge moves it).
    offset = zoneOffsetMs(wall - zoneOffsetMs(wall, timeZone), timeZone);
  } else if (zone.toUpperCase() === 'Z') offset = 0;
  else {
    const digits = zone.slice(1).replace(':', '');
    if (Number(digits.slice(0, 2)) > 14 || Number(digits.slice(2) || 0) > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${String(ms).padStart(3, '0')}` : ''}${offsetText(offset)}`;
}

/** The rule a person reads when an instant cannot be read. */
export const LOCAL_INSTANT_RULE = 'must be a date (2026-12-01), a local date-time (2026-12-01 10:54, read in the configured time zone) or an ISO 8601 instant with offset (2026-12-01T10:54:00+08:00)';
