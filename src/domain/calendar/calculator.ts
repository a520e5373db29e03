import { z } from 'zod';
import { isoInstant } from '../fields';
import { calendarAdd, type CalendarAddResult } from './add';
import type { BusinessCalendar } from './calendar';

/**
 * The calendar calculator's input (`GET /calendar/add`, `taizhang calendar add`; both arrive as text): an instant with
 * offset and exactly one amount, a plain decimal number from 0 to its limit (ten years, so one request cannot scan for
 * ever). One schema for the API's query and the CLI's options, as the SLA calculator has.
 */
export const CALCULATOR_LIMITS = { workingDays: 3650, businessMinutes: 3650 * 24 * 60 } as const;
const ONE_OF = 'exactly one of workingDays or businessMinutes';

/** Plain decimal notation only (`2`, `0.5`, `-1`); anything else stays text and is refused as not a number. */
const amount = (what: string, max: number) =>
  z
    .preprocess((v) => (typeof v === 'string' && /^-?\d+(?:\.\d+)?$/.test(v) ? Number(v) : v), z.number({ message: 'must be a number, e.g. 2 or 0.5' }).min(0, 'must not be negative').max(max, `must be at most ${max}`))
    .optional()
    .describe(`${what}, from 0 to ${max}`);

export const calendarAddQuery = z
  .object({
    from: isoInstant.describe('the instant to count from'),
    workingDays: amount('working days to add, each a full working day of working time (450 minutes by default); not with businessMinutes', CALCULATOR_LIMITS.workingDays),
    businessMinutes: amount('minutes of working time to add; not with workingDays', CALCULATOR_LIMITS.businessMinutes),
  })
  .strict()
  .superRefine((q, ctx) => {
    const given = [q.workingDays, q.businessMinutes].filter((v) => v !== undefined).length;
    if (given === 1) return;
    const message = given === 0 ? `${ONE_OF} is required; neither was given` : `${ONE_OF} is allowed; both were given`;
    for (const field of ['workingDays', 'businessMinutes']) ctx.addIssue({ code: 'custom', path: [field], message });
  });
export type CalendarAddQuery = z.infer<typeof calendarAddQuery>;

/** The parsed query, answered on the calendar. */
export const calendarAddFor = (calendar: BusinessCalendar, q: CalendarAddQuery): CalendarAddResult =>
  calendarAdd(calendar, q.from, q.workingDays !== undefined ? { value: q.workingDays, unit: 'working_days' } : { value: q.businessMinutes!, unit: 'minutes' });
