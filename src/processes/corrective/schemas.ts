import { z } from 'zod';
import { basisSchema, deadlineSchema, escalationData, warningData } from '../../domain/deadlines/schema';
import { actorId, entityId, isoInstant, shortText } from '../../domain/fields';
import { staffRef } from '../../domain/staff/schema';
import { atVersion1 } from '../../domain/process';

/** Node side (left out of workflow bundles): the corrective action's (纠正措施) command inputs and event schemas. */

export const CORRECTIVE_DEADLINES = ['assign', 'plan', 'execute', 'verify'] as const;
export type CorrectiveDeadlineKind = (typeof CORRECTIVE_DEADLINES)[number];

const deadline = deadlineSchema(CORRECTIVE_DEADLINES);
const department = shortText(100).describe('the department that carries it out (责任部门)');
const negatives = z.object({ dissatisfied: z.number().int().min(0), very_dissatisfied: z.number().int().min(0) }).strict();

export const openCorrectiveInput = z
  .object({
    correctiveId: entityId,
    surveyId: entityId.describe('the survey round whose results call for it'),
    dimension: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a dimension key such as delivery'),
    label: shortText(50).describe('the indicator as the questionnaire names it'),
    negatives: negatives.describe('不满意 and 很不满意 answers the indicator drew'),
    answers: z.number().int().min(0).describe('answers the indicator drew in all'),
  })
  .strict();
export type OpenCorrectiveInput = z.infer<typeof openCorrectiveInput>;

export const assignCorrectiveInput = z
  .object({ owner: staffRef(actorId.describe('指标责任人: who plans and answers for the corrective action, by id or display name')), department, reason: shortText(1000).optional() })
  .strict();
export const planCorrectiveInput = z.object({ plan: shortText(4000).describe('the corrective action planned (纠正措施)'), department: department.optional() }).strict();
export const completeCorrectiveInput = z.object({ summary: shortText(4000).describe('what the department did') }).strict();
export const verifyCorrectiveInput = z
  .object({ effective: z.boolean().describe('true: verified effective, it closes; false: not effective, a new plan is needed'), note: shortText(2000).describe('what the verification found') })
  .strict();

const cid = { correctiveId: entityId };
export const correctiveEventSchemas = {
  CorrectiveActionOpened: openCorrectiveInput.extend({ openedAt: isoInstant, assign: deadline, basis: basisSchema }).strict(),
  CorrectiveOwnerAssigned: z.object({ ...cid, owner: actorId, department: z.string(), assignedBy: actorId, onTime: z.boolean(), plan: deadline }).strict(),
  CorrectivePlanRecorded: z.object({ ...cid, plan: z.string(), department: z.string(), by: actorId, onTime: z.boolean(), execute: deadline }).strict(),
  CorrectiveActionCompleted: z.object({ ...cid, summary: z.string(), by: actorId, onTime: z.boolean(), verify: deadline }).strict(),
  CorrectiveActionVerified: z.object({ ...cid, effective: z.boolean(), note: z.string(), by: actorId, onTime: z.boolean(), plan: deadline.optional() }).strict(),
  CorrectiveWarningIssued: z.object({ ...cid, ...warningData(CORRECTIVE_DEADLINES) }).strict(),
  CorrectiveEscalated: z.object({ ...cid, ...escalationData(CORRECTIVE_DEADLINES) }).strict(),
};

type Schemas = typeof correctiveEventSchemas;
export type CorrectiveEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const correctiveEvents = atVersion1(correctiveEventSchemas);
