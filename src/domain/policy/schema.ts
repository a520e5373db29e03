import { z } from 'zod';
import defaults from '../../../policies/default.json';
import { calendarSettingsSchema, workingDayMinutesOf } from '../calendar/settings';
import { DURATION_UNITS, durationMinutes } from '../deadlines/duration';
import { CUSTOMER_CLASSES, SEVERITIES, SURVEY_LEVELS } from '../enums';
import { validationError } from '../errors';
import { oneOf } from '../fields';
import { ROLES } from '../roles';
import { parseOrThrow } from '../validation';

/**
 * The policy as data: the rules every process's deadlines are computed from, on the business calendar it is counted in.
 * - complaints (docs/domain.md, Complaints): `targets` per severity × customer class, `warningFraction`, `escalationLadder`,
 *   the follow-up visit (回访) window;
 * - `enquiries` (咨询): the answer target, with its own warning and ladder or the complaints' ones;
 * - `approvals`: change requests and master-data changes (time limits, panels, tiers, second review, inactivity);
 * - `surveys`: satisfaction survey cycles, the questionnaire, the window and targets, corrective actions.
 * Targets are business time; `working_days` means that many full working days of working time (1 working day = 450
 * minutes with the default hours), which is how "half a working day" is meant.
 */

export const businessDurationSchema = z
  .object({
    value: z.number().positive('must be greater than 0').max(1_000_000, 'must be at most 1000000'),
    unit: oneOf(DURATION_UNITS),
  })
  .strict();

export const slaTargetSchema = z.object({ firstResponse: businessDurationSchema, resolution: businessDurationSchema }).strict();

export const severityPolicySchema = z
  .object({
    ordinary: slaTargetSchema,
    key: slaTargetSchema,
    /** Roles told the moment a complaint of this severity is received (major: 总经理, "立即向总经理汇报"). */
    notifyAtOnce: z.array(oneOf(ROLES)).default(() => []),
  })
  .strict();

export const escalationStepSchema = z
  .object({
    level: z.number().int('must be a whole number').min(1, 'must be at least 1'),
    role: oneOf(ROLES),
    /** When, after the breach, as a fraction of the target: 0 = at breach, 0.5 = breach + 50 % of the target. */
    afterBreach: z.number().min(0, 'must be 0 or more').max(100, 'must be at most 100'),
  })
  .strict();

const ladderSchema = z
  .array(escalationStepSchema)
  .min(1, 'must have at least one step')
  .superRefine((ladder, ctx) => {
    ladder.forEach((step, i) => {
      const prev = ladder[i - 1];
      if (step.level !== i + 1) ctx.addIssue({ code: 'custom', path: [i, 'level'], message: `must be ${i + 1} (levels run 1, 2, 3… in order)` });
      if (prev && step.afterBreach < prev.afterBreach) ctx.addIssue({ code: 'custom', path: [i, 'afterBreach'], message: 'must not be earlier than the previous level' });
    });
  });

const warningFractionSchema = z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1');

export const followUpSchema = z
  .object({
    /** 回访 due the n-th working day after the customer is notified (see BusinessCalendar.addWorkingDays). */
    withinWorkingDays: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
    /** Or a business-time window, for demo policies measured in seconds. */
    within: businessDurationSchema.optional(),
    /** Levels of the satisfaction rating (1 = very dissatisfied … n = very satisfied). */
    ratingLevels: z.number().int('must be a whole number').min(2, 'must be at least 2').max(10, 'must be at most 10'),
    /** The lowest rating that counts as satisfied (基本满意 on the five-level scale); a lower one reopens the complaint. */
    satisfiedFrom: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.withinWorkingDays === undefined) === (f.within === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['withinWorkingDays'], message: 'exactly one of withinWorkingDays or within must be set' });
    }
    if (f.satisfiedFrom !== undefined && f.satisfiedFrom > f.ratingLevels) ctx.addIssue({ code: 'custom', path: ['satisfiedFrom'], message: 'must not be above ratingLevels' });
  });

/** 咨询: "对客户的查询,要在十分钟内给予明确的答复" (seed 001). */
export const enquiryPolicySchema = z
  .object({
    answer: businessDurationSchema,
    warningFraction: warningFractionSchema.optional(),
    escalationLadder: ladderSchema.optional(),
  })
  .strict();

export const DEFAULT_ENQUIRY_POLICY = { answer: { value: 10, unit: 'minutes' } } as const;

