import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Policy } from '../domain/policy/schema';
import { deadlineReportSchema, deadlinesQuery, reportFor } from '../processes/complaint/calculator';
import { readResponses } from './schemas';

/** The deadline calculator: the deadlines and escalation instants a complaint received then would get. */
export function registerSlaRoutes(app: FastifyInstance, deps: { policy: Policy }): void {
  app.get(
    '/sla/deadlines',
    {
      schema: {
        summary: 'Deadline calculator: the deadlines and escalation instants a complaint received then would get',
        tags: ['Complaint'],
        querystring: deadlinesQuery,
        response: readResponses(deadlineReportSchema),
      },
    },
    async (req) => reportFor(deps.policy, req.query as z.infer<typeof deadlinesQuery>),
  );
}
