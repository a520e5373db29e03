import type { ExtraHolidays } from '../../domain/calendar/settings';
import type { DeadlineSlots } from '../../domain/deadlines/replan';
import { deadlineAlarms, isLate, isPending, levelOf, markEscalated, markWarned, meet, moveTo, sortAlarms, track, type DeadlineAlarm, type TrackedDeadline } from '../../domain/deadlines/deadline';
import type { Basis, Deadline } from '../../domain/deadlines/schema';
import type { CorrectiveStatus } from '../../domain/enums';
import { assertNever, byType, type Decider } from '../../domain/decider';
import { forbidden, illegalState, notFound } from '../../domain/errors';
import type { Actor, FireAlarm } from '../../domain/process';
import type { CorrectiveDeadlineKind, CorrectiveEvent, OpenCorrectiveInput } from './schemas';

/**
 * The corrective action (纠正措施, seed 000) decider: every survey indicator that drew 不满意 or 很不满意 gets an owner
 * (指标责任人) named by the performance group (绩效管理领导小组), who plans the action; a department carries it out; the
 * group verifies it, and an action found not effective goes back to planning. Each step has its deadline, warning and
 * escalation from the shared module. Pure.
 */

export type CorrectiveAlarm = DeadlineAlarm<CorrectiveDeadlineKind>;
type D = Deadline<CorrectiveDeadlineKind>;

export type CorrectiveCommand =
  | { type: 'OpenCorrective'; by: Actor; now: string; data: OpenCorrectiveInput; assign: D; basis: Basis }
  | { type: 'AssignCorrective'; by: Actor; now: string; data: { owner: string; department: string }; plan: D }
  | { type: 'PlanCorrective'; by: Actor; now: string; data: { plan: string; department?: string }; execute: D }
  | { type: 'CompleteCorrective'; by: Actor; now: string; data: { summary: string }; verify: D }
  | { type: 'VerifyCorrective'; by: Actor; now: string; data: { effective: boolean; note: string }; plan: D }
  | FireAlarm<CorrectiveAlarm>;

export interface OpenCorrective {
  status: CorrectiveStatus;
  correctiveId: string;
  surveyId: string;
  dimension: string;
  label: string;
  owner: string | null;
  department: string | null;
  plan: string | null;
  /** The deadline of the step it is in now. */
  current: TrackedDeadline<CorrectiveDeadlineKind>;
  escalationLevel: number;
  rounds: number;
  /** When it was opened and what its first deadline was computed on (absent in states carried by earlier code). */
  openedAt?: string;
  basis?: Basis;
  /** After a re-plan on new holiday data: the imported holidays its deadlines are computed with. */
  replannedOn?: ExtraHolidays;
}
export type CorrectiveState = { status: 'none' } | OpenCorrective;

/** Who speaks for the performance group; the owner acts on their own action. */
const GROUP = ['performance', 'manager', 'general_manager', 'admin'];

export const isFinal = (s: CorrectiveState): boolean => s.status === 'closed';

function existing(state: CorrectiveState): OpenCorrective {
  if (state.status === 'none') throw notFound('corrective.not_found', 'no such corrective action');
  return state;
}

function inStatus(s: OpenCorrective, status: CorrectiveStatus, what: string): void {
  if (s.status !== status) throw illegalState('corrective.wrong_state', `cannot ${what} corrective action ${s.correctiveId} while it is ${s.status}`);
}

function group(by: Actor, what: string): void {
  if (by.role !== 'system' && !GROUP.includes(by.role)) throw forbidden('corrective.group_only', `only the performance group (绩效管理领导小组) may ${what}; ${by.role} ${by.actor} may not`);
}

function ownerOrGroup(s: OpenCorrective, by: Actor, what: string): void {
  if (by.actor === s.owner || by.role === 'system' || GROUP.includes(by.role)) return;
  throw forbidden('corrective.not_owner', `${by.actor} may not ${what} corrective action ${s.correctiveId}: its owner is ${s.owner}`);
}

