import { z } from 'zod';
import '../fields'; // installs the project's zod messages ("is required", "must be a number")
import { dayNumberOfDate, minutesOfClock } from './instant';

/** Default working hours (docs/domain.md): 09:00–12:00 and 13:30–18:00. */
export const DEFAULT_WORKING_HOURS = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '18:00' },
] as const;

/** Asia/Shanghai is UTC+08:00 all year (no DST since 1991), so a fixed offset is exact. */
export const SHANGHAI_OFFSET_MINUTES = 480;

const clock = z.string().refine((s) => Number.isFinite(minutesOfClock(s)), { message: 'must be a time HH:MM between 00:00 and 24:00' });
const localDate = z.string().refine((s) => Number.isFinite(dayNumberOfDate(s)), { message: 'must be a date YYYY-MM-DD' });

export const workingPeriodSchema = z
  .object({ start: clock, end: clock })
  .strict()
  // Only compares valid clocks; an invalid one has its own issue already.
  .refine((p) => !(minutesOfClock(p.start) >= minutesOfClock(p.end)), { message: 'must be after start', path: ['end'] });

/**
 * Holidays and make-up working days supplied as data, for years the chinese-days release does not cover yet
 * (or local closures). They take precedence over chinese-days; a year with any entry here counts as covered.
 */
export const extraHolidaysSchema = z
  .object({
    /** File or list name, recorded in the calendar's source descriptor. */
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    holidays: z.array(localDate).default(() => []),
    workdays: z.array(localDate).default(() => []),
  })
  .strict()
  .superRefine((x, ctx) => {
    const holidays = new Set(x.holidays);
    x.workdays.forEach((d, i) => {
      if (holidays.has(d)) ctx.addIssue({ code: 'custom', path: ['workdays', i], message: `must not also be listed in holidays (${d})` });
    });
  });

export const calendarSettingsSchema = z
  .object({
    /** A label for people; the arithmetic uses utcOffsetMinutes only (no Intl in workflow code). */
    timeZone: z.string().trim().min(1, 'must not be empty').default('Asia/Shanghai'),
    utcOffsetMinutes: z
      .number()
      .int('must be a whole number of minutes')
      .min(-720, 'must be at least -720 (UTC-12:00)')
      .max(840, 'must be at most 840 (UTC+14:00)')
      .default(SHANGHAI_OFFSET_MINUTES),
    workingHours: z
      .array(workingPeriodSchema)
      .min(1, 'must list at least one working period')
      .default(() => DEFAULT_WORKING_HOURS.map((p) => ({ ...p }))),
    /** ISO weekdays (1 = Monday … 7 = Sunday) that are working days unless a holiday says otherwise. */
    workingWeekdays: z
      .array(z.number().int('must be a whole number').min(1, 'must be 1 (Monday) to 7 (Sunday)').max(7, 'must be 1 (Monday) to 7 (Sunday)'))
      .min(1, 'must list at least one weekday')
      .default(() => [1, 2, 3, 4, 5]),
    /** Every minute of every day is working time (demo and test policies); hours, weekdays and holidays are ignored. */
    twentyFourSeven: z.boolean().default(false),
    /** Public holidays and 调休 make-up days: from chinese-days, or none (weekdays only). */
    publicHolidays: z.enum(['chinese-days', 'none'], { message: 'must be one of chinese-days, none' }).default('chinese-days'),
    extraHolidays: extraHolidaysSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (let i = 1; i < s.workingHours.length; i++) {
      const prev = s.workingHours[i - 1];
      const cur = s.workingHours[i];
      if (prev && cur && minutesOfClock(cur.start) < minutesOfClock(prev.end)) {
        ctx.addIssue({ code: 'custom', path: ['workingHours', i, 'start'], message: 'periods must be in order and must not overlap' });
      }
    }
    if (new Set(s.workingWeekdays).size !== s.workingWeekdays.length) {
      ctx.addIssue({ code: 'custom', path: ['workingWeekdays'], message: 'must not repeat a weekday' });
    }
    if (s.timeZone === 'Asia/Shanghai' && s.utcOffsetMinutes !== SHANGHAI_OFFSET_MINUTES) {
      ctx.addIssue({ code: 'custom', path: ['utcOffsetMinutes'], message: 'must be 480 for Asia/Shanghai (UTC+08:00, no DST)' });
    }
  });

/** What callers may pass (defaults filled in on parse). */
export type CalendarSettingsInput = z.input<typeof calendarSettingsSchema>;
export type CalendarSettings = z.output<typeof calendarSettingsSchema>;
export type ExtraHolidays = z.output<typeof extraHolidaysSchema>;
export type WorkingPeriod = z.output<typeof workingPeriodSchema>;

/** Working minutes in one full working day: 450 with the default hours, 1440 for a 24×7 calendar. */
export function workingDayMinutesOf(settings: Pick<CalendarSettings, 'workingHours' | 'twentyFourSeven'>): number {
  if (settings.twentyFourSeven) return 24 * 60;
  return settings.workingHours.reduce((sum, p) => sum + minutesOfClock(p.end) - minutesOfClock(p.start), 0);
}

