import { z } from 'zod';
import { basisSchema } from '../../domain/deadlines/schema';
import { RESPONDENT_KINDS, SURVEY_LEVELS, SURVEY_SEGMENTS } from '../../domain/enums';
import { entityId, isoInstant, oneOf, shortText } from '../../domain/fields';
import { surveyDimensionsSchema, businessDurationSchema } from '../../domain/policy/schema';
import { atVersion1 } from '../../domain/process';

/** Node side (left out of workflow bundles): the survey round's (满意度调查) command inputs and event schemas. */

/** `C123` (a customer or dealer) or `staff.li.na` (a salesperson of the staff directory). */
export const respondentId = z.string().regex(/^(?:[A-Za-z0-9][A-Za-z0-9_-]{0,63}|staff\.[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/, 'must be a customer id (C123) or staff.<person> (staff.li.na)');
export const respondentSchema = z.object({ id: respondentId, kind: oneOf(RESPONDENT_KINDS) }).strict();

const dimensionKey = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a dimension key such as delivery');
/** One answer per indicator of the round's questionnaire, on the five-level scale; dimensions left blank are not answered. */
export const answersSchema = z
  .record(dimensionKey, oneOf(SURVEY_LEVELS))
  .refine((a) => Object.keys(a).length > 0, { message: 'must answer at least one dimension' })
  .describe('level per dimension: very_satisfied 很满意, satisfied 满意, fairly_satisfied 基本满意, dissatisfied 不满意, very_dissatisfied 很不满意');
const comment = shortText(2000).optional().describe('free text: opinions and suggestions (意见和建议)');
const competitor = shortText(100).describe('the competitor the form is about (竞争对手)');
const sampleSchema = z
  .object({
    source: z.string().max(100).describe('where the sample was read from (ledger:customers)'),
    checkpoint: z.string().max(40).describe('the ledger checkpoint (event position) it was read at'),
    rule: z.string().max(300).describe('how respondents were chosen'),
    population: z.number().int().min(0).describe('how many were eligible'),
  })
  .strict();
const previousSchema = z.object({ surveyId: z.string(), satisfactionRate: z.number().nullable(), closedAt: isoInstant }).strict();
const targetsSchema = z.object({ returns: z.number().int().min(0), competitor: z.number().int().min(0) }).strict();

export const openSurveyInput = z
  .object({
    surveyId: entityId,
    segment: oneOf(SURVEY_SEGMENTS).default('special').describe('key and ordinary rounds open from their schedules; staff open special surveys (专项调查)'),
    period: z.string().regex(/^\d{4}(?:Q[1-4]|H[12])$/, 'must be a period such as 2027Q1 or 2027H1').optional(),
    title: shortText(200).optional().describe('what the survey is about'),
    respondents: z.array(respondentSchema).max(20_000, 'must have at most 20000 respondents').describe('who is asked (customers, dealers, salespeople)'),
    dimensions: surveyDimensionsSchema.optional().describe('the questionnaire of this round (default: the policy\'s, 《客户满意度调查问卷》)'),
    window: businessDurationSchema.optional().describe('the response window (default: the policy\'s, 15 working days)'),
    targets: targetsSchema.optional().describe('returns and competitor forms wanted (regular rounds: the policy\'s, 100 and 10)'),
    outsourced: shortText(200).optional().describe('the agency carrying it out (委外): its results are imported'),
    sample: sampleSchema.optional(),
    previous: previousSchema.optional().describe('the previous round of the same segment, for the trend'),
  })
  .strict();
export type OpenSurveyInput = z.infer<typeof openSurveyInput>;

export const respondInput = z
  .object({
    respondentId,
    answers: answersSchema,
    comment,
    channel: z.enum(['web', 'paper'], { message: 'must be one of web, paper' }).default('paper').describe('web: the invitation link; paper: a returned paper questionnaire entered by staff'),
  })
  .strict();

export const benchmarkInput = z.object({ competitor, answers: answersSchema, comment }).strict();

export const importRowSchema = z
  .object({
    line: z.number().int().min(2).describe('line of the file'),
    form: z.enum(['customer', 'competitor'], { message: 'must be one of customer, competitor' }),
    respondentId: respondentId.optional(),
    competitor: competitor.optional(),
    answers: answersSchema,
    comment,
  })
  .strict();
export const importSurveyInput = z
  .object({
    file: z.object({ name: shortText(200), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest') }).strict(),
    rows: z.array(importRowSchema).min(1, 'must have at least one row').max(5000, 'must have at most 5000 rows'),
  })
  .strict();
export type ImportRow = z.infer<typeof importRowSchema>;

export const closeSurveyInput = z.object({ reason: shortText(1000).describe('why it closes before its window ends') }).strict();

// ── events ─────────────────────────────────────────────────────────────────────────────────
const sid = { surveyId: entityId };
const levelCounts = z.record(z.string(), z.number().int().min(0));
const distribution = z.record(z.string(), levelCounts);
export const surveyEventSchemas = {
  SurveyOpened: z
    .object({
      ...sid,
      segment: oneOf(SURVEY_SEGMENTS),
      period: z.string().nullable(),
      title: z.string(),
      questionnaire: z.object({ version: z.string(), title: z.string() }).strict(),
      dimensions: surveyDimensionsSchema,
      satisfiedLevels: z.array(oneOf(SURVEY_LEVELS)),
      respondents: z.array(respondentSchema),
      targets: targetsSchema,
      opensAt: isoInstant,
      closesAt: isoInstant,
      reminders: z.array(isoInstant),
      outsourced: z.string().nullable(),
      sample: sampleSchema.nullable(),
      previous: previousSchema.nullable(),
      basis: basisSchema,
    })
    .strict(),
  /** A batch of invitations: respondents[from, to) of the round. */
  SurveyInvitationsSent: z.object({ ...sid, from: z.number().int().min(0), to: z.number().int().min(0) }).strict(),
  /** Reminder n (1-based) to those of respondents[from, to) who had not answered: listed. */
  SurveyRemindersSent: z.object({ ...sid, reminder: z.number().int().min(1), from: z.number().int().min(0), to: z.number().int().min(0), respondents: z.array(respondentId) }).strict(),
  SurveyResponseRecorded: z
    .object({
      ...sid,
      responseNo: z.number().int().min(1),
      respondentId,
      kind: oneOf(RESPONDENT_KINDS),
      channel: z.enum(['web', 'paper', 'import']),
      answers: z.record(z.string(), oneOf(SURVEY_LEVELS)),
      comment: z.string().optional(),
      line: z.number().int().optional(),
    })
    .strict(),
  SurveyBenchmarkRecorded: z
    .object({
      ...sid,
      responseNo: z.number().int().min(1),
      competitor: z.string(),
      channel: z.enum(['paper', 'import']),
      answers: z.record(z.string(), oneOf(SURVEY_LEVELS)),
      comment: z.string().optional(),
      line: z.number().int().optional(),
    })
    .strict(),
  SurveyImportRecorded: z.object({ ...sid, file: z.object({ name: z.string(), sha256: z.string() }).strict(), responses: z.number().int(), benchmarks: z.number().int() }).strict(),
  SurveyClosed: z
    .object({
      ...sid,
      closedAt: isoInstant,
      early: z.boolean(),
      reason: z.string().optional(),
      respondents: z.number().int(),
      returns: z.number().int(),
      competitorForms: z.number().int(),
      targets: targetsSchema,
      shortfall: z.object({ returns: z.boolean(), competitor: z.boolean() }).strict(),
      distribution,
      competitorDistribution: distribution,
      /** Answers given over all indicators, and those at a satisfied level: the rate's terms (the KPI adds them up). */
      answers: z.number().int().min(0),
      satisfiedAnswers: z.number().int().min(0),
      satisfactionRate: z.number().nullable(),
      competitorRate: z.number().nullable(),
      dimensionRates: z.record(z.string(), z.number().nullable()),
      trend: z.object({ previous: z.string(), previousRate: z.number().nullable(), delta: z.number().nullable() }).strict().nullable(),
      negativeDimensions: z.array(z.string()),
      correctiveActions: z.array(z.string()),
    })
    .strict(),
};

type Schemas = typeof surveyEventSchemas;
export type SurveyEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const surveyEvents = atVersion1(surveyEventSchemas);
