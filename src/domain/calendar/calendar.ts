import { illegalState, validationError } from '../errors';
import { chineseDays, chineseDaysSource, type DayOrigin, type HolidayEntry } from './holidays';
import {
  DAY_MS,
  MINUTE_MS,
  dateOfDayNumber,
  dayNumberOf,
  dayNumberOfDate,
  dayStartOf,
  formatInstant,
  isoWeekdayOf,
  minutesOfClock,
  toEpochMs,
  yearOfDayNumber,
  type EpochMs,
  type Instant,
} from './instant';
import type { CalendarSettings, ExtraHolidays } from './settings';

/**
 * The business calendar (工作日历): working hours in a fixed UTC offset, working weekdays, Chinese public
 * holidays and 调休 make-up working days (chinese-days), plus extra holidays given as data.
 *
 * Definitions every function here keeps:
 * - Working time is the union of the working periods of working days, each period half-open
 *   [start, end): 09:00 is working time, 12:00 is not.
 * - A pause [from, to) stops the clock (客户原因暂停); pauses may overlap each other and working time freely.
 * - `addBusinessMs(t, d)` is the earliest instant T ≥ t such that exactly d of working, unpaused time lies in
 *   [t, T]. So counting begins at the next working moment when t is outside working time, and a result that
 *   lands exactly on the end of a working period is that end (18:00), not the next opening (09:00).
 *   Adding zero returns t unchanged.
 * - `businessMsBetween(a, b)` is the measure of working, unpaused time in [a, b) (negative when b < a), so
 *   `businessMsBetween(t, addBusinessMs(t, d)) === d`.
 * - Past the holiday data (chinese-days ends with its last published year) only working weekdays and the
 *   extra holidays apply; `warningsBetween` reports each such year as data for the caller to log once.
 */
export interface BusinessCalendar {
  readonly settings: CalendarSettings;
  /** What the holiday rules come from, recorded on every deadline, e.g. `chinese-days@1.5.7 (data 2004–2026)`. */
  readonly source: string;
  readonly utcOffsetMinutes: number;
  /** Working time in one full working day: 450 minutes by default, 24 h for a 24×7 calendar. */
  readonly workingDayMs: number;
  isWorkingTime(instant: Instant): boolean;
  /** Whether a local date (`YYYY-MM-DD`) is a working day. */
  isWorkingDay(localDate: string): boolean;
  /** Why a local date is or is not a working day. */
  dayInfo(localDate: string): DayInfo;
  addBusinessMinutes(instant: Instant, minutes: number, pauses?: readonly Pause[]): EpochMs;
  addBusinessMs(instant: Instant, ms: number, pauses?: readonly Pause[]): EpochMs;
  businessMinutesBetween(a: Instant, b: Instant, pauses?: readonly Pause[]): number;
  businessMsBetween(a: Instant, b: Instant, pauses?: readonly Pause[]): number;
  /**
   * The n-th working day after the instant's local date, at the same wall-clock time if that time lies inside
   * one of that day's working periods (ends included), otherwise at the end of that day's working hours.
   * n = 0 returns the instant unchanged.
   */
  addWorkingDays(instant: Instant, n: number): EpochMs;
  /** Years between a and b (inclusive, local) that have no holiday data: weekends only. */
  warningsBetween(a: Instant, b: Instant): CalendarWarning[];
  /** ISO 8601 in the calendar's offset, e.g. `2026-10-09T10:30:00+08:00`. */
  toIso(instant: Instant): string;
  /** Local date `YYYY-MM-DD` of an instant in the calendar's offset. */
  localDateOf(instant: Instant): string;
}

/** A stretch during which the SLA clock stops, e.g. waiting on the customer. */
export interface Pause {
  from: Instant;
  to: Instant;
}

export interface CalendarWarning {
  code: 'calendar.no_holiday_data';
  year: number;
  message: string;
}

export type DayKind = 'workday' | 'weekend' | 'public_holiday' | 'makeup_workday';

export interface DayInfo {
  date: string;
  /** 1 = Monday … 7 = Sunday */
  weekday: number;
  working: boolean;
  kind: DayKind;
  /** Holiday name, e.g. `National Day,国庆节`, for holidays and make-up days. */
  name?: string;
  origin: DayOrigin;
}

/** Consecutive non-working days after which a calendar is declared to have no working time at all. */
const MAX_IDLE_DAYS = 3660;

interface Interval {
  from: number;
  to: number;
}

/**
 * The calendar for settings already parsed (defaults filled in): pure and free of schema code, so workflow code can
 * build it. `createBusinessCalendar` parses raw settings first.
 */
