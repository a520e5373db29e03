import { z } from 'zod';
import { entityId, isoInstant, reason, shortText } from '../fields';
import { ROLES } from '../roles';

// 重大 / 一般 / 轻微
export const SEVERITIES = ['major', 'normal', 'minor'] as const;
export const CHANNELS = ['phone', 'visit', 'letter', 'web', 'email'] as const;
// 产品质量, 服务态度, 交付, 收费, 其他
export const CATEGORIES = ['product_quality', 'service_attitude', 'delivery', 'charges', 'other'] as const;
export const CUSTOMER_CLASSES = ['key', 'ordinary'] as const;
export const DEADLINE_KINDS = ['first_response', 'resolution'] as const;

export type Severity = (typeof SEVERITIES)[number];
export type Channel = (typeof CHANNELS)[number];
export type Category = (typeof CATEGORIES)[number];
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { message: `must be one of ${values.join(', ')}` });

export const severity = oneOf(SEVERITIES);
export const channel = oneOf(CHANNELS);
export const category = oneOf(CATEGORIES);
export const customerClass = oneOf(CUSTOMER_CLASSES);
export const deadlineKind = oneOf(DEADLINE_KINDS);
const role = oneOf(ROLES);

export const compensation = z
  .object({
    amountYuan: z.number().nonnegative('must be zero or more').max(100_000_000, 'must be at most 100000000').optional(),
    description: shortText(1000).optional(),
  })
  .strict();

/** One deadline as the SLA policy set it, with its warning and escalation ladder: stored on the event that set it. */
export const deadline = z
  .object({
    kind: deadlineKind,
    due: isoInstant,
    /** The target in business minutes (after halving for key customers). */
    targetMinutes: z.number().nonnegative(),
    warnAt: isoInstant.nullable(),
    escalations: z.array(z.object({ level: z.number().int().min(1), role, at: isoInstant }).strict()),
  })
  .strict();
export type Deadline = z.infer<typeof deadline>;

/** What the calendar and policy said when deadlines were computed, so replay shows why a deadline was what it was. */
export const slaBasis = z
  .object({
    policy: z.string(),
    calendar: z.object({ source: z.string(), warnings: z.array(z.string()) }).strict(),
  })
  .strict();

// ── command inputs (API bodies, CLI options and Update arguments parse with these) ────────────
export const receiveComplaintInput = z
  .object({
    complaintId: entityId,
    customerId: entityId,
    channel,
    category,
    severity,
    summary: shortText(2000),
    requestedCompensation: compensation.optional(),
    // 首问负责人: the agent who first takes the matter owns it until closed or handed over.
    owner: entityId.optional(),
  })
  .strict();
export type ReceiveComplaintInput = z.infer<typeof receiveComplaintInput>;

export const noteInput = z.object({ note: shortText(2000).optional() }).strict();
export const verifyInput = z.object({ findings: shortText(4000), departments: z.array(shortText(100)).max(20).default([]) }).strict();
export const assignInput = z.object({ to: entityId, reason: reason.optional() }).strict();
export const proposeInput = z.object({ plan: shortText(4000), compensation: compensation.optional() }).strict();
export const notifyInput = z.object({ result: shortText(4000) }).strict();
// 回访: 5-level rating, 1 very dissatisfied … 5 very satisfied.
export const followUpInput = z
  .object({
    rating: z.number().int('must be a whole number').min(1, 'must be 1–5').max(5, 'must be 1–5'),
    comment: shortText(2000).optional(),
  })
  .strict();
export const reasonInput = z.object({ reason }).strict();
export const optionalReasonInput = z.object({ reason: reason.optional() }).strict();

// ── events ──────────────────────────────────────────────────────────────────────────────
const cid = { complaintId: entityId };
export const complaintEvents = {
  ComplaintReceived: receiveComplaintInput
    .extend({ owner: entityId, customerClass, receivedAt: isoInstant, firstResponse: deadline, resolution: deadline, basis: slaBasis, notifyAtOnce: z.array(role) })
    .strict(),
  ComplaintAcknowledged: z.object({ ...cid, note: z.string().optional(), onTime: z.boolean() }).strict(),
  ComplaintVerified: z.object({ ...cid, findings: z.string(), departments: z.array(z.string()) }).strict(),
  ComplaintAssigned: z.object({ ...cid, from: entityId, to: entityId, reason: z.string().optional() }).strict(),
  ResolutionProposed: z.object({ ...cid, plan: z.string(), compensation: compensation.optional() }).strict(),
  CustomerNotified: z.object({ ...cid, result: z.string(), onTime: z.boolean(), followUpDue: isoInstant }).strict(),
  FollowUpRecorded: z.object({ ...cid, rating: z.number().int().min(1).max(5), comment: z.string().optional(), satisfied: z.boolean() }).strict(),
  FollowUpOverdue: z.object({ ...cid, dueAt: isoInstant }).strict(),
  ComplaintClosed: z.object({ ...cid, reason: z.string().optional() }).strict(),
  ComplaintReopened: z.object({ ...cid, reason: z.string(), resolution: deadline, basis: slaBasis }).strict(),
  ComplaintPaused: z.object({ ...cid, reason: z.string(), pausedAt: isoInstant }).strict(),
  ComplaintResumed: z
    .object({ ...cid, resumedAt: isoInstant, pausedBusinessMinutes: z.number().nonnegative(), firstResponse: deadline.nullable(), resolution: deadline.nullable() })
    .strict(),
  ComplaintWithdrawn: z.object({ ...cid, reason: z.string() }).strict(),
  DeadlineWarningIssued: z.object({ ...cid, deadline: deadlineKind, dueAt: isoInstant, warnAt: isoInstant }).strict(),
  ComplaintEscalated: z
    .object({ ...cid, deadline: deadlineKind, level: z.number().int().min(1), role, dueAt: isoInstant, escalateAt: isoInstant, reason: z.string() })
    .strict(),
  /**
   * A notification the event before it calls for, recorded in the same append; the worker then sends it at most
   * once per key. Bodies carry ids and deadlines only, never personal data.
   */
  NotificationIssued: z
    .object({
      ...cid,
      key: z.string(),
      recipient: z.string(),
      subject: z.string(),
      body: z.string(),
      /** Type of the event the notification announces. */
      about: z.string(),
    })
    .strict(),
} as const;

export type ComplaintEventType = keyof typeof complaintEvents;
export type ComplaintEvent = { [K in ComplaintEventType]: { type: K; data: z.infer<(typeof complaintEvents)[K]> } }[ComplaintEventType];
