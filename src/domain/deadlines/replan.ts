import type { BusinessCalendar } from '../calendar/calendar';
import { toEpochMs, type Instant } from '../calendar/instant';
import type { CalendarSettings, ExtraHolidays } from '../calendar/settings';
import type { DomainEvent } from '../decider';
import { forbidden, illegalState } from '../errors';
import { calendarForPolicy, policyRef } from '../policy/ref';
import type { ActorRole } from '../roles';
import type { Basis, Deadline } from './schema';

/**
 * Re-planning on new holiday data, for every process with deadlines (the kernel's part: see `deadlines` on a process
 * definition). A calendar import sends `ReplanDeadlines` with the holidays of every imported version; each deadline
 * still running keeps the business time it had left, counted on the new calendar, and the process's
 * `<Process>DeadlinesReplanned` event records the old and new instants. From then on the run computes every new
 * deadline on that calendar too (the workflow rebuilds its rules with it). Pure and workflow-safe.
 */

/** How a process's state holds its deadlines, for the kernel to re-plan them. */
export interface DeadlineSlots<S> {
  /**
   * The deadlines still running (not met), by the name the state holds each under (`firstResponse`, `approval`); null
   * when the entity is not open (not started, finished), which refuses a re-plan.
   */
  open(state: S): Readonly<Record<string, Deadline>> | null;
  /** The state with re-planned deadlines in those slots (what already fired stays fired), on the new calendar. */
  put(state: S, moved: Readonly<Record<string, Deadline>>, on: { basis: Basis; extraHolidays: ExtraHolidays }): S;
  /** The imported holidays its deadlines are computed on now; undefined: the start policy's calendar. */
  calendarOf(state: S): ExtraHolidays | undefined;
  /** What its current deadlines were computed on (policy, calendar source, years without holiday data). */
  basisOf(state: S): Basis | undefined;
  /** When it began: the years without holiday data are counted from here. */
  since(state: S): string;
  /** While business time stands still (a paused complaint), the instant it stopped: what is left counts from there. */
  stoppedAt?(state: S): string | null;
}

/** The kernel's command, sent by a calendar import with the data of every imported version. */
export interface ReplanDeadlines {
  type: 'ReplanDeadlines';
  by: { actor: string; role: ActorRole };
  now: string;
  id: string;
  calendarVersion: number;
  extraHolidays: ExtraHolidays;
  /** The deadlines that move, by slot, on the new calendar. */
  deadlines: Record<string, Deadline>;
  basis: Basis;
}

/** One deadline moved: its due instant, warning and ladder before and after. */
export interface MovedDeadline {
  deadline: string;
  fromDue: string;
  toDue: string;
  fromWarnAt: string | null;
  toWarnAt: string | null;
  fromEscalations: string[];
  toEscalations: string[];
}

export interface DeadlinesReplannedData {
  calendarVersion: number;
  moved: MovedDeadline[];
  /** The moved deadlines by slot, as the state holds them from now on. */
  deadlines: Record<string, Deadline>;
  basis: Basis;
  extraHolidays: ExtraHolidays;
}

/** Patch: a re-plan of a stopped clock (a paused complaint) counts what is left from the pause, not from the import. */
export const REPLAN_FROM_STOP = 'replan-from-stop';

/** `complaint` → `ComplaintDeadlinesReplanned`: the event type a process's re-plan records. */
export const replannedEventOf = (process: { name: string }): string => `${process.name[0]!.toUpperCase()}${process.name.slice(1)}DeadlinesReplanned`;

const withHolidays = new WeakMap<CalendarSettings, WeakMap<ExtraHolidays, CalendarSettings>>();

/**
 * The calendar settings with `extraHolidays` instead of their own (undefined: as they are), one object per pair, so
 * the calendar built for them once (calendarForPolicy) serves every later command of a re-planned state.
 */
export function settingsOn(settings: CalendarSettings, extraHolidays: ExtraHolidays | undefined): CalendarSettings {
  if (!extraHolidays) return settings;
  let byHolidays = withHolidays.get(settings);
  if (!byHolidays) withHolidays.set(settings, (byHolidays = new WeakMap()));
  let out = byHolidays.get(extraHolidays);
  if (!out) byHolidays.set(extraHolidays, (out = { ...settings, extraHolidays }));
  return out;
}

/** The policy on the calendar with `extraHolidays` (undefined: as it is): what a run computes with after a re-plan. */
export const policyOn = <P extends { calendar: CalendarSettings }>(policy: P, extraHolidays: ExtraHolidays | undefined): P =>
  extraHolidays ? { ...policy, calendar: settingsOn(policy.calendar, extraHolidays) } : policy;

/**
 * A deadline moved onto another calendar: each of its instants after `from` keeps the business time it had left from
 * `from` on the old calendar, counted from `from` on the new one; instants at or before `from` stay. Null when nothing
 * moves.
 */
export function replanDeadline<K extends string>(d: Deadline<K>, from: Instant, was: BusinessCalendar, to: BusinessCalendar): Deadline<K> | null {
  const at = toEpochMs(from, 'from');
  const move = (iso: string): string => {
    const t = Date.parse(iso);
    if (t <= at) return iso;
    return to.toIso(to.addBusinessMs(at, was.businessMsBetween(at, t)));
  };
  // Only the deadline's own fields: a tracked deadline of a state also carries met, warned, fired levels.
  const moved: Deadline<K> = { kind: d.kind, targetMinutes: d.targetMinutes, due: move(d.due), warnAt: d.warnAt === null ? null : move(d.warnAt), escalations: d.escalations.map((e) => ({ ...e, at: move(e.at) })) };
  const same = moved.due === d.due && moved.warnAt === d.warnAt && moved.escalations.every((e, i) => e.at === d.escalations[i]!.at);
  return same ? null : moved;
}