export function buildCalendar(settings: CalendarSettings): BusinessCalendar {
  const offset = settings.utcOffsetMinutes;
  const allDay = settings.twentyFourSeven;
  // Working periods as [startMs, endMs) from local midnight.
  const periods: Array<[number, number]> = allDay
    ? [[0, DAY_MS]]
    : settings.workingHours.map((p) => [minutesOfClock(p.start) * MINUTE_MS, minutesOfClock(p.end) * MINUTE_MS]);
  const workingDayMs = periods.reduce((sum, [s, e]) => sum + (e - s), 0);
  const weekdays = new Set(settings.workingWeekdays);
  const useChineseDays = !allDay && settings.publicHolidays === 'chinese-days';
  // Built on first use, once per module instance: a calendar without public holidays never builds the tables.
  const holidayTables = useChineseDays ? chineseDays() : undefined;
  const extras = allDay ? undefined : extraTables(settings.extraHolidays);

  function classify(day: number): Omit<DayInfo, 'date'> {
    const weekday = isoWeekdayOf(day);
    if (allDay) return { weekday, working: true, kind: 'workday', origin: 'weekday-rule' };
    const fromTable = (entry: HolidayEntry | undefined, working: boolean, origin: DayOrigin): Omit<DayInfo, 'date'> | undefined =>
      entry ? { weekday, working, kind: working ? 'makeup_workday' : 'public_holiday', name: entry.name, origin } : undefined;
    const found =
      fromTable(extras?.workdays.get(day), true, 'extra') ??
      fromTable(extras?.holidays.get(day), false, 'extra') ??
      (useChineseDays
        ? (fromTable(holidayTables?.workdays.get(day), true, 'chinese-days') ?? fromTable(holidayTables?.holidays.get(day), false, 'chinese-days'))
        : undefined);
    if (found) return found;
    const working = weekdays.has(weekday);
    return { weekday, working, kind: working ? 'workday' : 'weekend', origin: 'weekday-rule' };
  }

  const isWorkingDayNumber = (day: number): boolean => {
    if (allDay) return true;
    if (extras) {
      if (extras.workdays.has(day)) return true;
      if (extras.holidays.has(day)) return false;
    }
    if (holidayTables) {
      if (holidayTables.workdays.has(day)) return true;
      if (holidayTables.holidays.has(day)) return false;
    }
    return weekdays.has(isoWeekdayOf(day));
  };

  /** Visits the working, unpaused segments [s, e) in time order from `from` until `visit` returns true. */
  function scan(from: number, pauses: Interval[], visit: (s: number, e: number) => boolean): void {
    let day = dayNumberOf(from, offset);
    let p = 0;
    let idle = 0;
    for (;;) {
      const base = dayStartOf(day, offset);
      const floor = Math.max(from, base);
      while (p < pauses.length && pauses[p]!.to <= floor) p++;
      const pause = pauses[p];
      if (pause && pause.from <= floor && pause.to >= base + DAY_MS) {
        day = dayNumberOf(pause.to, offset); // the rest of this day is paused: jump to the pause's end
        continue;
      }
      if (isWorkingDayNumber(day)) {
        idle = 0;
        for (const [ps, pe] of periods) {
          let s = Math.max(base + ps, from);
          const e = base + pe;
          let q = p;
          while (s < e) {
            while (q < pauses.length && pauses[q]!.to <= s) q++;
            const next = pauses[q];
            if (!next || next.from >= e) {
              if (visit(s, e)) return;
              break;
            }
            if (next.from > s && visit(s, next.from)) return;
            s = next.to;
          }
        }
      } else if (++idle > MAX_IDLE_DAYS) {
        throw illegalState('calendar.no_working_time', `the calendar has no working day in ${MAX_IDLE_DAYS} consecutive days from ${dateOfDayNumber(day - idle)}`);
      }
      day++;
    }
  }

  function addBusinessMs(instant: Instant, ms: number, pauses: readonly Pause[] = []): EpochMs {
    const start = toEpochMs(instant);
    if (!Number.isFinite(ms) || ms < 0) throw validationError([{ field: 'duration', rule: 'must be a finite number of business time, not negative' }]);
    let remaining = Math.round(ms);
    if (remaining === 0) return start;
    let result = start;
    scan(start, normalisePauses(pauses), (s, e) => {
      if (e - s >= remaining) {
        result = s + remaining;
        return true;
      }
      remaining -= e - s;
      return false;
    });
    return result;
  }

  function businessMsBetween(a: Instant, b: Instant, pauses: readonly Pause[] = []): number {
    const from = toEpochMs(a, 'from');
    const to = toEpochMs(b, 'to');
    if (to < from) return -businessMsBetween(to, from, pauses);
    let total = 0;
    if (to === from) return 0;
    scan(from, normalisePauses(pauses), (s, e) => {
      if (s >= to) return true;
      total += Math.min(e, to) - s;
      return e >= to;
    });
    return total;
  }

  function addWorkingDays(instant: Instant, n: number): EpochMs {
    const start = toEpochMs(instant);
    if (!Number.isInteger(n) || n < 0) throw validationError([{ field: 'workingDays', rule: 'must be a whole number, not negative' }]);
    if (n === 0) return start;
    let day = dayNumberOf(start, offset);
    const wallTime = start - dayStartOf(day, offset);
    let idle = 0;
    for (let found = 0; found < n; ) {
      day++;
      if (isWorkingDayNumber(day)) {
        found++;
        idle = 0;
      } else if (++idle > MAX_IDLE_DAYS) {
        throw illegalState('calendar.no_working_time', `the calendar has no working day in ${MAX_IDLE_DAYS} consecutive days`);
      }
    }
    const inside = periods.some(([ps, pe]) => wallTime >= ps && wallTime <= pe);
    const lastEnd = periods[periods.length - 1]![1];
    return dayStartOf(day, offset) + (inside ? wallTime : lastEnd);
  }

  function warningsBetween(a: Instant, b: Instant): CalendarWarning[] {
    if (!holidayTables) return [];
    const [x, y] = [toEpochMs(a, 'from'), toEpochMs(b, 'to')].sort((m, n) => m - n) as [number, number];
    const out: CalendarWarning[] = [];
    for (let year = yearOfDayNumber(dayNumberOf(x, offset)); year <= yearOfDayNumber(dayNumberOf(y, offset)); year++) {
      if (year >= holidayTables.firstYear && year <= holidayTables.lastYear) continue;
      if (extras?.years.has(year)) continue;
      out.push({ code: 'calendar.no_holiday_data', year, message: `no holiday data for ${year}; weekends only` });
    }
    return out;
  }

  const dayOfDate = (localDate: string): number => {
    const day = dayNumberOfDate(localDate);
    if (!Number.isFinite(day)) throw validationError([{ field: 'date', rule: 'must be a date YYYY-MM-DD' }]);
    return day;
  };

  return Object.freeze({
    settings,
    source: sourceOf(settings, useChineseDays, extras?.hash),
    utcOffsetMinutes: offset,
    workingDayMs,
    isWorkingTime(instant: Instant): boolean {
      const t = toEpochMs(instant);
      const day = dayNumberOf(t, offset);
      if (!isWorkingDayNumber(day)) return false;
      const sinceMidnight = t - dayStartOf(day, offset);
      return periods.some(([ps, pe]) => sinceMidnight >= ps && sinceMidnight < pe);
    },
    isWorkingDay: (localDate: string) => isWorkingDayNumber(dayOfDate(localDate)),
    dayInfo: (localDate: string): DayInfo => ({ date: localDate, ...classify(dayOfDate(localDate)) }),
    addBusinessMs,
    addBusinessMinutes: (instant: Instant, minutes: number, pauses?: readonly Pause[]) => addBusinessMs(instant, minutes * MINUTE_MS, pauses),
    businessMsBetween,
    businessMinutesBetween: (a: Instant, b: Instant, pauses?: readonly Pause[]) => businessMsBetween(a, b, pauses) / MINUTE_MS,
    addWorkingDays,
    warningsBetween,
    toIso: (instant: Instant) => formatInstant(toEpochMs(instant), offset),
    localDateOf: (instant: Instant) => dateOfDayNumber(dayNumberOf(toEpochMs(instant), offset)),
  });
}

