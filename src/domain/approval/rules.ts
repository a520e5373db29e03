import { toEpochMs, type Instant } from '../calendar/instant';
import { scheduleDeadline, track, type LadderStep, type TrackedDeadline } from '../deadlines/deadline';
import type { Basis, Deadline } from '../deadlines/schema';
import type { CustomerClass } from '../enums';
import { calendarForPolicy, policyRef } from '../policy/ref';
import type { Policy } from '../policy/schema';
import type { Role } from '../roles';
import { DEFAULT_APPROVALS } from './defaults';

/**
 * The `approvals` section of a policy as functions: each step's time limit (2 working days by default) on the
 * business calendar with its warning and ladder; the approval tier of a request by amount and customer class (a change
 * to an approved plan always goes to the decision committee); the inactivity instants of an implementation, in
 * elapsed calendar time. Workflow-safe: built once per run from the policy the process started under.
 */

export interface CalendarDuration {
  value: number;
  unit: 'days' | 'weeks' | 'months';
}

const DAY_MS = 86_400_000;

/**
 * `at` plus a calendar duration in the calendar's fixed offset: the same local time that many days, weeks or months
 * later (a month from 31 January is the last day of February).
 */
export function addElapsed(at: Instant, d: CalendarDuration, utcOffsetMinutes: number): number {
  const ms = toEpochMs(at);
  if (d.unit !== 'months') return ms + d.value * (d.unit === 'weeks' ? 7 : 1) * DAY_MS;
  const local = new Date(ms + utcOffsetMinutes * 60_000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + d.value;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const shifted = Date.UTC(y, m, Math.min(local.getUTCDate(), lastDay), local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds());
  return shifted - utcOffsetMinutes * 60_000;
}

export interface Tier {
  name: string;
  label: string;
  role: Role;
  quorum: number;
}

export interface Inactivity {
  /** The last update the clock counts from. */
  since: string;
  remindAt: string;
  escalateAt: string;
  shelveAt: string;
  escalateTo: Role;
}

export function approvalRules(policy: Policy) {
  const calendar = calendarForPolicy(policy);
  // A policy recorded in a workflow's input before policies had the section means the defaults.
  const a = (policy as Partial<Policy>).approvals ?? DEFAULT_APPROVALS;
  const rule = { target: a.stepDeadline, warningFraction: a.warningFraction ?? policy.warningFraction, ladder: a.escalationLadder as LadderStep[] };
  const ref = policyRef(policy);
  const iso = (ms: number) => calendar.toIso(ms);
  const tierOf = (name: string, customerClass: CustomerClass): Tier => {
    const t = a.tiers.find((x) => x.name === name) ?? a.tiers.at(-1)!;
    return { name: t.name, label: t.label ?? t.name, role: t.role, quorum: t.quorum[customerClass] };
  };
  return {
    policy: ref,
    /** A step's time limit from `start`, as events record it. */
    due<K extends string>(kind: K, start: string): Deadline<K> {
      const { lastMs: _, ...d } = scheduleDeadline(kind, start, rule, calendar);
      return d;
    },
    /** A step's time limit from `start`, tracked, and what it was computed under. */
    deadline<K extends string>(kind: K, start: string): { deadline: TrackedDeadline<K>; basis: Basis } {
      const { lastMs, ...d } = scheduleDeadline(kind, start, rule, calendar);
      const warnings = calendar.warningsBetween(toEpochMs(start), lastMs).map((w) => w.message);
      return { deadline: track(d), basis: { policy: ref, calendar: { source: calendar.source, warnings } } };
    },
    /** 分级会审: the first tier whose `upTo` covers the amount; a change to an approved plan goes to `approvedPlanTier`. */
    tier(amount: number, customerClass: CustomerClass, changesApprovedPlan: boolean): Tier {
      if (changesApprovedPlan) return tierOf(a.approvedPlanTier, customerClass);
      const t = a.tiers.find((x) => x.upTo === undefined || amount <= x.upTo) ?? a.tiers.at(-1)!;
      return tierOf(t.name, customerClass);
    },
    /** Every review panel, each decided by its own role. */
    panels: a.review.panels.map((p) => ({ ...p })),
    secondReviewRole: a.secondReview.role,
    /** Remind, escalate and shelve instants counted from the last update (elapsed time, not business time). */
    inactivity(since: string): Inactivity {
      const off = calendar.utcOffsetMinutes;
      const i = a.inactivity;
      return { since, remindAt: iso(addElapsed(since, i.remind, off)), escalateAt: iso(addElapsed(since, i.escalate, off)), shelveAt: iso(addElapsed(since, i.shelve, off)), escalateTo: i.escalateTo };
    },
    masterData: a.masterData,
    /** The local date (YYYY-MM-DD) of an instant on the policy's calendar. */
    localDate: (at: string) => calendar.localDateOf(at),
  };
}
export type ApprovalRules = ReturnType<typeof approvalRules>;
