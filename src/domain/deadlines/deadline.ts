import { addBusinessDuration } from '../calendar/add';
import type { BusinessCalendar, Pause } from '../calendar/calendar';
import { MINUTE_MS, toEpochMs, type Instant } from '../calendar/instant';
import type { Role } from '../roles';
import { durationMinutes, type BusinessDuration } from './duration';
import type { Deadline } from './schema';

/**
 * Deadlines and escalation ladders, one module for every process (complaints, enquiries, approval steps, corrective
 * actions, survey reminders): a target in business time on the calendar, an early warning at a fraction of it, a
 * ladder of levels (role, offset after the breach), pause/resume shifting everything by the paused business time, and
 * "met" cancelling whatever is still pending. Pure and workflow-safe: instants are computed in workflow code and
 * stored on the events that set them.
 */

/** One rung of the ladder: at breach + afterBreach × target, escalate to `role`. */
export interface LadderStep {
  level: number;
  role: Role;
  /** 0 = at breach, 0.5 = breach + 50 % of the target. */
  afterBreach: number;
}

export interface DeadlineRule {
  target: BusinessDuration;
  /** Warn when this fraction of the target has elapsed (0.8 = at 80 %). */
  warningFraction: number;
  ladder: readonly LadderStep[];
}

/**
 * due = start + target; warning = start + warningFraction × target; level k = start + (1 + afterBreach_k) × target,
 * all in business time counted from `start` (pauses stop the clock). `lastMs` is the latest instant set.
 */
export function scheduleDeadline<K extends string>(
  kind: K,
  start: Instant,
  rule: DeadlineRule,
  calendar: BusinessCalendar,
  pauses: readonly Pause[] = [],
): Deadline<K> & { lastMs: number } {
  const from = toEpochMs(start, 'start');
  const targetMinutes = durationMinutes(rule.target, calendar.workingDayMs / MINUTE_MS);
  const targetMs = Math.round(targetMinutes * MINUTE_MS);
  const after = (fraction: number) => calendar.addBusinessMs(from, Math.round(targetMs * fraction), pauses);
  const ladder = rule.ladder.map((step) => ({ level: step.level, role: step.role, at: after(1 + step.afterBreach) }));
  const due = addBusinessDuration(calendar, from, rule.target, pauses);
  return {
    kind,
    due: calendar.toIso(due),
    targetMinutes,
    warnAt: calendar.toIso(after(rule.warningFraction)),
    escalations: ladder.map((e) => ({ ...e, at: calendar.toIso(e.at) })),
    lastMs: Math.max(due, ...ladder.map((e) => e.at)),
  };
}

/** Moves a deadline, its warning and its ladder later by paused business time. */
export function shiftDeadline<K extends string>(d: Deadline<K>, minutes: number, calendar: BusinessCalendar): Deadline<K> {
  const move = (at: string) => calendar.toIso(calendar.addBusinessMs(at, Math.round(minutes * MINUTE_MS)));
  return { kind: d.kind, due: move(d.due), targetMinutes: d.targetMinutes, warnAt: d.warnAt ? move(d.warnAt) : null, escalations: d.escalations.map((e) => ({ ...e, at: move(e.at) })) };
}

/** A deadline as a process tracks it: met or not, warned, which levels fired. */
export interface TrackedDeadline<K extends string = string> extends Deadline<K> {
  met: boolean;
  onTime: boolean | null;
  warned: boolean;
  firedLevels: number[];
}

export const track = <K extends string>(d: Deadline<K>): TrackedDeadline<K> => ({ ...d, met: false, onTime: null, warned: false, firedLevels: [] });

/** True when `at` is after the deadline: met late. */
export const isLate = (at: string, due: string): boolean => Date.parse(at) > Date.parse(due);

export const meet = <K extends string>(d: TrackedDeadline<K>, onTime: boolean): TrackedDeadline<K> => ({ ...d, met: true, onTime });
export const markWarned = <K extends string>(d: TrackedDeadline<K>): TrackedDeadline<K> => ({ ...d, warned: true });
export const markEscalated = <K extends string>(d: TrackedDeadline<K>, level: number): TrackedDeadline<K> => ({ ...d, firedLevels: [...d.firedLevels, level] });
/** A moved deadline keeps what already fired. */
export const moveTo = <K extends string>(d: TrackedDeadline<K>, moved: Deadline<K>): TrackedDeadline<K> => ({ ...d, ...moved });

/** Highest escalation level reached over some deadlines. */
export const levelOf = (...ds: Array<Pick<TrackedDeadline, 'firedLevels'>>): number => Math.max(0, ...ds.flatMap((d) => d.firedLevels));

export type DeadlineAlarm<K extends string = string> =
  | { kind: 'warning'; deadline: K; at: string; dueAt: string }
  | { kind: 'escalation'; deadline: K; level: number; role: Role; at: string; dueAt: string };

/** The warning and escalations still to come for one deadline; nothing once it is met. */
export function deadlineAlarms<K extends string>(d: TrackedDeadline<K>): Array<DeadlineAlarm<K>> {
  if (d.met) return [];
  const out: Array<DeadlineAlarm<K>> = [];
  if (d.warnAt && !d.warned) out.push({ kind: 'warning', deadline: d.kind, at: d.warnAt, dueAt: d.due });
  for (const e of d.escalations) if (!d.firedLevels.includes(e.level)) out.push({ kind: 'escalation', deadline: d.kind, level: e.level, role: e.role, at: e.at, dueAt: d.due });
  return out;
}

/** Any timed reminder a process sets: deadline alarms and its own (a follow-up due, an inactivity reminder). */
export interface TimedAlarm {
  kind: string;
  at: string;
  level?: number;
}

/** Earliest first; at the same instant a warning before escalations, escalations by level, other alarms last. */
export function sortAlarms<A extends TimedAlarm>(alarms: A[]): A[] {
  const order = (a: TimedAlarm) => (a.kind === 'warning' ? 0 : a.kind === 'escalation' ? (a.level ?? 1) : 100);
  return alarms.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order(a) - order(b));
}

/** Whether a fired alarm is still one of the pending ones (a stale one — met, paused, moved — fires nothing). */
export const isPending = <A extends TimedAlarm>(pending: readonly A[], alarm: A): boolean =>
  pending.some((p) => p.kind === alarm.kind && p.at === alarm.at && sameFields(p, alarm));

function sameFields(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return ['deadline', 'level', 'role', 'dueAt'].every((k) => x[k] === y[k]);
}

/** The reason recorded on a fired deadline alarm. */
export function deadlineAlarmReason(a: DeadlineAlarm, label: (kind: string) => string = (k) => k): string {
  return a.kind === 'warning' ? `${label(a.deadline)} deadline ${a.dueAt} approaching` : `${label(a.deadline)} deadline ${a.dueAt} missed: escalate to ${a.role} (level ${a.level})`;
}
