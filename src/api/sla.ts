import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { PolicyInForce } from '../calendar/in-force';
import type { Policy } from '../domain/policy/schema';
import type { EventStore } from '../events/store/port';
import { deadlineReportSchema, deadlinesQuery, reportFor } from '../processes/complaint/calculator';
import { localInstant, zonedDeep } from './local-time';
import { readResponses } from './schemas';

/**
 * The deadline calculator: the deadlines and escalation instants a complaint received then would get, on the calendar
 * in force (the policy's, with every imported holiday notice as the store has them at each request).
 */
export function registerSlaRoutes(app: FastifyInstance, deps: { policy: Policy; timeZone?: string; store?: Pick<EventStore, 'readStream'> }): void {
  const timeZone = deps.timeZone ?? 'Asia/Shanghai';
  const inForce = deps.store ? new PolicyInForce(deps.store, deps.policy) : undefined;
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
    async (req) => {
      const policy = inForce ? await inForce.current((err) => req.log.warn({ err }, 'calendar versions not read; the last known calendar computes')) : deps.policy;
      return zonedDeep(reportFor(policy, req.query as z.infer<typeof deadlinesQuery>), timeZone);
    },
  );
}
