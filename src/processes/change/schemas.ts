import { z } from 'zod';
import { basisSchema, deadlineSchema, escalationData, warningData } from '../../domain/deadlines/schema';
import { CHANGE_KINDS, CUSTOMER_CLASSES, OPINIONS } from '../../domain/enums';
import { actorId, entityId, isoInstant, oneOf, reason, shortText } from '../../domain/fields';
import { staffRef } from '../../domain/staff/schema';
import { atVersion1 } from '../../domain/process';
import { ROLES } from '../../domain/roles';

/** Node side (left out of workflow bundles): the change request's (客户变更申请书) command inputs and event schemas. */

export const CHANGE_DEADLINES = ['review', 'approval', 'second_review', 'signoff', 'verify'] as const;
export type ChangeDeadlineKind = (typeof CHANGE_DEADLINES)[number];

const deadline = deadlineSchema(CHANGE_DEADLINES);
const trackedDeadline = deadline.extend({ met: z.boolean(), onTime: z.boolean().nullable(), warned: z.boolean(), firedLevels: z.array(z.number().int()) }).strict();
const role = oneOf(ROLES);
const localDate = z.iso.date({ message: 'must be a date such as 2026-10-31' });
const amount = z
  .number()
  .min(0, 'must be 0 or more')
  .max(1_000_000_000_000, 'must be at most 1000000000000')
  .refine((v) => Math.round(v * 100) === v * 100, { message: 'must have at most 2 decimal places (yuan and fen)' })
  .describe('amount involved, in yuan (0 when none)');

/** The editable part of the form: what an amendment may change. */
const formFields = {
  description: shortText(4000).describe('what is to change'),
  reason: reason.describe('why the customer asks for it'),
  amount,
  affects: shortText(200).describe('the contract or project affected (合同/项目)'),
  wantedBy: localDate.optional().describe('the date the customer wants it by'),
};

export const submitChangeInput = z
  .object({
    changeId: entityId,
    customerId: entityId.describe('the customer asking for the change'),
    kind: oneOf(CHANGE_KINDS).describe('合同 contract, 范围/设计 scope or design, 交付日期 delivery date, 价格 price, 服务方案 service plan'),
    ...formFields,
    changesApprovedPlan: z.boolean().default(false).describe('changes an already approved plan or contract: the decision committee decides (seed 002)'),
    requester: staffRef(actorId.optional().describe('who asks on the customer\'s behalf and may ask for a second review, by id or display name (default: whoever submits)')),
  })
  .strict();
export type SubmitChangeInput = z.infer<typeof submitChangeInput>;

export const reviewChangeInput = z
  .object({
    panel: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a review panel name such as finance').optional().describe('the panel you speak for (default: the one your role sits on)'),
    opinion: oneOf(OPINIONS).describe('同意 agree, 有条件同意 agree with conditions, 不同意 disagree'),
    comment: shortText(2000).optional().describe('the opinion in words (required unless you agree)'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.opinion !== 'agree' && !r.comment) ctx.addIssue({ code: 'custom', path: ['comment'], message: `is required when the opinion is ${r.opinion}` });
  });

export const approveChangeInput = z.object({ reason: reason.optional().describe('a note with the approval') }).strict();
export const rejectChangeInput = z.object({ reason: reason.describe('why it is rejected (required)') }).strict();
export const secondReviewInput = z.object({ reason: reason.describe('why the rejection should be reviewed again') }).strict();
export const signOffInput = z
  .object({
    documentRef: shortText(100).describe('the written sign-off document reference (书面签证编号)'),
    signatory: shortText(100).describe("who signed for the customer (name and title); kept with the company's copy"),
    signedOn: localDate.optional().describe('the date on the document (default: today)'),
  })
  .strict();
export const startImplementationInput = z
  .object({ team: shortText(100).describe('the team that implements it (实施团队)'), owner: staffRef(actorId.describe('the person answerable for the implementation, by id or display name')) })
  .strict();
export const noteInput = z.object({ note: shortText(2000).describe('what was done') }).strict();
export const verifyChangeInput = z
  .object({ passed: z.boolean().describe('whether the implementation does what was approved'), note: shortText(2000).describe('what was checked') })
  .strict();
export const closeChangeInput = z.object({ note: shortText(2000).optional() }).strict();
export const cancelChangeInput = z.object({ reason: reason.describe('why it is cancelled (required)') }).strict();
const amendments = z
  .object({ description: formFields.description.optional(), amount: amount.optional(), affects: formFields.affects.optional(), wantedBy: formFields.wantedBy })
  .strict();
export const amendChangeInput = amendments
  .extend({ reason: reason.describe('why the request is amended (required)') })
  .strict()
  .refine((a) => a.description !== undefined || a.amount !== undefined || a.affects !== undefined || a.wantedBy !== undefined, { message: 'must change at least one of description, amount, affects, wantedBy' });
