import { z } from 'zod';
import { basisSchema, deadlineSchema, escalationData, warningData } from '../../domain/deadlines/schema';
import { CUSTOMER_TYPES, GRADES, IMPORTANCE } from '../../domain/enums';
import { actorId, address, email, entityId, isoInstant, oneOf, personName, phone, reason, shortText } from '../../domain/fields';
import { PARTIES, pii } from '../../domain/pii';
import { atVersion1 } from '../../domain/process';
import { ROLES } from '../../domain/roles';
import { CUSTOMER_CHANGE_KINDS, CUSTOMER_FLAGS, CUSTOMER_STEPS, GRADE_FACTOR_LABELS, GRADE_FACTORS, SCORE_MAX, SCORE_MIN, type GradeFactor } from './changes';

/** Node side (left out of workflow bundles): customer master data (客户台账) inputs and events. */

/** What a registration carries (the API body, the CLI options and the gateway all parse with this). */
export const customerProfile = z
  .object({
    // A customer may be a person (业主), so the name is marked as personal data; readers mask it only for a person (party).
    name: pii('person_name', shortText(200)).describe('customer name'),
    party: oneOf(PARTIES).optional().describe('个人 person or 单位 organisation; when absent, an 业主 owner is a person and anyone else an organisation'),
    contactPerson: personName.optional().describe('contact person'),
    phone: phone.optional().describe('mobile or landline'),
    email: email.optional().describe('e-mail address'),
    address: address.optional().describe('address'),
    type: oneOf(CUSTOMER_TYPES).default('potential').describe('潜在客户 potential, 意向客户 intending, 业主 owner'),
    importance: oneOf(IMPORTANCE).default('ordinary').describe('重点客户 key or 普通客户 ordinary; key opens its own designation, approved by two sales VPs'),
    grade: oneOf(GRADES).default('C').describe('credit and value grade A–D'),
    accountManager: shortText(100).optional().describe('account manager'),
  })
  .strict();
export type CustomerProfile = z.infer<typeof customerProfile>;

export const registerCustomerInput = customerProfile.extend({ customerId: entityId }).strict();
export type RegisterCustomerInput = z.infer<typeof registerCustomerInput>;

const contactFields = {
  contactPerson: personName.optional().describe('contact person'),
  phone: phone.optional().describe('mobile or landline'),
  email: email.optional().describe('e-mail address'),
  address: address.optional().describe('address'),
};
export const contactChanges = z
  .object(contactFields)
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: 'must change at least one of contactPerson, phone, email, address' })
  .meta({ minProperties: 1 });
export type ContactChanges = z.infer<typeof contactChanges>;

// ── maker-checker: what a maker submits, what a checker decides ────────────────────────────
export const profileChanges = z
  .object({
    name: customerProfile.shape.name.optional(),
    type: oneOf(CUSTOMER_TYPES).optional().describe('潜在客户 potential, 意向客户 intending, 业主 owner'),
    accountManager: shortText(100).optional().describe('account manager'),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: 'must change at least one of name, type, accountManager' })
  .meta({ minProperties: 1 });
export type ProfileChanges = z.infer<typeof profileChanges>;

export const setFlagInput = z
  .object({
    flag: oneOf(CUSTOMER_FLAGS).describe('blacklist 黑名单, repeated_claims 多次索赔 warning'),
    set: z.boolean().default(true).describe('true sets the flag, false clears it'),
    reason: reason.describe('why (required)'),
  })
  .strict();

const score = (f: GradeFactor) =>
  z
    .number()
    .int('must be a whole number')
    .min(SCORE_MIN, `must be ${SCORE_MIN}–${SCORE_MAX}`)
    .max(SCORE_MAX, `must be ${SCORE_MIN}–${SCORE_MAX}`)
    .describe(`${GRADE_FACTOR_LABELS[f].zh} ${GRADE_FACTOR_LABELS[f].en}, ${SCORE_MIN} (poor) to ${SCORE_MAX} (excellent)`);
export const gradeScores = z.object(Object.fromEntries(GRADE_FACTORS.map((f) => [f, score(f)])) as Record<GradeFactor, ReturnType<typeof score>>).strict();

export const changeGradeInput = z
  .object({
    grade: oneOf(GRADES).describe('the new grade A–D'),
    scores: gradeScores.describe('the five factor scores the grade rests on (seed 004)'),
    reason: reason.optional().describe('why the grade changes'),
  })
  .strict();

export const keyAccountInput = z
  .object({
    importance: oneOf(IMPORTANCE).default('key').describe('key designates a key account (重点客户), ordinary revokes it; two different sales VPs approve either'),
    reason: reason.optional().describe('why'),
  })
  .strict();

/** `C123-2`: the customer's id and the change's number on its record. */
export const changeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/, 'must be a change id such as C123-2 (see GET /customers/:id or the customer_changes ledger)')
  .describe('the pending change, e.g. C123-2');

export const approveChangeInput = z
  .object({
    changeId,
    reason: reason.optional().describe('a note with the approval'),
    noticeRef: shortText(100).optional().describe('grade changes: the reference of the written notice sent to the customer (书面通知文号), required to approve one'),
  })
  .strict();
