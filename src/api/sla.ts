import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Policy } from '../domain/policy/schema';
import { deadlineReportSchema, deadlinesQuery, reportFor } from '../processes/complaint/calculator';
import { localInstant, zonedDeep } from './local-time';
import { readResponses } from './schemas';

/** The deadline calculator: the deadlines and escalation instants a complaint received then would get. */
export function registerSlaRoutes(app: FastifyInstance, deps: { policy: Policy; timeZone?: string }): void {
  const timeZone = deps.timeZone ?? 'Asia/Shanghai';
  // `received` may be a date or a local date-time, read in the configured zone, like every instant a person types.
  const query = deadlinesQuery.extend({ received: localInstant(timeZone).describe('when the complaint is received: a date, a local date-time (read in the configured time zone) or an ISO 8601 instant with offset') });
  app.get(
    '/sla/deadlines',
    {
      schema: {
        summary: 'Deadline calculator: the deadlines and escalation instants a complaint received then would get',
        tags: ['Complaint'],
        querystring: query,
        response: readResponses(deadlineReportSchema),
      },
    },
    async (req) => zonedDeep(reportFor(deps.policy, req.query as z.infer<typeof deadlinesQuery>), timeZone),
  );
}
