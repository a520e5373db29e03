import { z } from 'zod';
import { calendarSettingsSchema, workingDayMinutesOf } from '../calendar/settings';
import { validationError } from '../errors';
import '../fields'; // installs the project's zod messages ("is required", "must be a number")
import { ROLES } from '../roles';
import { parseOrThrow } from '../validation';

/**
 * The complaint SLA policy as data (DOMAIN.md, Complaints): targets per severity × customer class, the warning
 * fraction, the escalation ladder, the follow-up visit (回访) window and the business calendar it is counted in.
 * Targets are business time; `working_days` means that many full working days of working time
 * (1 working day = 450 minutes with the default hours), which is how "half a working day" is meant.
 */

// 重大 / 一般 / 轻微
export const SLA_SEVERITIES = ['major', 'normal', 'minor'] as const;
export type SlaSeverity = (typeof SLA_SEVERITIES)[number];
// key = 重点客户 or grade A (customerClassOf in customer/model)
export const SLA_CUSTOMER_CLASSES = ['key', 'ordinary'] as const;
export type SlaCustomerClass = (typeof SLA_CUSTOMER_CLASSES)[number];

export const DURATION_UNITS = ['seconds', 'minutes', 'hours', 'working_days'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

const roleSchema = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });

export const businessDurationSchema = z
  .object({
    value: z.number().positive('must be greater than 0').max(1_000_000, 'must be at most 1000000'),
    unit: z.enum(DURATION_UNITS, { message: `must be one of ${DURATION_UNITS.join(', ')}` }),
  })
  .strict();
export type BusinessDuration = z.infer<typeof businessDurationSchema>;

const UNIT_MINUTES: Record<Exclude<DurationUnit, 'working_days'>, number> = { seconds: 1 / 60, minutes: 1, hours: 60 };

/** A duration in business minutes, given the length of a working day in minutes (450 by default). */
export const durationMinutes = (d: BusinessDuration, workingDayMinutes: number): number =>
  d.value * (d.unit === 'working_days' ? workingDayMinutes : UNIT_MINUTES[d.unit]);

export const slaTargetSchema = z
  .object({
    firstResponse: businessDurationSchema,
    resolution: businessDurationSchema,
  })
  .strict();
export type SlaTarget = z.infer<typeof slaTargetSchema>;

export const severityPolicySchema = z
  .object({
    ordinary: slaTargetSchema,
    key: slaTargetSchema,
    /** Roles told the moment a complaint of this severity is received (major: 总经理, "立即向总经理汇报"). */
    notifyAtOnce: z.array(roleSchema).default(() => []),
  })
  .strict();
export type SeverityPolicy = z.infer<typeof severityPolicySchema>;

export const escalationStepSchema = z
  .object({
    level: z.number().int('must be a whole number').min(1, 'must be at least 1'),
    role: roleSchema,
    /** When, after the breach, as a fraction of the target: 0 = at breach, 0.5 = breach + 50 % of the target. */
    afterBreach: z.number().min(0, 'must be 0 or more').max(100, 'must be at most 100'),
  })
  .strict();
export type EscalationStep = z.infer<typeof escalationStepSchema>;

export const followUpSchema = z
  .object({
    /** 回访 due the n-th working day after the customer is notified (see BusinessCalendar.addWorkingDays). */
    withinWorkingDays: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
    /** Or a business-time window, for demo policies measured in seconds. */
    within: businessDurationSchema.optional(),
    /** Levels of the satisfaction rating (1 = very dissatisfied … n = very satisfied). */
    ratingLevels: z.number().int('must be a whole number').min(2, 'must be at least 2').max(10, 'must be at most 10'),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.withinWorkingDays === undefined) === (f.within === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['withinWorkingDays'], message: 'exactly one of withinWorkingDays or within must be set' });
    }
  });
export type FollowUpPolicy = z.infer<typeof followUpSchema>;

export const slaPolicySchema = z
  .object({
    name: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1–64 lowercase letters, digits, "_" or "-"'),
    /** Bump on every change: deadlines record `name@version`, so replay shows which rules set them. */
    version: z.number().int('must be a whole number').min(1, 'must be at least 1'),
    description: z.string().max(1000, 'must be at most 1000 characters').optional(),
    targets: z.object({ major: severityPolicySchema, normal: severityPolicySchema, minor: severityPolicySchema }).strict(),
    /** Warn the owner when this fraction of a target has elapsed (0.8 = at 80 %). */
    warningFraction: z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1'),
    escalationLadder: z.array(escalationStepSchema).min(1, 'must have at least one step'),
    followUp: followUpSchema,
    calendar: calendarSettingsSchema,
  })
  .strict()
  .superRefine((p, ctx) => {
    p.escalationLadder.forEach((step, i) => {
      const prev = p.escalationLadder[i - 1];
      if (step.level !== i + 1) ctx.addIssue({ code: 'custom', path: ['escalationLadder', i, 'level'], message: `must be ${i + 1} (levels run 1, 2, 3… in order)` });
      if (prev && step.afterBreach < prev.afterBreach) {
        ctx.addIssue({ code: 'custom', path: ['escalationLadder', i, 'afterBreach'], message: 'must not be earlier than the previous level' });
      }
    });
    const dayMinutes = workingDayMinutesOf(p.calendar);
    for (const severity of SLA_SEVERITIES) {
      for (const customerClass of SLA_CUSTOMER_CLASSES) {
        const t = p.targets[severity][customerClass];
        if (durationMinutes(t.firstResponse, dayMinutes) > durationMinutes(t.resolution, dayMinutes)) {
          ctx.addIssue({ code: 'custom', path: ['targets', severity, customerClass, 'firstResponse'], message: 'must not be longer than resolution' });
        }
      }
    }
  });

