import type { ExtraHolidays } from '../../domain/calendar/settings';
import type { DeadlineSlots } from '../../domain/deadlines/replan';
import type { Basis, Deadline } from '../../domain/deadlines/schema';
import {
  deadlineAlarms,
  isLate,
  isPending,
  levelOf,
  markEscalated,
  markWarned,
  meet,
  moveTo,
  sortAlarms,
  track,
  type DeadlineAlarm,
  type TrackedDeadline,
} from '../../domain/deadlines/deadline';
import { assertNever, byType, type Decider } from '../../domain/decider';
import type { CustomerClass, Severity } from '../../domain/enums';
import { forbidden, illegalState, notFound, requiredNow, validationError } from '../../domain/errors';
import type { Actor, FireAlarm } from '../../domain/process';
import type { ActorRole, Role } from '../../domain/roles';
import type { ComplaintEvent, ComplaintEventOf, DeadlineKind, ReceiveComplaintInput } from './schemas';

/** The complaint (投诉) decider: receive → acknowledge → verify → propose → notify → follow up → close; pure. */

export type ComplaintAlarm = DeadlineAlarm<DeadlineKind> | { kind: 'follow_up_overdue'; at: string };

/** Commands; time enters through them (`now`), computed deadlines too, so the decider stays pure. */
export type ComplaintCommand =
  | {
      type: 'ReceiveComplaint';
      by: Actor;
      now: string;
      data: ReceiveComplaintInput & { owner: string; customerClass: CustomerClass };
      firstResponse: Deadline<DeadlineKind>;
      resolution: Deadline<DeadlineKind>;
      basis: Basis;
      notifyAtOnce: Role[];
    }
  | { type: 'AcknowledgeComplaint'; by: Actor; now: string; data: { note?: string } }
  | { type: 'VerifyComplaint'; by: Actor; data: { findings: string; departments: string[] } }
  | { type: 'AssignComplaint'; by: Actor; data: { to: string; reason?: string } }
  | { type: 'ProposeResolution'; by: Actor; data: { plan: string; compensation?: { amountYuan?: number; description?: string } } }
  | { type: 'NotifyCustomer'; by: Actor; now: string; followUpDue: string; data: { result: string } }
  | { type: 'RecordFollowUp'; by: Actor; satisfied: boolean; data: { rating: number; comment?: string }; reopen?: { resolution: Deadline<DeadlineKind>; basis: Basis }; dueAt?: string }
  | { type: 'CloseComplaint'; by: Actor; data: { reason?: string } }
  | { type: 'ReopenComplaint'; by: Actor; data: { reason: string }; resolution: Deadline<DeadlineKind>; basis: Basis }
  | { type: 'PauseComplaint'; by: Actor; now: string; data: { reason: string } }
  | { type: 'ResumeComplaint'; by: Actor; now: string; pausedBusinessMinutes: number; firstResponse: Deadline<DeadlineKind> | null; resolution: Deadline<DeadlineKind> | null }
  | { type: 'WithdrawComplaint'; by: Actor; data: { reason: string } }
  | FireAlarm<ComplaintAlarm>;

export const COMPLAINT_STATUSES = [
  'received', // 受理
  'acknowledged', // first response given
  'verified', // 核实
  'resolution_proposed', // 处理方案
  'customer_notified', // 通知客户
  'followed_up', // 回访 (satisfied)
  'closed', // 结案
  'withdrawn',
] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export type ComplaintDeadline = TrackedDeadline<DeadlineKind>;

export interface OpenComplaint {
  status: ComplaintStatus;
  complaintId: string;
  customerId: string;
  customerClass: CustomerClass;
  severity: Severity;
  owner: string;
  receivedAt: string;
  firstResponse: ComplaintDeadline;
  resolution: ComplaintDeadline;
  paused: { since: string; reason: string } | null;
  pausedBusinessMinutes: number;
  followUpDue: string | null;
  followUpOverdue: boolean;
  rating: number | null;
  reopenCount: number;
  /** Highest escalation level reached in the current cycle of deadlines. */
  escalationLevel: number;
  /** True once any deadline of this complaint was missed. */
  breached: boolean;
  basis: Basis;
  /**
   * The years the current deadlines were computed for without holiday data (weekends only applied there), as the
   * complaint's own view shows them; empty once an imported calendar version covers them.
   */
  calendarWarnings: string[];
  /** After a re-plan: the imported holidays the deadlines are computed with (absent: the start policy's calendar). */
  replannedOn?: ExtraHolidays;
}

