import { validationError } from '../errors';

/**
 * Instants are epoch milliseconds inside the domain; ISO 8601 strings with an explicit offset at the
 * edges (events, Temporal payloads, API). No Intl, no local time zone of the host: a fixed UTC offset
 * in minutes does all local-time arithmetic, so workflow code stays deterministic.
 */
export type EpochMs = number;
/** An epoch-ms number or an ISO 8601 string with an offset (`Z` or `±HH:MM`). */
export type Instant = EpochMs | string;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

// A string without an offset would be read in the host's time zone: refuse it rather than guess.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

export const INSTANT_RULE = 'must be epoch milliseconds or an ISO 8601 instant with offset, e.g. 2026-09-30T17:30:00+08:00';

/** Epoch ms of an instant; throws a validation DomainError naming `field` if it is not one. */
export function toEpochMs(instant: Instant, field = 'instant'): EpochMs {
  if (typeof instant === 'number') {
    if (Number.isFinite(instant)) return instant;
  } else if (ISO_WITH_OFFSET.test(instant)) {
    const ms = Date.parse(instant);
    if (Number.isFinite(ms)) return ms;
  }
  throw validationError([{ field, rule: INSTANT_RULE }]);
}

/** `+08:00` for 480. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** ISO 8601 with the given offset, e.g. `2026-10-09T10:30:00+08:00`; milliseconds only when not zero. */
export function formatInstant(instant: EpochMs, offsetMinutes: number): string {
  const local = new Date(instant + offsetMinutes * MINUTE_MS).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const body = local.endsWith('.000Z') ? local.slice(0, 19) : local.slice(0, 23);
  return `${body}${formatOffset(offsetMinutes)}`;
}

/** Local day number (days since 1970-01-01 in the given offset). */
export const dayNumberOf = (instant: EpochMs, offsetMinutes: number): number => Math.floor((instant + offsetMinutes * MINUTE_MS) / DAY_MS);

/** Epoch ms of local midnight starting day `day`. */
export const dayStartOf = (day: number, offsetMinutes: number): EpochMs => day * DAY_MS - offsetMinutes * MINUTE_MS;

/** `YYYY-MM-DD` of a day number. */
export const dateOfDayNumber = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Day number of a `YYYY-MM-DD` date, or NaN if it is not a real calendar date. */
export function dayNumberOfDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  // Date.UTC rolls 2026-02-30 over to March: reject instead.
  return dateOfDayNumber(ms / DAY_MS) === date ? ms / DAY_MS : Number.NaN;
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export const isoWeekdayOf = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1;

/** Calendar year of a day number. */
export const yearOfDayNumber = (day: number): number => new Date(day * DAY_MS).getUTCFullYear();

/** `HH:MM` (00:00–24:00) to minutes of the day, or NaN. */
export function minutesOfClock(clock: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(clock);
  if (!m) return Number.NaN;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return Number.NaN;
  return h * 60 + min;
}

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}