export type SlaPolicy = z.infer<typeof slaPolicySchema>;
export type SlaPolicyInput = z.input<typeof slaPolicySchema>;

/** Parses a policy (a JSON string or an already-parsed value); errors name each field and the rule it broke. */
export function parsePolicy(json: unknown): SlaPolicy {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw validationError([{ field: '(policy)', rule: `must be valid JSON (${e instanceof Error ? e.message : String(e)})` }]);
    }
  }
  return parseOrThrow(slaPolicySchema, value);
}

const minutes = (value: number): BusinessDuration => ({ value, unit: 'minutes' });
const hours = (value: number): BusinessDuration => ({ value, unit: 'hours' });
const workingDays = (value: number): BusinessDuration => ({ value, unit: 'working_days' });
const seconds = (value: number): BusinessDuration => ({ value, unit: 'seconds' });

const DEFAULT_LADDER: EscalationStep[] = [
  { level: 1, role: 'supervisor', afterBreach: 0 }, // 客服主管 at breach
  { level: 2, role: 'manager', afterBreach: 0.5 }, // 部门经理 at breach + 50 % of the target
  { level: 3, role: 'general_manager', afterBreach: 1 }, // 总经理 at breach + 100 %
];

/** DOMAIN.md's defaults, exactly: key customers (重点 / grade A) get half of every target. */
export const DEFAULT_POLICY: SlaPolicy = {
  name: 'default',
  version: 1,
  description: 'DOMAIN.md default complaint SLA: business time in Asia/Shanghai working hours with Chinese public holidays and 调休 days',
  targets: {
    major: {
      ordinary: { firstResponse: minutes(30), resolution: workingDays(0.5) },
      key: { firstResponse: minutes(15), resolution: workingDays(0.25) },
      notifyAtOnce: ['general_manager'],
    },
    normal: {
      ordinary: { firstResponse: hours(2), resolution: workingDays(2) },
      key: { firstResponse: hours(1), resolution: workingDays(1) },
      notifyAtOnce: [],
    },
    minor: {
      ordinary: { firstResponse: workingDays(1), resolution: workingDays(5) },
      key: { firstResponse: workingDays(0.5), resolution: workingDays(2.5) },
      notifyAtOnce: [],
    },
  },
  warningFraction: 0.8,
  escalationLadder: DEFAULT_LADDER,
  followUp: { withinWorkingDays: 3, ratingLevels: 5 },
  calendar: {
    timeZone: 'Asia/Shanghai',
    utcOffsetMinutes: 480,
    workingHours: [
      { start: '09:00', end: '12:00' },
      { start: '13:30', end: '18:00' },
    ],
    workingWeekdays: [1, 2, 3, 4, 5],
    twentyFourSeven: false,
    publicHolidays: 'chinese-days',
  },
};

/** Seconds-scale targets on a 24×7 clock, for demos and wall-clock tests; same shape and ladder as the default. */
export const COMPRESSED_POLICY: SlaPolicy = {
  name: 'compressed',
  version: 1,
  description: 'Demo and test policy: seconds-scale targets, 24×7, no holidays',
  targets: {
    major: {
      ordinary: { firstResponse: seconds(4), resolution: seconds(12) },
      key: { firstResponse: seconds(2), resolution: seconds(6) },
      notifyAtOnce: ['general_manager'],
    },
    normal: {
      ordinary: { firstResponse: seconds(8), resolution: seconds(30) },
      key: { firstResponse: seconds(4), resolution: seconds(15) },
      notifyAtOnce: [],
    },
    minor: {
      ordinary: { firstResponse: seconds(15), resolution: seconds(60) },
      key: { firstResponse: seconds(8), resolution: seconds(30) },
      notifyAtOnce: [],
    },
  },
  warningFraction: 0.8,
  escalationLadder: DEFAULT_LADDER,
  followUp: { within: seconds(20), ratingLevels: 5 },
  calendar: {
    timeZone: 'Asia/Shanghai',
    utcOffsetMinutes: 480,
    workingHours: [{ start: '00:00', end: '24:00' }],
    workingWeekdays: [1, 2, 3, 4, 5, 6, 7],
    twentyFourSeven: true,
    publicHolidays: 'none',
  },
};