export type ComplaintState = { status: 'none' } | OpenComplaint;

export const initialComplaintState = (): ComplaintState => ({ status: 'none' });

const OPEN_STATUSES: readonly ComplaintStatus[] = ['received', 'acknowledged', 'verified', 'resolution_proposed', 'customer_notified', 'followed_up'];
const STAFF_ABOVE_AGENT: readonly ActorRole[] = ['supervisor', 'manager', 'general_manager', 'admin'];

export const isFinal = (s: ComplaintState): boolean => s.status === 'closed' || s.status === 'withdrawn';

// ── rules every command shares ────────────────────────────────────────────────────────────
function existing(state: ComplaintState): OpenComplaint {
  if (state.status === 'none') throw notFound('complaint.not_found', 'no such complaint');
  return state;
}

/** Agents act on their own complaints; supervisors and above on any; auditors only read. */
function mayAct(s: OpenComplaint, by: Actor, what: string): void {
  if (by.role === 'system') return;
  if (by.role === 'auditor') throw forbidden('role.read_only', `role auditor may not ${what}`);
  if (by.role === 'agent' && by.actor !== s.owner)
    throw forbidden('complaint.not_owner', `agent ${by.actor} may not ${what} complaint ${s.complaintId}: it belongs to ${s.owner}`);
}

function supervisorOnly(by: Actor, what: string): void {
  if (by.role !== 'system' && !STAFF_ABOVE_AGENT.includes(by.role)) throw forbidden('role.not_allowed', `role ${by.role} may not ${what}; allowed: ${STAFF_ABOVE_AGENT.join(', ')}`);
}

function inStatus(s: OpenComplaint, allowed: readonly ComplaintStatus[], what: string, hint: string): void {
  if (!allowed.includes(s.status)) throw illegalState('complaint.wrong_state', `cannot ${what} complaint ${s.complaintId} in state ${s.status}: ${hint}`);
}

function notPaused(s: OpenComplaint, what: string): void {
  if (s.paused) throw illegalState('complaint.paused', `cannot ${what} complaint ${s.complaintId} in state ${s.status} (paused: ${s.paused.reason}): resume it first`);
}

/** Open, by someone allowed, in one of the states, not paused: what most commands check first. */
function handling(state: ComplaintState, by: Actor, what: string, allowed: readonly ComplaintStatus[], hint: string): OpenComplaint {
  const s = existing(state);
  mayAct(s, by, what);
  inStatus(s, allowed, what, hint);
  notPaused(s, what);
  return s;
}

type Cmd<T extends ComplaintCommand['type']> = Extract<ComplaintCommand, { type: T }>;
const optional = <K extends string, V>(key: K, v: V | undefined) => (v === undefined || v === '' ? {} : ({ [key]: v } as Record<K, V>));

// ── one function per command ──────────────────────────────────────────────────────────────
function receive(c: Cmd<'ReceiveComplaint'>, state: ComplaintState): ComplaintEvent[] {
  if (state.status !== 'none') throw illegalState('complaint.already_received', `complaint ${c.data.complaintId} was already received`);
  if (c.by.role === 'auditor') throw forbidden('role.read_only', 'role auditor may not receive complaints');
  return [{ type: 'ComplaintReceived', data: { ...c.data, receivedAt: c.now, firstResponse: c.firstResponse, resolution: c.resolution, basis: c.basis, notifyAtOnce: c.notifyAtOnce } }];
}

function acknowledge(c: Cmd<'AcknowledgeComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = handling(state, c.by, 'acknowledge', ['received'], 'only a newly received complaint needs a first response');
  return [{ type: 'ComplaintAcknowledged', data: { complaintId: s.complaintId, ...optional('note', c.data.note), onTime: !isLate(c.now, s.firstResponse.due) } }];
}

function verify(c: Cmd<'VerifyComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = handling(state, c.by, 'verify', ['acknowledged'], state.status === 'received' ? 'acknowledge it first' : 'it was verified already');
  return [{ type: 'ComplaintVerified', data: { complaintId: s.complaintId, ...c.data } }];
}

function assign(c: Cmd<'AssignComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'reassign');
  inStatus(s, OPEN_STATUSES, 'reassign', 'it is no longer open');
  if (c.data.to === s.owner) throw illegalState('complaint.same_owner', `complaint ${s.complaintId} already belongs to ${s.owner}`);
  return [{ type: 'ComplaintAssigned', data: { complaintId: s.complaintId, from: s.owner, to: c.data.to, ...optional('reason', c.data.reason) } }];
}