type Cmd<T extends CorrectiveCommand['type']> = Extract<CorrectiveCommand, { type: T }>;
const onTime = (s: OpenCorrective, now: string) => !isLate(now, s.current.due);

function open(c: Cmd<'OpenCorrective'>, state: CorrectiveState): CorrectiveEvent[] {
  if (state.status !== 'none') throw illegalState('corrective.already_open', `corrective action ${c.data.correctiveId} exists already`);
  return [{ type: 'CorrectiveActionOpened', data: { ...c.data, openedAt: c.now, assign: c.assign, basis: c.basis } }];
}

function assign(c: Cmd<'AssignCorrective'>, state: CorrectiveState): CorrectiveEvent[] {
  const s = existing(state);
  group(c.by, 'name the owner of an indicator');
  if (s.status !== 'awaiting_owner' && s.status !== 'planning') throw illegalState('corrective.wrong_state', `cannot assign corrective action ${s.correctiveId} while it is ${s.status}`);
  if (c.data.owner === s.owner) throw illegalState('corrective.same_owner', `${c.data.owner} owns corrective action ${s.correctiveId} already`);
  return [{ type: 'CorrectiveOwnerAssigned', data: { correctiveId: s.correctiveId, owner: c.data.owner, department: c.data.department, assignedBy: c.by.actor, onTime: onTime(s, c.now), plan: c.plan } }];
}

function plan(c: Cmd<'PlanCorrective'>, state: CorrectiveState): CorrectiveEvent[] {
  const s = existing(state);
  inStatus(s, 'planning', 'plan');
  ownerOrGroup(s, c.by, 'plan');
  return [{ type: 'CorrectivePlanRecorded', data: { correctiveId: s.correctiveId, plan: c.data.plan, department: c.data.department ?? s.department ?? '', by: c.by.actor, onTime: onTime(s, c.now), execute: c.execute } }];
}

function complete(c: Cmd<'CompleteCorrective'>, state: CorrectiveState): CorrectiveEvent[] {
  const s = existing(state);
  inStatus(s, 'executing', 'complete');
  ownerOrGroup(s, c.by, 'complete');
  return [{ type: 'CorrectiveActionCompleted', data: { correctiveId: s.correctiveId, summary: c.data.summary, by: c.by.actor, onTime: onTime(s, c.now), verify: c.verify } }];
}

function verify(c: Cmd<'VerifyCorrective'>, state: CorrectiveState): CorrectiveEvent[] {
  const s = existing(state);
  inStatus(s, 'verifying', 'verify');
  group(c.by, 'verify a corrective action');
  if (c.by.actor === s.owner) throw forbidden('corrective.own_action', `${c.by.actor} owns corrective action ${s.correctiveId} and may not verify it`);
  return [
    {
      type: 'CorrectiveActionVerified',
      data: { correctiveId: s.correctiveId, effective: c.data.effective, note: c.data.note, by: c.by.actor, onTime: onTime(s, c.now), ...(c.data.effective ? {} : { plan: c.plan }) },
    },
  ];
}

function fireAlarm(c: Cmd<'FireAlarm'>, state: CorrectiveState): CorrectiveEvent[] {
  const s = existing(state);
  const a = c.alarm;
  if (!isPending(pendingCorrectiveAlarms(s), a) || isLate(a.at, c.now)) return [];
  if (a.kind === 'warning') return [{ type: 'CorrectiveWarningIssued', data: { correctiveId: s.correctiveId, deadline: a.deadline, dueAt: a.dueAt, warnAt: a.at } }];
  return [
    {
      type: 'CorrectiveEscalated',
      data: { correctiveId: s.correctiveId, deadline: a.deadline, level: a.level, role: a.role, dueAt: a.dueAt, escalateAt: a.at, reason: `${a.deadline} deadline ${a.dueAt} missed; escalation level ${a.level}` },
    },
  ];
}

export const decideCorrective = byType<CorrectiveCommand, CorrectiveState, CorrectiveEvent>({
  OpenCorrective: open,
  AssignCorrective: assign,
  PlanCorrective: plan,
  CompleteCorrective: complete,
  VerifyCorrective: verify,
  FireAlarm: fireAlarm,
});

