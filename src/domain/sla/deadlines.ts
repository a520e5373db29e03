import { createBusinessCalendar, type BusinessCalendar, type Pause } from '../calendar/calendar';
import { MINUTE_MS, toEpochMs, type Instant } from '../calendar/instant';
import { validationError } from '../errors';
import type { Role } from '../roles';
import { durationMinutes, SLA_CUSTOMER_CLASSES, SLA_SEVERITIES, type BusinessDuration, type SlaCustomerClass, type SlaPolicy, type SlaSeverity } from './policy';

export interface DeadlineInput {
  /** When the clock starts: receipt (受理), or the reopening for a reopened complaint. */
  receivedAt: Instant;
  severity: SlaSeverity;
  customerClass: SlaCustomerClass;
  /** Closed stretches when the clock stood still (waiting on the customer); recompute after each resume. */
  pauses?: readonly Pause[];
}

export interface EscalationPoint {
  level: number;
  role: Role;
  at: string;
}

/** One deadline with its warning and escalation ladder (the shape complaint events store). */
export interface DeadlineSchedule {
  kind: 'first_response' | 'resolution';
  due: string;
  /** The target in business minutes (key-customer targets are already halved in the policy). */
  targetMinutes: number;
  warnAt: string;
  escalations: EscalationPoint[];
}

export interface ComplaintDeadlines {
  firstResponseDue: string;
  resolutionDue: string;
  /** The resolution deadline's warning (80 % of its target by default). */
  warningAt: string;
  /** The resolution deadline's escalation ladder. */
  escalations: EscalationPoint[];
  /** Both deadlines in full, each with its own warning and ladder: a missed first response escalates too. */
  firstResponse: DeadlineSchedule;
  resolution: DeadlineSchedule;
  /** Roles told the moment the complaint is received (major: 总经理). */
  notifyAtOnce: Role[];
  /** `name@version` of the policy that set these deadlines. */
  policy: string;
  /** The calendar's source and the years it had no holiday data for (the caller logs them once). */
  calendar: { source: string; warnings: string[] };
}

/** The calendar a policy describes. */
export const calendarForPolicy = (policy: SlaPolicy): BusinessCalendar => createBusinessCalendar(policy.calendar);

/** `name@version`, recorded with every deadline. */
export const policyRef = (policy: SlaPolicy): string => `${policy.name}@${policy.version}`;

/**
 * First-response and resolution deadlines of a complaint, all in business time counted from `receivedAt`:
 * due = start + target; warning = start + warningFraction × target; escalation level k =
 * start + (1 + afterBreach_k) × target. Pure: the same input, policy and calendar give the same instants.
 */
export function computeDeadlines(input: DeadlineInput, policy: SlaPolicy, calendar: BusinessCalendar = calendarForPolicy(policy)): ComplaintDeadlines {
  if (!SLA_SEVERITIES.includes(input.severity)) throw validationError([{ field: 'severity', rule: `must be one of ${SLA_SEVERITIES.join(', ')}` }]);
  if (!SLA_CUSTOMER_CLASSES.includes(input.customerClass)) throw validationError([{ field: 'customerClass', rule: `must be one of ${SLA_CUSTOMER_CLASSES.join(', ')}` }]);
  const start = toEpochMs(input.receivedAt, 'receivedAt');
  const pauses = input.pauses ?? [];
  const severityPolicy = policy.targets[input.severity];
  const target = severityPolicy[input.customerClass];

  const schedule = (kind: DeadlineSchedule['kind'], duration: BusinessDuration): DeadlineSchedule & { last: number } => {
    const targetMinutes = durationMinutes(duration, calendar.workingDayMs / MINUTE_MS);
    const targetMs = Math.round(targetMinutes * MINUTE_MS);
    const after = (fraction: number) => calendar.addBusinessMs(start, Math.round(targetMs * fraction), pauses);
    const escalations = policy.escalationLadder.map((step) => ({ level: step.level, role: step.role, at: after(1 + step.afterBreach) }));
    return {
      kind,
      due: calendar.toIso(after(1)),
      targetMinutes,
      warnAt: calendar.toIso(after(policy.warningFraction)),
      escalations: escalations.map((e) => ({ ...e, at: calendar.toIso(e.at) })),
      last: Math.max(after(1), ...escalations.map((e) => e.at)),
    };
  };

  const { last: lastFirst, ...firstResponse } = schedule('first_response', target.firstResponse);
  const { last: lastResolution, ...resolution } = schedule('resolution', target.resolution);
  return {
    firstResponseDue: firstResponse.due,
    resolutionDue: resolution.due,
    warningAt: resolution.warnAt,
    escalations: resolution.escalations,
    firstResponse,
    resolution,
    notifyAtOnce: [...severityPolicy.notifyAtOnce],
    policy: policyRef(policy),
    calendar: { source: calendar.source, warnings: calendar.warningsBetween(start, Math.max(lastFirst, lastResolution)).map((w) => w.message) },
  };
}

/**
 * When the follow-up visit (回访) is due after the customer was notified of the result: the n-th working day
 * at the same wall time (or that day's close, see addWorkingDays), or a business-time window for demo policies.
 */
export function computeFollowUpDue(notifiedAt: Instant, policy: SlaPolicy, calendar: BusinessCalendar = calendarForPolicy(policy)): string {
  const from = toEpochMs(notifiedAt, 'notifiedAt');
  const { withinWorkingDays, within } = policy.followUp;
  if (withinWorkingDays !== undefined) return calendar.toIso(calendar.addWorkingDays(from, withinWorkingDays));
  if (!within) throw validationError([{ field: 'followUp', rule: 'exactly one of withinWorkingDays or within must be set' }]);
  return calendar.toIso(calendar.addBusinessMinutes(from, durationMinutes(within, calendar.workingDayMs / MINUTE_MS)));
}