/** Elapsed calendar time (not business time), for inactivity rules: 2 weeks, 1 month, 3 months (seed 004). */
export const CALENDAR_UNITS = ['days', 'weeks', 'months'] as const;
export const calendarDurationSchema = z
  .object({ value: z.number().int('must be a whole number').positive('must be greater than 0').max(1200, 'must be at most 1200'), unit: oneOf(CALENDAR_UNITS) })
  .strict();

const approverRole = oneOf(ROLES);
const quorumSchema = z.number().int('must be a whole number').min(1, 'must be at least 1').max(9, 'must be at most 9');

/** One approval tier (分级会审): amounts up to `upTo` (none = any amount) go to `role`; `quorum` distinct approvers. */
export const approvalTierSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be 1–32 lowercase letters, digits or "_", starting with a letter'),
    label: z.string().max(50, 'must be at most 50 characters').optional(),
    upTo: z.number().nonnegative('must be 0 or more').optional(),
    role: approverRole,
    /** Distinct approvers needed, per customer class (two different VPs for key accounts, seed 004). */
    quorum: z.object({ ordinary: quorumSchema, key: quorumSchema }).strict(),
  })
  .strict();

/** A review panel of change requests (seed 002: 客服部 with 财务部, 市场部 and the expert panel). */
export const reviewPanelSchema = z
  .object({ panel: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be 1–32 lowercase letters, digits or "_", starting with a letter'), label: z.string().max(50), role: approverRole })
  .strict();

/**
 * Approvals (change requests and customer master data): every step's time limit (2 working days by default, seed 004
 * asks for one), its warning and ladder, the review panels, the tiers by amount and customer class, who decides on a
 * change to an approved plan, who gives the second review, the inactivity rule of implementations, and the checkers
 * of master data.
 */
export const approvalsPolicySchema = z
  .object({
    stepDeadline: businessDurationSchema,
    warningFraction: warningFractionSchema.optional(),
    escalationLadder: ladderSchema,
    review: z.object({ panels: z.array(reviewPanelSchema).min(1, 'must have at least one panel') }).strict(),
    tiers: z
      .array(approvalTierSchema)
      .min(1, 'must have at least one tier')
      .superRefine((tiers, ctx) => {
        tiers.forEach((t, i) => {
          const prev = tiers[i - 1];
          if (i < tiers.length - 1 && t.upTo === undefined) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'is required on every tier but the last' });
          if (prev?.upTo !== undefined && t.upTo !== undefined && t.upTo <= prev.upTo) ctx.addIssue({ code: 'custom', path: [i, 'upTo'], message: 'must be above the previous tier' });
        });
        if (tiers.at(-1)?.upTo !== undefined) ctx.addIssue({ code: 'custom', path: [tiers.length - 1, 'upTo'], message: 'must be absent on the last tier (it takes any amount)' });
      }),
    /** The tier that decides any change to an already approved plan or contract (决策委员会, seed 002). */
    approvedPlanTier: z.string(),
    /** Who gives the second review (二次审核) a requester may ask for after a rejection (seed 004). */
    secondReview: z.object({ role: approverRole }).strict(),
    /** An implementation not updated for `remind` reminds its owner and their manager, `escalate` tells `escalateTo` too, `shelve` shelves it (搁置). */
    inactivity: z.object({ remind: calendarDurationSchema, escalate: calendarDurationSchema, shelve: calendarDurationSchema, escalateTo: approverRole }).strict(),
    /** Customer master data under maker-checker (seed 000): who checks changes, who approves grade changes, key accounts. */
    masterData: z
      .object({
        checkers: z.array(approverRole).min(1, 'must name at least one role'),
        gradeCheckers: z.array(approverRole).min(1, 'must name at least one role'),
        keyAccount: z.object({ role: approverRole, quorum: quorumSchema }).strict(),
      })
      .strict(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (!a.tiers.some((t) => t.name === a.approvedPlanTier)) ctx.addIssue({ code: 'custom', path: ['approvedPlanTier'], message: `must be one of the tiers: ${a.tiers.map((t) => t.name).join(', ')}` });
  });
export type ApprovalsPolicy = z.infer<typeof approvalsPolicySchema>;

const slug = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be 1–32 lowercase letters, digits or "_", starting with a letter');

/** One indicator (指标) of the questionnaire: a key and its label as the form shows it. */
export const surveyDimensionSchema = z.object({ key: slug, label: z.string().min(1, 'is required').max(50, 'must be at most 50 characters') }).strict();

export const surveyDimensionsSchema = z
  .array(surveyDimensionSchema)
  .min(1, 'must have at least one dimension')
  .max(30, 'must have at most 30 dimensions')
  .superRefine((dims, ctx) => {
    dims.forEach((d, i) => {
      if (dims.findIndex((o) => o.key === d.key) !== i) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `must be unique (${d.key} appears twice)` });
    });
  });