/** The status after an event: read by `evolve` and by the corrective actions ledger. */
export function correctiveStatusAfter(status: CorrectiveStatus | null, e: CorrectiveEvent): CorrectiveStatus | null {
  switch (e.type) {
    case 'CorrectiveActionOpened':
      return 'awaiting_owner';
    case 'CorrectiveOwnerAssigned':
      return 'planning';
    case 'CorrectivePlanRecorded':
      return 'executing';
    case 'CorrectiveActionCompleted':
      return 'verifying';
    case 'CorrectiveActionVerified':
      return e.data.effective ? 'closed' : 'planning';
    default:
      return status;
  }
}

/** A step ends (whether on time is on its event) and the next one's deadline starts. */
const next = (d: D): Pick<OpenCorrective, 'current'> => ({ current: track(d) });

function evolveOpen(s: OpenCorrective, e: CorrectiveEvent): OpenCorrective {
  switch (e.type) {
    case 'CorrectiveActionOpened':
      return s;
    case 'CorrectiveOwnerAssigned':
      // A new owner while planning restarts the planning time.
      return { ...s, owner: e.data.owner, department: e.data.department, ...next(e.data.plan) };
    case 'CorrectivePlanRecorded':
      return { ...s, plan: e.data.plan, department: e.data.department || s.department, ...next(e.data.execute) };
    case 'CorrectiveActionCompleted':
      return { ...s, ...next(e.data.verify) };
    case 'CorrectiveActionVerified':
      return e.data.plan ? { ...s, rounds: s.rounds + 1, ...next(e.data.plan) } : { ...s, current: meet(s.current, e.data.onTime) };
    case 'CorrectiveWarningIssued':
      return { ...s, current: markWarned(s.current) };
    case 'CorrectiveEscalated': {
      const current = markEscalated(s.current, e.data.level);
      return { ...s, current, escalationLevel: Math.max(s.escalationLevel, levelOf(current)) };
    }
    default:
      return assertNever(e, 'corrective event');
  }
}

export function evolveCorrective(state: CorrectiveState, e: CorrectiveEvent): CorrectiveState {
  if (e.type === 'CorrectiveActionOpened') {
    const d = e.data;
    return { status: 'awaiting_owner', correctiveId: d.correctiveId, surveyId: d.surveyId, dimension: d.dimension, label: d.label, owner: null, department: null, plan: null, current: track(d.assign), escalationLevel: 0, rounds: 1, openedAt: d.openedAt, basis: d.basis };
  }
  if (state.status === 'none') return state;
  return { ...evolveOpen(state, e), status: correctiveStatusAfter(state.status, e) ?? state.status };
}

/** The current step's warning and ladder until the action is verified effective. */
export function pendingCorrectiveAlarms(state: CorrectiveState): CorrectiveAlarm[] {
  if (state.status === 'none' || state.status === 'closed') return [];
  return sortAlarms(deadlineAlarms(state.current));
}

/** How a corrective action holds its deadline, for the kernel's re-plan on new holiday data: the current step's. */
export const correctiveDeadlines: DeadlineSlots<CorrectiveState> = {
  open: (s): Record<string, Deadline> | null => (s.status === 'none' || isFinal(s) ? null : s.current.met ? {} : { current: s.current }),
  put: (s, moved, on) => (s.status === 'none' ? s : { ...s, current: moved.current ? moveTo(s.current, moved.current as D) : s.current, basis: on.basis, replannedOn: on.extraHolidays }),
  calendarOf: (s) => (s.status === 'none' ? undefined : s.replannedOn),
  basisOf: (s) => (s.status === 'none' ? undefined : s.basis),
  since: (s) => (s.status === 'none' ? '' : (s.openedAt ?? s.current.due)),
};

export const correctiveDecider: Decider<CorrectiveCommand, CorrectiveState, CorrectiveEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideCorrective,
  evolve: evolveCorrective,
};
