import type { BusinessCalendar } from './calendar';

/**
 * Survey cycles on the business calendar: the period an instant is in (`2027Q1`, `2027H1`) and the start instants of
 * the coming rounds, each on the period's first working day (holidays and 调休 make-up days counted) or on a fixed day
 * moved to the next working day, at a local time. Pure, workflow-safe; local time is the calendar's offset.
 */
export type CycleEvery = 'quarter' | 'half_year';

export interface CycleRule {
  every: CycleEvery;
  day: 'first_working_day' | number;
  /** `HH:MM`, local. */
  at: string;
}

export interface RoundStart {
  period: string;
  /** Local date and time of the start. */
  local: { year: number; month: number; day: number; hour: number; minute: number };
  /** The instant, ISO 8601 in the calendar's offset. */
  at: string;
  /** The date fell in a year without holiday data: weekends only were counted. */
  estimated: boolean;
}

const MONTHS_PER: Record<CycleEvery, number> = { quarter: 3, half_year: 6 };
const pad = (n: number) => String(n).padStart(2, '0');

/** `2027Q1` / `2027H1` of an instant, in the given offset (Beijing time by default). */
export function periodOf(every: CycleEvery, instant: string, offsetMinutes = 480): string {
  const d = new Date(Date.parse(instant) + offsetMinutes * 60_000);
  const month = d.getUTCMonth();
  return every === 'quarter' ? `${d.getUTCFullYear()}Q${Math.floor(month / 3) + 1}` : `${d.getUTCFullYear()}H${month < 6 ? 1 : 2}`;
}

/** The local start of one period: its first working day (or the configured day, moved on to a working day), at `at`. */
export function roundStartOf(rule: CycleRule, calendar: BusinessCalendar, year: number, firstMonth: number): RoundStart {
  const [hour, minute] = rule.at.split(':').map(Number) as [number, number];
  let date = new Date(Date.UTC(year, firstMonth - 1, rule.day === 'first_working_day' ? 1 : rule.day));
  const iso = () => date.toISOString().slice(0, 10);
  for (let guard = 0; !calendar.isWorkingDay(iso()) && guard < 60; guard++) date = new Date(date.getTime() + 86_400_000);
  const local = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour, minute };
  const off = calendar.utcOffsetMinutes;
  const ms = Date.UTC(local.year, local.month - 1, local.day, hour, minute) - off * 60_000;
  const period = rule.every === 'quarter' ? `${year}Q${(firstMonth + 2) / 3}` : `${year}H${firstMonth === 1 ? 1 : 2}`;
  return { period, local, at: calendar.toIso(ms), estimated: calendar.warningsBetween(ms, ms).length > 0 };
}

/** The next `count` round starts after `fromMs` (a start exactly at `fromMs` counts as past). */
export function nextRoundStarts(rule: CycleRule, calendar: BusinessCalendar, fromMs: number, count: number): RoundStart[] {
  const step = MONTHS_PER[rule.every];
  const from = new Date(fromMs + calendar.utcOffsetMinutes * 60_000);
  let year = from.getUTCFullYear();
  let month = Math.floor(from.getUTCMonth() / step) * step + 1;
  const out: RoundStart[] = [];
  while (out.length < count) {
    const start = roundStartOf(rule, calendar, year, month);
    if (Date.parse(start.at) > fromMs) out.push(start);
    month += step;
    if (month > 12) {
      month -= 12;
      year++;
    }
  }
  return out;
}