function propose(c: Cmd<'ProposeResolution'>, state: ComplaintState): ComplaintEvent[] {
  const hint = state.status === 'received' || state.status === 'acknowledged' ? 'verify it first' : 'a resolution was proposed already';
  const s = handling(state, c.by, 'propose a resolution for', ['verified'], hint);
  return [{ type: 'ResolutionProposed', data: { complaintId: s.complaintId, ...c.data } }];
}

function notifyCustomer(c: Cmd<'NotifyCustomer'>, state: ComplaintState): ComplaintEvent[] {
  const s = handling(state, c.by, 'notify the customer of', ['resolution_proposed'], 'propose a resolution first');
  return [{ type: 'CustomerNotified', data: { complaintId: s.complaintId, result: c.data.result, onTime: !isLate(c.now, s.resolution.due), followUpDue: c.followUpDue } }];
}

function recordFollowUp(c: Cmd<'RecordFollowUp'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'record a follow-up visit for');
  inStatus(s, ['customer_notified'], 'record a follow-up visit for', 'notify the customer of the result first');
  const events: ComplaintEvent[] = [{ type: 'FollowUpRecorded', data: { complaintId: s.complaintId, rating: c.data.rating, ...optional('comment', c.data.comment), satisfied: c.satisfied, ...optional('dueAt', c.dueAt) } }];
  if (!c.satisfied) {
    if (!c.reopen) throw validationError([{ field: 'reopen', rule: 'is required when the rating is negative' }]);
    events.push({ type: 'ComplaintReopened', data: { complaintId: s.complaintId, reason: `negative follow-up rating ${c.data.rating}`, resolution: c.reopen.resolution, basis: c.reopen.basis } });
  }
  return events;
}

function close(c: Cmd<'CloseComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'close');
  if (s.status === 'followed_up') return [{ type: 'ComplaintClosed', data: { complaintId: s.complaintId, ...optional('reason', c.data.reason) } }];
  inStatus(s, OPEN_STATUSES, 'close', 'it is no longer open');
  // Closing before a satisfied follow-up visit is a supervisor's decision, with a reason.
  supervisorOnly(c.by, `close complaint ${s.complaintId} before a satisfied follow-up visit`);
  if (!c.data.reason) throw requiredNow('complaint.reason_required', 'reason', 'is required to close a complaint before a satisfied follow-up visit');
  return [{ type: 'ComplaintClosed', data: { complaintId: s.complaintId, reason: c.data.reason } }];
}

function reopen(c: Cmd<'ReopenComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  supervisorOnly(c.by, 'reopen complaints');
  inStatus(s, ['customer_notified', 'followed_up', 'closed'], 'reopen', 'only a complaint whose result was given can be reopened');
  return [{ type: 'ComplaintReopened', data: { complaintId: s.complaintId, reason: c.data.reason, resolution: c.resolution, basis: c.basis } }];
}

function pause(c: Cmd<'PauseComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'pause');
  inStatus(s, ['received', 'acknowledged', 'verified', 'resolution_proposed'], 'pause', 'only a complaint still being handled waits on the customer');
  if (s.paused) throw illegalState('complaint.already_paused', `complaint ${s.complaintId} is already paused since ${s.paused.since}`);
  return [{ type: 'ComplaintPaused', data: { complaintId: s.complaintId, reason: c.data.reason, pausedAt: c.now } }];
}

function resume(c: Cmd<'ResumeComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'resume');
  if (!s.paused) throw illegalState('complaint.not_paused', `cannot resume complaint ${s.complaintId} in state ${s.status}: it is not paused`);
  return [
    {
      type: 'ComplaintResumed',
      data: { complaintId: s.complaintId, resumedAt: c.now, pausedBusinessMinutes: c.pausedBusinessMinutes, firstResponse: c.firstResponse, resolution: c.resolution },
    },
  ];
}

function withdraw(c: Cmd<'WithdrawComplaint'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'withdraw');
  inStatus(s, OPEN_STATUSES, 'withdraw', 'it is no longer open');
  return [{ type: 'ComplaintWithdrawn', data: { complaintId: s.complaintId, reason: c.data.reason } }];
}

