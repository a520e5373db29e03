import type { Role } from '../roles';
import { calendarForPolicy, computeDeadlines, computeFollowUpDue, type SlaPolicy } from '../sla';
import type { CustomerClass } from '../customer/model';
import type { Deadline, Severity } from './model';

/** What a complaint's workflow is started with: the policy (its calendar included) in force at receipt. */
export interface ComplaintSlaSettings {
  policy: SlaPolicy;
}

type Basis = { policy: string; calendar: { source: string; warnings: string[] } };

/**
 * The SLA arithmetic a complaint needs, on one calendar: the same code serves the workflow, the API's deadline
 * calculator and the CLI, so what an agent is told is what the workflow will do.
 */
export function complaintSla(settings: ComplaintSlaSettings) {
  const { policy } = settings;
  const calendar = calendarForPolicy(policy);
  const compute = (at: string, severity: Severity, customerClass: CustomerClass) => computeDeadlines({ receivedAt: at, severity, customerClass }, policy, calendar);
  return {
    policy,
    calendar,
    deadlines(input: { receivedAt: string; severity: Severity; customerClass: CustomerClass }): {
      firstResponse: Deadline;
      resolution: Deadline;
      basis: Basis;
      notifyAtOnce: Role[];
    } {
      const d = compute(input.receivedAt, input.severity, input.customerClass);
      return { firstResponse: d.firstResponse, resolution: d.resolution, basis: { policy: d.policy, calendar: d.calendar }, notifyAtOnce: d.notifyAtOnce };
    },
    /** A reopened complaint gets a fresh resolution deadline counted from the reopening. */
    reopened(input: { reopenedAt: string; severity: Severity; customerClass: CustomerClass }): { resolution: Deadline; basis: Basis } {
      const d = compute(input.reopenedAt, input.severity, input.customerClass);
      return { resolution: d.resolution, basis: { policy: d.policy, calendar: d.calendar } };
    },
    followUpDue: (notifiedAt: string): string => computeFollowUpDue(notifiedAt, policy, calendar),
    businessMinutesBetween: (a: string, b: string): number => calendar.businessMinutesBetween(a, b),
    /** Moves a deadline, its warning and its ladder later by paused business time. */
    shift(d: Deadline, minutes: number): Deadline {
      const move = (at: string) => calendar.toIso(calendar.addBusinessMs(at, Math.round(minutes * 60_000)));
      return { kind: d.kind, targetMinutes: d.targetMinutes, due: move(d.due), warnAt: d.warnAt ? move(d.warnAt) : null, escalations: d.escalations.map((e) => ({ ...e, at: move(e.at) })) };
    },
  };
}

/** The deadline calculator's answer (CLI `taizhang sla deadlines` and `GET /sla/deadlines`). */
export interface DeadlineReport {
  firstResponseDue: string;
  resolutionDue: string;
  warningAt: string;
  escalations: Array<{ level: number; role: string; at: string }>;
  firstResponseEscalations: Array<{ level: number; role: string; at: string }>;
  policy: string;
  calendar: { source: string; warnings: string[] };
}

export function deadlineReport(
  policy: SlaPolicy,
  input: { receivedAt: string; severity: Severity; customerClass: CustomerClass; pauses?: Array<{ from: string; to: string }> },
): DeadlineReport {
  const d = computeDeadlines({ receivedAt: input.receivedAt, severity: input.severity, customerClass: input.customerClass, pauses: input.pauses ?? [] }, policy);
  return {
    firstResponseDue: d.firstResponseDue,
    resolutionDue: d.resolutionDue,
    warningAt: d.warningAt,
    escalations: d.escalations,
    firstResponseEscalations: d.firstResponse.escalations,
    policy: d.policy,
    calendar: d.calendar,
  };
}
