import { z } from 'zod';
import { basisSchema, deadlineSchema, escalationData, warningData } from '../../domain/deadlines/schema';
import { CHANNELS } from '../../domain/enums';
import { actorId, entityId, isoInstant, oneOf, reason, shortText } from '../../domain/fields';
import { staffRef } from '../../domain/staff/schema';
import { atVersion1 } from '../../domain/process';

/** Node side (left out of workflow bundles): the enquiry's command inputs and event schemas. */

export const ENQUIRY_DEADLINES = ['answer'] as const;
export type EnquiryDeadlineKind = (typeof ENQUIRY_DEADLINES)[number];

const deadline = deadlineSchema(ENQUIRY_DEADLINES);
const department = shortText(100).describe('the department responsible (责任部门)');

export const receiveEnquiryInput = z
  .object({
    enquiryId: entityId,
    customerId: entityId.optional().describe('the customer asking, when known'),
    channel: oneOf(CHANNELS).describe('how the enquiry came in'),
    topic: shortText(2000).describe('what the customer asks'),
    // 凡涉及到单位重大事项,第一责任者要立即向总经理汇报 (seed 002)
    major: z.boolean().default(false).describe('a major matter: the general manager hears of it at once'),
    // 首问负责人: whoever first takes it owns it.
    owner: staffRef(actorId.optional().describe('first-responsible person, 首问负责人, by id or display name (default: whoever receives it)')),
  })
  .strict();
export type ReceiveEnquiryInput = z.infer<typeof receiveEnquiryInput>;

export const answerEnquiryInput = z.object({ answer: shortText(4000).describe('the clear answer given to the customer') }).strict();
export const transferEnquiryInput = z
  .object({ department, to: staffRef(actorId.optional().describe('the person in that department who takes it, by id or display name')), reason: reason.describe('why it is not within your remit') })
  .strict();
export const closeEnquiryInput = z.object({ reason: reason.optional().describe('why (required to close an unanswered enquiry)') }).strict();

const eid = { enquiryId: entityId };
export const enquiryEventSchemas = {
  EnquiryReceived: receiveEnquiryInput.extend({ owner: actorId, major: z.boolean(), receivedAt: isoInstant, answer: deadline, basis: basisSchema }).strict(),
  EnquiryTransferred: z.object({ ...eid, from: actorId, department: z.string(), to: actorId.optional(), reason: z.string() }).strict(),
  EnquiryAnswered: z.object({ ...eid, answer: z.string(), answeredBy: actorId, onTime: z.boolean(), firstContact: z.boolean() }).strict(),
  EnquiryClosed: z.object({ ...eid, reason: z.string().optional() }).strict(),
  EnquiryWarningIssued: z.object({ ...eid, ...warningData(ENQUIRY_DEADLINES) }).strict(),
  EnquiryEscalated: z.object({ ...eid, ...escalationData(ENQUIRY_DEADLINES) }).strict(),
};

type Schemas = typeof enquiryEventSchemas;
export type EnquiryEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const enquiryEvents = atVersion1(enquiryEventSchemas);