function fireAlarm(c: Cmd<'FireAlarm'>, state: ComplaintState): ComplaintEvent[] {
  const s = existing(state);
  const alarm = c.alarm;
  // A stale alarm (deadline met, paused, moved) fires nothing; an alarm never fires before its instant.
  if (!isPending(pendingAlarms(s), alarm) || isLate(alarm.at, c.now)) return [];
  switch (alarm.kind) {
    case 'warning':
      return [{ type: 'DeadlineWarningIssued', data: { complaintId: s.complaintId, deadline: alarm.deadline, dueAt: alarm.dueAt, warnAt: alarm.at } }];
    case 'escalation':
      return [
        {
          type: 'ComplaintEscalated',
          data: {
            complaintId: s.complaintId,
            deadline: alarm.deadline,
            level: alarm.level,
            role: alarm.role,
            dueAt: alarm.dueAt,
            escalateAt: alarm.at,
            reason: `${alarm.deadline === 'first_response' ? 'first response' : 'resolution'} deadline ${alarm.dueAt} missed; escalation level ${alarm.level}`,
          },
        },
      ];
    case 'follow_up_overdue':
      return [{ type: 'FollowUpOverdue', data: { complaintId: s.complaintId, dueAt: alarm.at } }];
    default:
      return assertNever(alarm, 'alarm');
  }
}

export const decideComplaint = byType<ComplaintCommand, ComplaintState, ComplaintEvent>({
  ReceiveComplaint: receive,
  AcknowledgeComplaint: acknowledge,
  VerifyComplaint: verify,
  AssignComplaint: assign,
  ProposeResolution: propose,
  NotifyCustomer: notifyCustomer,
  RecordFollowUp: recordFollowUp,
  CloseComplaint: close,
  ReopenComplaint: reopen,
  PauseComplaint: pause,
  ResumeComplaint: resume,
  WithdrawComplaint: withdraw,
  FireAlarm: fireAlarm,
});

// ── state ─────────────────────────────────────────────────────────────────────────────────
/**
 * The status after an event: the one statement of the complaint's transitions, read by `evolve` and by the complaints
 * ledger alike.
 */
export function statusAfter(status: ComplaintStatus | null, event: { type: string; data: unknown }): ComplaintStatus | null {
  switch (event.type) {
    case 'ComplaintReceived':
      return 'received';
    case 'ComplaintAcknowledged':
    case 'ComplaintReopened':
      return 'acknowledged';
    case 'ComplaintVerified':
      return 'verified';
    case 'ResolutionProposed':
      return 'resolution_proposed';
    case 'CustomerNotified':
      return 'customer_notified';
    case 'FollowUpRecorded':
      return (event.data as ComplaintEventOf<'FollowUpRecorded'>['data']).satisfied ? 'followed_up' : status;
    case 'ComplaintClosed':
      return 'closed';
    case 'ComplaintWithdrawn':
      return 'withdrawn';
    default:
      return status;
  }
}

const withLevel = (s: OpenComplaint): OpenComplaint => ({ ...s, escalationLevel: levelOf(s.firstResponse, s.resolution) });

function received(e: ComplaintEventOf<'ComplaintReceived'>): OpenComplaint {
  const d = e.data;
  return {
    status: 'received',
    complaintId: d.complaintId,
    customerId: d.customerId,
    customerClass: d.customerClass,
    severity: d.severity,
    owner: d.owner,
    receivedAt: d.receivedAt,
    firstResponse: track(d.firstResponse),
    resolution: track(d.resolution),
    paused: null,
    pausedBusinessMinutes: 0,
    followUpDue: null,
    followUpOverdue: false,
    rating: null,
    reopenCount: 0,
    escalationLevel: 0,
    breached: false,
    basis: d.basis,
    calendarWarnings: [...d.basis.calendar.warnings],
  };
}

