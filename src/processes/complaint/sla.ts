import { buildCalendar, type BusinessCalendar, type Pause } from '../../domain/calendar/calendar';
import type { ExtraHolidays } from '../../domain/calendar/settings';
import { MINUTE_MS, toEpochMs, type Instant } from '../../domain/calendar/instant';
import { scheduleDeadline, shiftDeadline, type DeadlineRule, type LadderStep } from '../../domain/deadlines/deadline';
import { durationMinutes, type BusinessDuration } from '../../domain/deadlines/duration';
import type { Basis, Deadline, EscalationPoint } from '../../domain/deadlines/schema';
import { CUSTOMER_CLASSES, SEVERITIES, type CustomerClass, type Severity } from '../../domain/enums';
import { validationError } from '../../domain/errors';
import { calendarForPolicy, policyRef } from '../../domain/policy/ref';
import type { Policy } from '../../domain/policy/schema';
import type { Role } from '../../domain/roles';
import type { DeadlineKind } from './schemas';

/**
 * The complaint SLA as a policy over the shared deadline module: first-response and resolution targets per severity ×
 * customer class, the policy's warning fraction and ladder, and the follow-up window. The same code serves the
 * workflow, the API's deadline calculator and the CLI, so what an agent is told is what the workflow will do.
 */

export interface ComplaintDeadlines {
  firstResponseDue: string;
  resolutionDue: string;
  /** The resolution deadline's warning (80 % of its target by default). */
  warningAt: string;
  /** The resolution deadline's escalation ladder. */
  escalations: EscalationPoint[];
  /** Both deadlines in full, each with its own warning and ladder: a missed first response escalates too. */
  firstResponse: Deadline<DeadlineKind>;
  resolution: Deadline<DeadlineKind>;
  /** Roles told the moment the complaint is received (major: 总经理). */
  notifyAtOnce: Role[];
  /** `name@version` of the policy that set these deadlines. */
  policy: string;
  /** The calendar's source and the years it had no holiday data for (the caller logs them once). */
  calendar: { source: string; warnings: string[] };
}

export interface DeadlineInput {
  /** When the clock starts: receipt (受理), or the reopening for a reopened complaint. */
  receivedAt: Instant;
  severity: Severity;
  customerClass: CustomerClass;
  /** Closed stretches when the clock stood still (waiting on the customer). */
  pauses?: readonly Pause[];
}

const rule = (policy: Policy, target: BusinessDuration): DeadlineRule => ({ target, warningFraction: policy.warningFraction, ladder: policy.escalationLadder as LadderStep[] });

/** First-response and resolution deadlines of a complaint, in business time from `receivedAt`. */
export function computeDeadlines(input: DeadlineInput, policy: Policy, calendar: BusinessCalendar = calendarForPolicy(policy)): ComplaintDeadlines {
  if (!SEVERITIES.includes(input.severity)) throw validationError([{ field: 'severity', rule: `must be one of ${SEVERITIES.join(', ')}` }]);
  if (!CUSTOMER_CLASSES.includes(input.customerClass)) throw validationError([{ field: 'customerClass', rule: `must be one of ${CUSTOMER_CLASSES.join(', ')}` }]);
  const start = toEpochMs(input.receivedAt, 'receivedAt');
  const severityPolicy = policy.targets[input.severity];
  const target = severityPolicy[input.customerClass];
  const { lastMs: lastFirst, ...firstResponse } = scheduleDeadline('first_response', start, rule(policy, target.firstResponse), calendar, input.pauses);
  const { lastMs: lastResolution, ...resolution } = scheduleDeadline('resolution', start, rule(policy, target.resolution), calendar, input.pauses);
  return {
    firstResponseDue: firstResponse.due,
    resolutionDue: resolution.due,
    warningAt: resolution.warnAt!,
    escalations: resolution.escalations,
    firstResponse,
    resolution,
    notifyAtOnce: [...severityPolicy.notifyAtOnce],
    policy: policyRef(policy),
    calendar: { source: calendar.source, warnings: calendar.warningsBetween(start, Math.max(lastFirst, lastResolution)).map((w) => w.message) },
  };
}

/**
 * When the follow-up visit (回访) is due after the customer was notified of the result: the n-th working day at the same
 * wall time (or that day's close, see addWorkingDays), or a business-time window for demo policies.
 */
export function computeFollowUpDue(notifiedAt: Instant, policy: Policy, calendar: BusinessCalendar = calendarForPolicy(policy)): string {
  const from = toEpochMs(notifiedAt, 'notifiedAt');
  const { withinWorkingDays, within } = policy.followUp;
  if (withinWorkingDays !== undefined) return calendar.toIso(calendar.addWorkingDays(from, withinWorkingDays));
  if (!within) throw validationError([{ field: 'followUp', rule: 'exactly one of withinWorkingDays or within must be set' }]);
  return calendar.toIso(calendar.addBusinessMinutes(from, durationMinutes(within, calendar.workingDayMs / MINUTE_MS)));
}

/** The rules a complaint's workflow computes with, built once per run from the policy in force at receipt. */
export function complaintRules(policy: Policy) {
  const calendar = calendarForPolicy(policy);
  const basis = (d: ComplaintDeadlines): Basis => ({ policy: d.policy, calendar: d.calendar });
  return {
    policy,
    calendar,
    deadlines(input: { receivedAt: string; severity: Severity; customerClass: CustomerClass }) {
      const d = computeDeadlines(input, policy, calendar);
      return { firstResponse: d.firstResponse, resolution: d.resolution, basis: basis(d), notifyAtOnce: d.notifyAtOnce };
    },
    /** A reopened complaint gets a fresh resolution deadline counted from the reopening. */
    reopened(input: { reopenedAt: string; severity: Severity; customerClass: CustomerClass }) {
      const d = computeDeadlines({ receivedAt: input.reopenedAt, severity: input.severity, customerClass: input.customerClass }, policy, calendar);
      return { resolution: d.resolution, basis: basis(d) };
    },
    followUpDue: (notifiedAt: string): string => computeFollowUpDue(notifiedAt, policy, calendar),
    /** 基本满意 and better count as satisfied (the policy may move the line); a lower rating reopens the complaint. */
    satisfied: (rating: number): boolean => rating >= (policy.followUp.satisfiedFrom ?? 3),
    businessMinutesBetween: (a: string, b: string): number => calendar.businessMinutesBetween(a, b),
    shift: (d: Deadline<DeadlineKind>, minutes: number) => shiftDeadline(d, minutes, calendar),
  };
}
export type ComplaintRules = ReturnType<typeof complaintRules>;