export type AmendChangeInput = z.infer<typeof amendChangeInput>;

// ── events ──────────────────────────────────────────────────────────────────────────────
const cid = { changeId: entityId };
const tier = z.object({ name: z.string(), label: z.string(), role, quorum: z.number().int().min(1) }).strict();
const step = z
  .object({
    step: z.string(),
    roles: z.array(role),
    quorum: z.number().int().min(1),
    maker: actorId,
    decisions: z.array(z.object({ actor: actorId, role: z.string(), verdict: z.enum(['approve', 'reject']), reason: z.string().optional(), at: isoInstant }).strict()),
    outcome: z.enum(['pending', 'approved', 'rejected', 'withdrawn']),
    deadline: trackedDeadline.nullable(),
  })
  .strict();
const inactivity = z.object({ since: isoInstant, remindAt: isoInstant, escalateAt: isoInstant, shelveAt: isoInstant, escalateTo: role }).strict();
const panel = z.object({ panel: z.string(), label: z.string(), role }).strict();

export const changeEventSchemas = {
  ChangeRequested: submitChangeInput
    .omit({ requester: true })
    .extend({ requester: actorId, submittedBy: actorId, customerClass: oneOf(CUSTOMER_CLASSES), submittedAt: isoInstant, panels: z.array(panel), review: deadline, tier, basis: basisSchema })
    .strict(),
  ChangeReviewed: z.object({ ...cid, panel: z.string(), opinion: oneOf(OPINIONS), comment: z.string().optional(), reviewer: actorId, role, at: isoInstant, onTime: z.boolean(), outstanding: z.array(z.string()).describe('the panels still to give an opinion (labels)') }).strict(),
  ChangeSentForApproval: z.object({ ...cid, round: z.number().int().min(1), at: isoInstant, tier, step, basis: basisSchema }).strict(),
  ChangeDecisionRecorded: z
    .object({ ...cid, step: z.enum(['approval', 'second_review']), round: z.number().int().min(1), verdict: z.enum(['approve', 'reject']), reason: z.string().optional(), decidedBy: actorId, role, at: isoInstant, outcome: z.enum(['pending', 'approved', 'rejected']), approvals: z.array(actorId), quorum: z.number().int().min(1), onTime: z.boolean() })
    .strict(),
  ChangeApproved: z.object({ ...cid, round: z.number().int().min(1), step: z.enum(['approval', 'second_review']), approvers: z.array(actorId), signOff: deadline }).strict(),
  ChangeRejected: z.object({ ...cid, round: z.number().int().min(1), step: z.enum(['approval', 'second_review']), rejectedBy: actorId, reason: z.string(), secondReviewOpen: z.boolean() }).strict(),
  ChangeSecondReviewRequested: z.object({ ...cid, round: z.number().int().min(1), reason: z.string(), requestedBy: actorId, step }).strict(),
  ChangeSignedOff: z.object({ ...cid, documentRef: z.string(), signatory: z.string(), signedOn: localDate, recordedBy: actorId, onTime: z.boolean() }).strict(),
  ChangeImplementationStarted: z.object({ ...cid, team: z.string(), owner: actorId, inactivity }).strict(),
  ChangeImplementationUpdated: z.object({ ...cid, note: z.string(), by: actorId, inactivity, resumed: z.boolean() }).strict(),
  ChangeImplemented: z.object({ ...cid, note: z.string(), by: actorId, verify: deadline }).strict(),
  ChangeVerified: z.object({ ...cid, passed: z.boolean(), note: z.string(), verifiedBy: actorId, onTime: z.boolean(), inactivity: inactivity.optional() }).strict(),
  ChangeClosed: z.object({ ...cid, note: z.string().optional() }).strict(),
  ChangeCancelled: z.object({ ...cid, reason: z.string(), cancelledBy: actorId, from: z.string() }).strict(),
  ChangeAmended: z
    .object({ ...cid, round: z.number().int().min(2), changes: amendments, reason: z.string(), amendedBy: actorId, from: z.string(), tier, step, basis: basisSchema })
    .strict(),
  ChangeWarningIssued: z.object({ ...cid, ...warningData(CHANGE_DEADLINES) }).strict(),
  ChangeEscalated: z.object({ ...cid, ...escalationData(CHANGE_DEADLINES) }).strict(),
  ChangeInactivityReminded: z.object({ ...cid, level: z.enum(['remind', 'escalate']), since: isoInstant, at: isoInstant, owner: actorId, escalateTo: role.optional() }).strict(),
  ChangeShelved: z.object({ ...cid, since: isoInstant, at: isoInstant, owner: actorId }).strict(),
};

type Schemas = typeof changeEventSchemas;
export type ChangeEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const changeEvents = atVersion1(changeEventSchemas);
