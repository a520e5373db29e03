import { durationMinutes, type BusinessDuration } from '../deadlines/duration';
import { validationError, type FieldIssue } from '../errors';
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

/**
 * The calculator's input rules, one set for the API's query and the CLI's options (both arrive as text): exactly one of
 * `workingDays` and `businessMinutes`, each a number from 0 to its limit (ten years of days, so one request cannot scan
 * for ever).
 */
export const CALCULATOR_LIMITS = { workingDays: 3650, businessMinutes: 3650 * 24 * 60 } as const;
export const AMOUNT_RULE = 'must be a number, e.g. 2 or 0.5';
const ONE_OF = 'exactly one of workingDays or businessMinutes';

export interface CalculatorAmounts {
  workingDays?: unknown;
  businessMinutes?: unknown;
}

/** An amount given as text in plain decimal notation (`2`, `0.5`, `-1`) as a number; anything else unchanged, to be refused. */
export const amountFromText = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+(?:\.\d+)?$/.test(v) ? Number(v) : v);

/** What is wrong with the amounts (already read with `amountFromText`), each field with its rule; none when they are fine. */
export function amountIssues(a: CalculatorAmounts): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const field of ['workingDays', 'businessMinutes'] as const) {
    const v = a[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) issues.push({ field, rule: AMOUNT_RULE });
    else if (v < 0) issues.push({ field, rule: 'must not be negative' });
    else if (v > CALCULATOR_LIMITS[field]) issues.push({ field, rule: `must be at most ${CALCULATOR_LIMITS[field]}` });
  }
  const given = [a.workingDays, a.businessMinutes].filter((v) => v !== undefined).length;
  if (given !== 1) {
    const rule = given === 0 ? `${ONE_OF} is required; neither was given` : `${ONE_OF} is allowed; both were given`;
    issues.push({ field: 'workingDays', rule }, { field: 'businessMinutes', rule });
  }
  return issues;
}

/** The business duration amounts ask for; a validation error naming each field and rule when they break the rules. */
export function calculatorDuration(a: CalculatorAmounts): BusinessDuration {
  const issues = amountIssues(a);
  if (issues.length) throw validationError(issues);
  return a.workingDays !== undefined ? { value: a.workingDays as number, unit: 'working_days' } : { value: a.businessMinutes as number, unit: 'minutes' };
}