/**
 * A survey cycle on its Temporal Schedule: key customers every quarter, ordinary customers every half year (seed 000),
 * on the period's first working day (or a fixed day, moved to the next working day) at `at`, local time.
 */
export const surveyCycleSchema = z
  .object({
    segment: z.enum(['key', 'ordinary'], { message: 'must be one of key, ordinary' }),
    every: z.enum(['quarter', 'half_year'], { message: 'must be one of quarter, half_year' }),
    day: z.union([z.literal('first_working_day'), z.number().int('must be a whole number').min(1, 'must be 1–28').max(28, 'must be 1–28')]),
    at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
    timeZone: z.string().default('Asia/Shanghai'),
  })
  .strict();
export type SurveyCycle = z.infer<typeof surveyCycleSchema>;

/**
 * Satisfaction surveys (满意度调查, seed 000): the questionnaire, which levels count as satisfied, the response window
 * and its reminders (working days after opening), the targets of a regular round (≥ 100 returns, ≥ 10 competitor
 * forms), the cycles, the sample, and the deadlines of corrective actions.
 */
export const surveysPolicySchema = z
  .object({
    questionnaire: z.object({ version: z.string().min(1).max(40), title: z.string().min(1).max(100), dimensions: surveyDimensionsSchema }).strict(),
    satisfiedLevels: z.array(oneOf(SURVEY_LEVELS)).min(1, 'must name at least one level'),
    window: businessDurationSchema,
    reminders: z.array(businessDurationSchema).max(10, 'must have at most 10 reminders'),
    targets: z.object({ returns: z.number().int().min(0), competitor: z.number().int().min(0) }).strict(),
    cycles: z.array(surveyCycleSchema),
    sample: z.object({ ordinarySize: z.number().int().min(1).max(100_000), salespeople: z.boolean(), dealers: z.boolean() }).strict(),
    corrective: z
      .object({ assign: businessDurationSchema, plan: businessDurationSchema, execute: businessDurationSchema, verify: businessDurationSchema, warningFraction: warningFractionSchema.optional(), escalationLadder: ladderSchema })
      .strict(),
  })
  .strict();
export type SurveysPolicy = z.infer<typeof surveysPolicySchema>;

export const policySchema = z
  .object({
    name: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1–64 lowercase letters, digits, "_" or "-"'),
    /** Bump on every change: deadlines record `name@version`, so replay shows which rules set them. */
    version: z.number().int('must be a whole number').min(1, 'must be at least 1'),
    description: z.string().max(1000, 'must be at most 1000 characters').optional(),
    targets: z.object({ major: severityPolicySchema, normal: severityPolicySchema, minor: severityPolicySchema }).strict(),
    /** Warn the owner when this fraction of a target has elapsed (0.8 = at 80 %). */
    warningFraction: warningFractionSchema,
    escalationLadder: ladderSchema,
    followUp: followUpSchema,
    enquiries: enquiryPolicySchema.default(() => ({ ...DEFAULT_ENQUIRY_POLICY, answer: { ...DEFAULT_ENQUIRY_POLICY.answer } })),
    // A policy without the section gets docs/domain.md's (policies/default.json, the one source; see approval/defaults.ts).
    approvals: approvalsPolicySchema.default(() => structuredClone(defaults.approvals) as ApprovalsPolicy),
    surveys: surveysPolicySchema.default(() => structuredClone(defaults.surveys) as SurveysPolicy),
    calendar: calendarSettingsSchema,
  })
  .strict()
  .superRefine((p, ctx) => {
    const dayMinutes = workingDayMinutesOf(p.calendar);
    for (const severity of SEVERITIES) {
      for (const customerClass of CUSTOMER_CLASSES) {
        const t = p.targets[severity][customerClass];
        if (durationMinutes(t.firstResponse, dayMinutes) > durationMinutes(t.resolution, dayMinutes)) {
          ctx.addIssue({ code: 'custom', path: ['targets', severity, customerClass, 'firstResponse'], message: 'must not be longer than resolution' });
        }
      }
    }
  });

export type Policy = z.infer<typeof policySchema>;

/** Parses a policy (a JSON string or an already-parsed value); errors name each field and the rule it broke. */
export function parsePolicy(json: unknown): Policy {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw validationError([{ field: '(policy)', rule: `must be valid JSON (${e instanceof Error ? e.message : String(e)})` }]);
    }
  }
  return parseOrThrow(policySchema, value);
}
