import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CalendarAddResult } from '../domain/calendar/add';
import { calendarAddFor, calendarAddQuery, type CalendarAddQuery } from '../domain/calendar/calculator';
import { calendarForPolicy } from '../domain/policy/ref';
import type { Policy } from '../domain/policy/schema';
import { readResponses } from './schemas';

/**
 * The calendar calculator (`GET /calendar/add`, `taizhang calendar add`): an instant plus business time on the policy's
 * calendar, computed by the same function that sets every deadline's due instant.
 */

export const calendarAddResultSchema = z.object({
  at: z.string().describe('the instant reached, ISO 8601 in the calendar’s offset, e.g. 2026-10-09T16:00:00+08:00'),
  calendar: z.object({
    source: z.string().describe('what the holiday rules come from, e.g. chinese-days@1.5.7 (data 2004–2026)'),
    warnings: z.array(z.string()).describe('years between from and at without holiday data: weekends only apply there'),
  }),
}) satisfies z.ZodType<CalendarAddResult>;

export function registerCalendarRoutes(app: FastifyInstance, deps: { policy: Policy }): void {
  const calendar = calendarForPolicy(deps.policy);
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
    async (req) => calendarAddFor(calendar, req.query as CalendarAddQuery),
  );
}