export const rejectChangeInput = z.object({ changeId, reason: reason.describe('why it is rejected (required)') }).strict();
export const withdrawChangeInput = z.object({ changeId, reason: reason.optional().describe('why it is withdrawn') }).strict();
export const eraseCustomerInput = z.object({ reason: reason.describe('why the personal data is erased (required): the request it answers, 个人信息删除') }).strict();

export const secondReviewInput = z.object({ changeId, reason: reason.describe('why the rejection should be reviewed again (required)') }).strict();

// ── events ──────────────────────────────────────────────────────────────────────────────
const role = oneOf(ROLES);
const deadline = deadlineSchema(CUSTOMER_STEPS);
const trackedDeadline = deadline.extend({ met: z.boolean(), onTime: z.boolean().nullable(), warned: z.boolean(), firedLevels: z.array(z.number().int()) }).strict();
const verdict = z.enum(['approve', 'reject']);
const stepSchema = z
  .object({
    step: oneOf(CUSTOMER_STEPS),
    roles: z.array(role),
    quorum: z.number().int().min(1),
    maker: actorId,
    decisions: z.array(z.object({ actor: actorId, role: z.string(), verdict, reason: z.string().optional(), at: isoInstant }).strict()),
    outcome: z.enum(['pending', 'approved', 'rejected', 'withdrawn']),
    deadline: trackedDeadline.nullable(),
  })
  .strict();
const grade = oneOf(GRADES);
const importance = oneOf(IMPORTANCE);
const localDate = z.iso.date({ message: 'must be a date such as 2026-10-31' });
const ids = { customerId: entityId, changeId };
const kind = oneOf(CUSTOMER_CHANGE_KINDS);

export const customerEventSchemas = {
  CustomerRegistered: registerCustomerInput,
  CustomerContactUpdated: z.object({ customerId: entityId, changes: contactChanges }).strict(),
  /** A maker's change, awaiting its checkers: what it proposes (one of the sections, by kind) and its approval step. */
  CustomerChangeSubmitted: z
    .object({
      ...ids,
      kind,
      fields: z.array(z.string()),
      maker: actorId,
      submittedAt: isoInstant,
      registration: customerProfile.optional(),
      contact: contactChanges.optional(),
      profile: profileChanges.optional(),
      flag: z.object({ flag: oneOf(CUSTOMER_FLAGS), set: z.boolean(), reason: z.string() }).strict().optional(),
      grade: z.object({ from: grade, to: grade, scores: gradeScores, total: z.number().int() }).strict().optional(),
      importance: z.object({ from: importance, to: importance }).strict().optional(),
      reason: z.string().optional(),
      step: stepSchema,
      basis: basisSchema.nullable(),
    })
    .strict(),
  CustomerChangeDecided: z
    .object({
      ...ids,
      kind,
      step: oneOf(CUSTOMER_STEPS),
      verdict,
      reason: z.string().optional(),
      noticeRef: z.string().optional(),
      decidedBy: actorId,
      role: z.string(),
      at: isoInstant,
      outcome: z.enum(['pending', 'approved', 'rejected']),
      approvals: z.array(actorId),
      onTime: z.boolean().nullable(),
    })
    .strict(),
  CustomerChangeWithdrawn: z.object({ ...ids, kind, withdrawnBy: actorId, reason: z.string().optional(), at: isoInstant }).strict(),
  CustomerSecondReviewRequested: z.object({ ...ids, kind, reason: z.string(), requestedBy: actorId, at: isoInstant, step: stepSchema, basis: basisSchema.nullable() }).strict(),
  // What approved changes do (after the decision that approved them); registration and contact use the events above.
  CustomerProfileChanged: z.object({ ...ids, changes: profileChanges }).strict(),
  CustomerFlagChanged: z.object({ ...ids, flag: oneOf(CUSTOMER_FLAGS), set: z.boolean(), reason: z.string() }).strict(),
  /** A grade change takes effect with the written notice to the customer (书面通知, seed 004). */
  CustomerGradeChanged: z
    .object({ ...ids, from: grade, to: grade, scores: gradeScores, total: z.number().int(), noticeRef: z.string(), approvedBy: z.array(actorId), effectiveOn: localDate })
    .strict(),
  CustomerImportanceChanged: z.object({ ...ids, from: importance, to: importance, approvedBy: z.array(actorId) }).strict(),
  /**
   * The customer's personal data is erased: its data key is destroyed once this event is durable, so every personal
   * field sealed with it (in events, ledgers, Temporal payloads) reads as [已删除] from then on. No personal data in it.
   */
  CustomerErased: z.object({ ...ids, approvedBy: z.array(actorId), reason: z.string(), at: isoInstant }).strict(),
  CustomerApprovalWarningIssued: z.object({ ...ids, ...warningData(CUSTOMER_STEPS) }).strict(),
  CustomerApprovalEscalated: z.object({ ...ids, ...escalationData(CUSTOMER_STEPS) }).strict(),
};

type Schemas = typeof customerEventSchemas;
export type CustomerEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];
export type CustomerEventOf<T extends CustomerEvent['type']> = Extract<CustomerEvent, { type: T }>;

export const customerEvents = atVersion1(customerEventSchemas);
