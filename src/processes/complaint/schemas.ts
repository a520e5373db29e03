import { z } from 'zod';
import { atVersion1 } from '../../domain/process';
import { basisSchema, deadlineSchema, escalationData, warningData } from '../../domain/deadlines/schema';
import { CATEGORIES, CHANNELS, CUSTOMER_CLASSES, RATING_LABELS, SEVERITIES } from '../../domain/enums';
import { actorId, entityId, isoInstant, oneOf, reason, shortText } from '../../domain/fields';
import { staffRef } from '../../domain/staff/schema';
import { ROLES } from '../../domain/roles';
import { deadlinesReplannedSpec } from '../../domain/deadlines/replan-schemas';

/** Node side (left out of workflow bundles): the complaint's command inputs and event schemas. */

export const DEADLINE_KINDS = ['first_response', 'resolution'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export const severity = oneOf(SEVERITIES).describe('重大 major, 一般 normal, 轻微 minor');
export const channel = oneOf(CHANNELS).describe('how the complaint came in');
export const category = oneOf(CATEGORIES).describe('cause category');
export const customerClass = oneOf(CUSTOMER_CLASSES);
export const deadlineKind = oneOf(DEADLINE_KINDS);
const role = oneOf(ROLES);

export const compensation = z
  .object({
    amountYuan: z.number().nonnegative('must be zero or more').max(100_000_000, 'must be at most 100000000').optional().describe('amount in yuan'),
    description: shortText(1000).optional().describe('in words'),
  })
  .strict();

export const deadline = deadlineSchema(DEADLINE_KINDS);

// ── command inputs (the API body, the CLI options and the gateway parse with these) ─────────────
export const receiveComplaintInput = z
  .object({
    complaintId: entityId,
    customerId: entityId.describe('the customer complaining'),
    channel,
    category,
    severity,
    summary: shortText(2000).describe('what the customer complains about'),
    requestedCompensation: compensation.optional().describe('what the customer asks for (补偿)'),
    // 首问负责人: the agent who first takes the matter owns it until closed or handed over.
    owner: staffRef(actorId.optional().describe('first-responsible owner, 首问负责人, by id or display name (default: whoever receives it)')),
  })
  .strict();
export type ReceiveComplaintInput = z.infer<typeof receiveComplaintInput>;

export const noteInput = z.object({ note: shortText(2000).optional().describe('note') }).strict();
export const verifyInput = z.object({ findings: shortText(4000).describe('what was found'), departments: z.array(shortText(100)).max(20).default([]).describe('departments involved') }).strict();
export const assignInput = z.object({ to: staffRef(actorId.describe('new owner, by id or display name (chen.jing or 陈静)')), reason: reason.optional().describe('why') }).strict();
export const proposeInput = z.object({ plan: shortText(4000).describe('the resolution plan'), compensation: compensation.optional() }).strict();
export const notifyInput = z.object({ result: shortText(4000).describe('what the customer was told') }).strict();
// 回访: rating on the policy's scale, 1 very dissatisfied … 5 very satisfied.
export const followUpInput = z
  .object({
    rating: z.number().int('must be a whole number').min(1, 'must be 1–5').max(5, 'must be 1–5').describe(`satisfaction: ${Object.entries(RATING_LABELS).map(([n, l]) => `${n} ${l.zh}`).join(', ')}`),
    comment: shortText(2000).optional().describe("the customer's words"),
  })
  .strict();
export const reasonInput = z.object({ reason: reason.describe('why') }).strict();
export const optionalReasonInput = z.object({ reason: reason.optional().describe('why') }).strict();

// ── events ──────────────────────────────────────────────────────────────────────────────
const cid = { complaintId: entityId };
export const complaintEventSchemas = {
  ComplaintReceived: receiveComplaintInput
    .extend({ owner: actorId, customerClass, receivedAt: isoInstant, firstResponse: deadline, resolution: deadline, basis: basisSchema, notifyAtOnce: z.array(role) })
    .strict(),
  ComplaintAcknowledged: z.object({ ...cid, note: z.string().optional(), onTime: z.boolean() }).strict(),
  ComplaintVerified: z.object({ ...cid, findings: z.string(), departments: z.array(z.string()) }).strict(),
  ComplaintAssigned: z.object({ ...cid, from: actorId, to: actorId, reason: z.string().optional() }).strict(),
  ResolutionProposed: z.object({ ...cid, plan: z.string(), compensation: compensation.optional() }).strict(),
  CustomerNotified: z.object({ ...cid, result: z.string(), onTime: z.boolean(), followUpDue: isoInstant }).strict(),
  // dueAt: the follow-up's due instant, recorded by visits since the follow-up ledger shows it (absent in earlier events).
  FollowUpRecorded: z.object({ ...cid, rating: z.number().int().min(1).max(5), comment: z.string().optional(), satisfied: z.boolean(), dueAt: isoInstant.optional() }).strict(),
  FollowUpOverdue: z.object({ ...cid, dueAt: isoInstant }).strict(),
  ComplaintClosed: z.object({ ...cid, reason: z.string().optional() }).strict(),
  ComplaintReopened: z.object({ ...cid, reason: z.string(), resolution: deadline, basis: basisSchema }).strict(),
  ComplaintPaused: z.object({ ...cid, reason: z.string(), pausedAt: isoInstant }).strict(),
  ComplaintResumed: z
    .object({ ...cid, resumedAt: isoInstant, pausedBusinessMinutes: z.number().nonnegative(), firstResponse: deadline.nullable(), resolution: deadline.nullable() })
    .strict(),
  ComplaintWithdrawn: z.object({ ...cid, reason: z.string() }).strict(),
  DeadlineWarningIssued: z.object({ ...cid, ...warningData(DEADLINE_KINDS) }).strict(),
  ComplaintEscalated: z.object({ ...cid, ...escalationData(DEADLINE_KINDS) }).strict(),
};

type Schemas = typeof complaintEventSchemas;
export type ComplaintEventType = keyof Schemas;
export type ComplaintEvent = { [K in ComplaintEventType]: { type: K; data: z.infer<Schemas[K]> } }[ComplaintEventType];
export type ComplaintEventOf<K extends ComplaintEventType> = Extract<ComplaintEvent, { type: K }>;

/** Version 1 of the kernel's re-plan event, the complaint's own, named the two deadlines (null: unmoved). */
function replannedFromVersion1(data: unknown): unknown {
  const { firstResponse, resolution, ...rest } = data as { firstResponse: unknown; resolution: unknown } & Record<string, unknown>;
  return { ...rest, deadlines: { ...(firstResponse ? { firstResponse } : {}), ...(resolution ? { resolution } : {}) } };
}

export const complaintEvents = { ...atVersion1(complaintEventSchemas), ComplaintDeadlinesReplanned: deadlinesReplannedSpec('complaintId', replannedFromVersion1) };