function evolveOpen(s: OpenComplaint, event: ComplaintEvent): OpenComplaint {
  switch (event.type) {
    case 'ComplaintReceived':
      return s;
    case 'ComplaintAcknowledged':
      return { ...s, firstResponse: meet(s.firstResponse, event.data.onTime), breached: s.breached || !event.data.onTime };
    case 'ComplaintVerified':
    case 'ResolutionProposed':
    case 'ComplaintClosed':
    case 'ComplaintWithdrawn':
      return { ...s, paused: event.type === 'ComplaintClosed' || event.type === 'ComplaintWithdrawn' ? null : s.paused };
    case 'ComplaintAssigned':
      return { ...s, owner: event.data.to };
    case 'CustomerNotified':
      return {
        ...s,
        // Giving the result also answers the customer: an unanswered first-response deadline is settled too.
        firstResponse: s.firstResponse.met ? s.firstResponse : meet(s.firstResponse, event.data.onTime),
        resolution: meet(s.resolution, event.data.onTime),
        followUpDue: event.data.followUpDue,
        followUpOverdue: false,
        breached: s.breached || !event.data.onTime,
      };
    case 'FollowUpRecorded':
      return { ...s, rating: event.data.rating };
    case 'FollowUpOverdue':
      return { ...s, followUpOverdue: true };
    case 'ComplaintReopened':
      return withLevel({ ...s, resolution: track(event.data.resolution), basis: event.data.basis, calendarWarnings: [...event.data.basis.calendar.warnings], reopenCount: s.reopenCount + 1, followUpDue: null, followUpOverdue: false });
    case 'ComplaintPaused':
      return { ...s, paused: { since: event.data.pausedAt, reason: event.data.reason } };
    case 'ComplaintResumed':
      return {
        ...s,
        paused: null,
        pausedBusinessMinutes: s.pausedBusinessMinutes + event.data.pausedBusinessMinutes,
        // Deadlines move by the paused business time; what already fired stays fired.
        firstResponse: event.data.firstResponse ? moveTo(s.firstResponse, event.data.firstResponse) : s.firstResponse,
        resolution: event.data.resolution ? moveTo(s.resolution, event.data.resolution) : s.resolution,
      };
    case 'DeadlineWarningIssued':
      return event.data.deadline === 'first_response' ? { ...s, firstResponse: markWarned(s.firstResponse) } : { ...s, resolution: markWarned(s.resolution) };
    case 'ComplaintEscalated': {
      const key = event.data.deadline === 'first_response' ? 'firstResponse' : 'resolution';
      return withLevel({ ...s, [key]: markEscalated(s[key], event.data.level), breached: true });
    }
    default:
      return assertNever(event, 'complaint event');
  }
}

export function evolveComplaint(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  if (event.type === 'ComplaintReceived') return received(event);
  if (state.status === 'none') return state;
  const next = evolveOpen(state, event);
  return { ...next, status: statusAfter(state.status, event) ?? state.status };
}

/** The warnings, escalations and reminders still to come, earliest first. Nothing is pending while paused or closed. */
export function pendingAlarms(state: ComplaintState): ComplaintAlarm[] {
  if (state.status === 'none' || !OPEN_STATUSES.includes(state.status) || state.paused) return [];
  const out: ComplaintAlarm[] = [...deadlineAlarms(state.firstResponse), ...deadlineAlarms(state.resolution)];
  if (state.status === 'customer_notified' && state.followUpDue && !state.followUpOverdue) out.push({ kind: 'follow_up_overdue', at: state.followUpDue });
  return sortAlarms(out);
}

/**
 * How a complaint holds its deadlines, for the kernel's re-plan on new holiday data (src/domain/deadlines/replan.ts):
 * first response and resolution while unmet; a paused complaint's business time left counts from its pause.
 */
export const complaintDeadlines: DeadlineSlots<ComplaintState> = {
  open: (s) => (s.status === 'none' || !OPEN_STATUSES.includes(s.status) ? null : { ...(s.firstResponse.met ? {} : { firstResponse: s.firstResponse }), ...(s.resolution.met ? {} : { resolution: s.resolution }) }),
  put(s, moved, on) {
    if (s.status === 'none') return s;
    const at = (d: TrackedDeadline<DeadlineKind>, to: Deadline | undefined) => (to ? moveTo(d, to as Deadline<DeadlineKind>) : d);
    return { ...s, firstResponse: at(s.firstResponse, moved.firstResponse), resolution: at(s.resolution, moved.resolution), basis: on.basis, calendarWarnings: [...on.basis.calendar.warnings], replannedOn: on.extraHolidays };
  },
  calendarOf: (s) => (s.status === 'none' ? undefined : s.replannedOn),
  basisOf: (s) => (s.status === 'none' ? undefined : s.basis),
  since: (s) => (s.status === 'none' ? '' : s.receivedAt),
  stoppedAt: (s) => (s.status !== 'none' && s.paused ? s.paused.since : null),
};

export const complaintDecider: Decider<ComplaintCommand, ComplaintState, ComplaintEvent> = {
  initialState: initialComplaintState,
  decide: decideComplaint,
  evolve: evolveComplaint,
};
