import { durationMinutes, type BusinessDuration } from '../deadlines/duration';
import type { BusinessCalendar, Pause } from './calendar';
import { MINUTE_MS, toEpochMs, type EpochMs, type Instant } from './instant';

/**
 * Adding business time on a calendar: the one computation behind every deadline's due instant and behind the calendar
 * calculator (`taizhang calendar add`, `GET /calendar/add`), so what staff are told is what a process will set. Pure
 * and workflow-safe.
 */

/**
 * `from` + `duration` of working, unpaused time on the calendar. `working_days` means that many full working days of
 * working time (`calendar.workingDayMs` each, so 2 working days are 900 business minutes by default), not "the same
 * wall-clock time n days later". The duration is rounded to whole milliseconds once, as deadlines always have been.
 */
export function addBusinessDuration(calendar: BusinessCalendar, from: Instant, duration: BusinessDuration, pauses: readonly Pause[] = []): EpochMs {
  const ms = Math.round(durationMinutes(duration, calendar.workingDayMs / MINUTE_MS) * MINUTE_MS);
  return calendar.addBusinessMs(from, ms, pauses);
}

/** The calculator's answer: the instant in the calendar's offset, and what the calendar's rules came from. */
export interface CalendarAddResult {
  /** ISO 8601 in the calendar's offset, e.g. `2026-10-09T16:00:00+08:00`. */
  at: string;
  calendar: {
    source: string;
    /** Years between `from` and `at` without holiday data (weekends only apply there). */
    warnings: string[];
  };
}

/** `from` + `duration` on the calendar, as the calendar calculator reports it. */
export function calendarAdd(calendar: BusinessCalendar, from: Instant, duration: BusinessDuration): CalendarAddResult {
  const start = toEpochMs(from, 'from');
  const at = addBusinessDuration(calendar, start, duration);
  return { at: calendar.toIso(at), calendar: { source: calendar.source, warnings: calendar.warningsBetween(start, at).map((w) => w.message) } };
}