/** A deadline's instants: its due instant, its warning, its ladder. */
const instantsOf = (d: Deadline): string[] => [d.due, ...(d.warnAt ? [d.warnAt] : []), ...d.escalations.map((e) => e.at)];

/**
 * Whether a new calendar version may move a state's deadlines, so that an import sends it the re-plan: it has running
 * deadlines, computed on another calendar than `inForce` (the one with every version: it was neither started on it,
 * by its basis, nor re-planned onto its holidays), and one of them has an instant in the version's `years` (instants
 * are stored with the calendar's offset, so their year is the local one) or was computed on weekends-only data.
 */
export function mayMove<S>(slots: DeadlineSlots<S>, state: S, inForce: { source: string; extraHolidays: ExtraHolidays }, years: readonly number[]): boolean {
  const open = Object.values(slots.open(state) ?? {});
  const basis = slots.basisOf(state);
  const on = slots.calendarOf(state);
  if (!open.length || basis?.calendar.source === inForce.source || (on !== undefined && JSON.stringify(on) === JSON.stringify(inForce.extraHolidays))) return false;
  return open.some((d) => instantsOf(d).some((t) => years.includes(Number(t.slice(0, 4))))) || Boolean(basis?.calendar.warnings.length);
}

/**
 * The command's `toCommand`, in workflow code: the open deadlines moved from the calendar they were computed on to
 * the one with `extraHolidays`, counted from now (or from where the clock stopped), and the basis they then have.
 */
export function replanCommand<S>(
  slots: DeadlineSlots<S>,
  input: { calendarVersion: number; extraHolidays: ExtraHolidays },
  ctx: { id: string; now: string; by: ReplanDeadlines['by']; state: S; policy: { name: string; version: number; calendar: CalendarSettings }; patched: (patchId: string) => boolean },
): ReplanDeadlines {
  const open = slots.open(ctx.state) ?? {};
  const was = calendarForPolicy({ calendar: settingsOn(ctx.policy.calendar, slots.calendarOf(ctx.state)) });
  const next = calendarForPolicy({ calendar: settingsOn(ctx.policy.calendar, input.extraHolidays) });
  const from = (ctx.patched(REPLAN_FROM_STOP) ? slots.stoppedAt?.(ctx.state) : null) ?? ctx.now;
  const deadlines: Record<string, Deadline> = {};
  for (const [slot, d] of Object.entries(open)) {
    const moved = replanDeadline(d, from, was, next);
    if (moved) deadlines[slot] = moved;
  }
  const since = Object.keys(open).length ? slots.since(ctx.state) : ctx.now;
  const last = Math.max(toEpochMs(since, 'since'), ...[...Object.values(open), ...Object.values(deadlines)].flatMap(instantsOf).map((t) => Date.parse(t)));
  const basis: Basis = {
    policy: slots.basisOf(ctx.state)?.policy ?? policyRef(ctx.policy),
    calendar: { source: next.source, warnings: next.warningsBetween(since, last).map((w) => w.message) },
  };
  return { type: 'ReplanDeadlines', by: ctx.by, now: ctx.now, id: ctx.id, calendarVersion: input.calendarVersion, extraHolidays: input.extraHolidays, deadlines, basis };
}

/**
 * The kernel's decision: an admin (or the system) re-plans an open entity; deadlines met since the command was
 * computed stay; no event when nothing moves and the basis is the same.
 */
export function decideReplan<S>(slots: DeadlineSlots<S>, process: { name: string; idField: string }, c: ReplanDeadlines, state: S): DomainEvent[] {
  if (c.by.role !== 'system' && c.by.role !== 'admin') throw forbidden('role.not_allowed', `role ${c.by.role} may not re-plan deadlines; allowed: admin`);
  const open = slots.open(state);
  if (!open) throw illegalState(`${process.name}.not_open`, `cannot re-plan the deadlines of ${process.name} ${c.id}: it is not open`);
  const deadlines = Object.fromEntries(Object.entries(c.deadlines).filter(([slot]) => open[slot]));
  // A state that keeps no basis (each deadline's event has its own) changes only when a deadline moves.
  const basis = slots.basisOf(state);
  const sameBasis = basis === undefined || (basis.calendar.source === c.basis.calendar.source && basis.calendar.warnings.join('\n') === c.basis.calendar.warnings.join('\n'));
  if (!Object.keys(deadlines).length && sameBasis) return [];
  const moved: MovedDeadline[] = Object.entries(deadlines).map(([slot, to]) => {
    const from = open[slot]!;
    return {
      deadline: from.kind,
      fromDue: from.due,
      toDue: to.due,
      fromWarnAt: from.warnAt,
      toWarnAt: to.warnAt,
      fromEscalations: from.escalations.map((e) => e.at),
      toEscalations: to.escalations.map((e) => e.at),
    };
  });
  const data: DeadlinesReplannedData & Record<string, unknown> = { [process.idField]: c.id, calendarVersion: c.calendarVersion, moved, deadlines, basis: c.basis, extraHolidays: c.extraHolidays };
  return [{ type: replannedEventOf(process), data }];
}