/** Sorted, merged, non-empty pause intervals in epoch ms. */
function normalisePauses(pauses: readonly Pause[]): Interval[] {
  const intervals = pauses.map((p, i) => {
    const from = toEpochMs(p.from, `pauses.${i}.from`);
    const to = toEpochMs(p.to, `pauses.${i}.to`);
    if (to < from) throw validationError([{ field: `pauses.${i}.to`, rule: 'must not be before from' }]);
    return { from, to };
  });
  intervals.sort((a, b) => a.from - b.from);
  const merged: Interval[] = [];
  for (const i of intervals) {
    if (i.to === i.from) continue;
    const last = merged[merged.length - 1];
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else merged.push({ ...i });
  }
  return merged;
}

interface ExtraTables {
  holidays: Map<number, HolidayEntry>;
  workdays: Map<number, HolidayEntry>;
  years: Set<number>;
  hash: string;
}

function extraTables(extra: ExtraHolidays | undefined): ExtraTables | undefined {
  if (!extra) return undefined;
  const entry = { name: extra.name };
  const holidays = new Map(extra.holidays.map((d) => [dayNumberOfDate(d), entry] as const));
  const workdays = new Map(extra.workdays.map((d) => [dayNumberOfDate(d), entry] as const));
  const years = new Set([...holidays.keys(), ...workdays.keys()].map(yearOfDayNumber));
  const canonical = `holidays:${[...extra.holidays].sort().join(',')}|workdays:${[...extra.workdays].sort().join(',')}`;
  return { holidays, workdays, years, hash: `fnv1a32:${fnv1a32(canonical)}` };
}

function sourceOf(settings: CalendarSettings, useChineseDays: boolean, extraHash: string | undefined): string {
  if (settings.twentyFourSeven) return '24x7 (every minute is working time; no holidays)';
  const base = useChineseDays ? chineseDaysSource() : 'weekdays only (no public holidays)';
  return settings.extraHolidays ? `${base} + extra holidays "${settings.extraHolidays.name}" ${extraHash}` : base;
}

/** FNV-1a 32-bit over UTF-16 code units: a small pure content fingerprint (no Node crypto in workflow code). */
function fnv1a32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
