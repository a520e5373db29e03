import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  assignInput,
  CUSTOMER_CLASSES,
  followUpInput,
  noteInput,
  notifyInput,
  optionalReasonInput,
  proposeInput,
  reasonInput,
  receiveComplaintInput,
  SEVERITIES,
  verifyInput,
} from '../domain/complaint/model';
import { deadlineReport } from '../domain/complaint/sla';
import { notFound } from '../domain/errors';
import { entityId, isoInstant } from '../domain/fields';
import type { SlaPolicy } from '../domain/sla';
import type { LedgerReader } from '../projections/reader';
import type { ComplaintAction } from '../workflows/messages';
import { requireRole } from './auth';
import type { TemporalGateway } from './gateway';

const STAFF = ['agent', 'supervisor', 'manager', 'general_manager', 'admin'] as const;

/** Each complaint command: its URL segment, its body schema. */
const ACTIONS: Record<Exclude<ComplaintAction, 'receive'>, { path: string; body: z.ZodType; summary: string }> = {
  acknowledge: { path: 'acknowledge', body: noteInput, summary: 'First response (首次响应)' },
  verify: { path: 'verify', body: verifyInput, summary: 'Record the verification (核实)' },
  assign: { path: 'assign', body: assignInput, summary: 'Reassign to another owner (转交)' },
  propose: { path: 'propose', body: proposeInput, summary: 'Propose a resolution (处理方案)' },
  notify: { path: 'notify', body: notifyInput, summary: 'Notify the customer of the result (通知客户)' },
  followUp: { path: 'follow-up', body: followUpInput, summary: 'Record the follow-up visit, rating 1–5 (回访)' },
  close: { path: 'close', body: optionalReasonInput, summary: 'Close (结案)' },
  reopen: { path: 'reopen', body: reasonInput, summary: 'Reopen' },
  pause: { path: 'pause', body: reasonInput, summary: 'Pause the SLA clock while waiting on the customer' },
  resume: { path: 'resume', body: optionalReasonInput, summary: 'Resume the SLA clock' },
  withdraw: { path: 'withdraw', body: reasonInput, summary: 'Withdraw (撤诉)' },
};

export const receiveComplaintBody = receiveComplaintInput.extend({ complaintId: entityId.optional() }).strict();

const pauseParam = z
  .string()
  .regex(/^[^/]+\/[^/]+$/, 'must be <ISO instant>/<ISO instant>')
  .transform((v) => {
    const [from, to] = v.split('/') as [string, string];
    return { from, to };
  })
  .pipe(z.object({ from: isoInstant, to: isoInstant }).refine((p) => Date.parse(p.to) >= Date.parse(p.from), { message: 'must end after it starts' }));

export const deadlinesQuery = z
  .object({
    received: isoInstant,
    severity: z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` }),
    customerClass: z.enum(CUSTOMER_CLASSES, { message: `must be one of ${CUSTOMER_CLASSES.join(', ')}` }).default('ordinary'),
    pause: z.union([pauseParam, z.array(pauseParam)]).optional(),
  })
  .strict();

const idem = (req: FastifyRequest): string | undefined => {
  const v = req.headers['idempotency-key'];
  return Array.isArray(v) ? v[0] : v;
};

export function registerComplaintRoutes(app: FastifyInstance, deps: { gateway: TemporalGateway; ledgers: LedgerReader; policy: SlaPolicy }): void {
  app.post(
    '/complaints',
    { schema: { summary: 'Receive a complaint (受理); returns once ComplaintReceived is durable', body: receiveComplaintBody } },
    async (req, reply) => {
      const p = req.principal!;
      requireRole(p, STAFF, 'receive complaints');
      const body = req.body as z.infer<typeof receiveComplaintBody>;
      const customer = deps.ledgers.list('customers', 'system', { where: { customer_id: body.customerId }, limit: 1 }).rows[0];
      if (!customer) throw notFound('customer.not_found', `no customer ${body.customerId} in the customers ledger`);
      const customerClass = customer.customer_class === 'key' ? 'key' : 'ordinary';
      const result = await deps.gateway.receiveComplaint(body, { actor: p.actor, role: p.role, correlationId: req.id }, { policy: deps.policy, customerClass }, idem(req));
      return reply.status(201).send(result);
    },
  );

  for (const [action, spec] of Object.entries(ACTIONS) as Array<[Exclude<ComplaintAction, 'receive'>, (typeof ACTIONS)[keyof typeof ACTIONS]]>) {
    app.post(
      `/complaints/:id/${spec.path}`,
      { schema: { summary: spec.summary, params: z.object({ id: entityId }), body: spec.body } },
      async (req) => {
        const p = req.principal!;
        requireRole(p, STAFF, `${action} complaints`);
        const { id } = req.params as { id: string };
        return deps.gateway.complaintCommand(id, action, req.body ?? {}, { actor: p.actor, role: p.role, correlationId: req.id }, { policy: deps.policy }, idem(req));
      },
    );
  }

  app.get('/complaints/:id', { schema: { summary: 'A complaint with its deadlines, escalation level and pending alarms', params: z.object({ id: entityId }) } }, async (req) => {
    const { id } = req.params as { id: string };
    return deps.gateway.complaint(id);
  });

  app.get(
    '/sla/deadlines',
    { schema: { summary: 'Deadline calculator: the deadlines and escalation instants a complaint received then would get', querystring: deadlinesQuery } },
    async (req) => {
      const q = req.query as z.infer<typeof deadlinesQuery>;
      const pauses = q.pause === undefined ? [] : Array.isArray(q.pause) ? q.pause : [q.pause];
      return deadlineReport(deps.policy, { receivedAt: q.received, severity: q.severity, customerClass: q.customerClass, pauses });
    },
  );
}
