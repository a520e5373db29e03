import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AMOUNT_RULE, CALCULATOR_LIMITS, amountFromText, amountIssues, calculatorDuration, calendarAdd, type CalendarAddResult } from '../domain/calendar/add';
import { isoInstant } from '../domain/fields';
import { calendarForPolicy } from '../domain/policy/ref';
import type { Policy } from '../domain/policy/schema';
import { readResponses } from './schemas';

/**
 * The calendar calculator (`GET /calendar/add`, `taizhang calendar add`): an instant plus business time on the policy's
 * calendar, computed by the same function that sets every deadline's due instant.
 */

/** A number in a query string, e.g. `2` or `0.5`: text that is not one stays text, to be named. */
const amount = (what: string, max: number) => z.preprocess(amountFromText, z.number({ message: AMOUNT_RULE })).optional().describe(`${what}, from 0 to ${max}`);

export const calendarAddQuery = z
  .object({
    from: isoInstant.describe('the instant to count from'),
    workingDays: amount('working days to add, each a full working day of working time (450 minutes by default); not with businessMinutes', CALCULATOR_LIMITS.workingDays),
    businessMinutes: amount('minutes of working time to add; not with workingDays', CALCULATOR_LIMITS.businessMinutes),
  })
  .strict()
  // The same rules as the CLI's: exactly one amount, not negative, within its limit.
  .superRefine((q, ctx) => {
    for (const i of amountIssues(q)) ctx.addIssue({ code: 'custom', path: [i.field], message: i.rule });
  });
export type CalendarAddQuery = z.infer<typeof calendarAddQuery>;

export const calendarAddResultSchema = z.object({
  at: z.string().describe('the instant reached, ISO 8601 in the calendar’s offset, e.g. 2026-10-09T16:00:00+08:00'),
  calendar: z.object({
    source: z.string().describe('what the holiday rules come from, e.g. chinese-days@1.5.7 (data 2004–2026)'),
    warnings: z.array(z.string()).describe('years between from and at without holiday data: weekends only apply there'),
  }),
}) satisfies z.ZodType<CalendarAddResult>;

/** The query, parsed, answered on the policy's calendar. */
export const calendarAddFor = (policy: Policy, q: CalendarAddQuery): CalendarAddResult => calendarAdd(calendarForPolicy(policy), q.from, calculatorDuration(q));

export function registerCalendarRoutes(app: FastifyInstance, deps: { policy: Policy }): void {
  app.get(
    '/calendar/add',
    {
      schema: {
        operationId: 'calendar.add',
        summary: 'Calendar calculator: an instant plus working days or business minutes on the configured business calendar',
        tags: ['Calendar'],
        querystring: calendarAddQuery,
        response: readResponses(calendarAddResultSchema),
      },
    },
    async (req) => calendarAddFor(deps.policy, req.query as CalendarAddQuery),
  );
}
