import { assertNever, type Decider } from '../decider';
import { forbidden, illegalState, notFound, validationError } from '../errors';
import type { ActorRole, Role } from '../roles';
import type { ComplaintEvent, Deadline, DeadlineKind, ReceiveComplaintInput, Severity } from './model';
import { notificationsFor } from './notifications';

export interface Actor {
  actor: string;
  role: ActorRole;
}

type Basis = { policy: string; calendar: { source: string; warnings: string[] } };

export type Alarm =
  | { kind: 'warning'; deadline: DeadlineKind; at: string; dueAt: string }
  | { kind: 'escalation'; deadline: DeadlineKind; level: number; role: string; at: string; dueAt: string }
  | { kind: 'follow_up_overdue'; at: string };

/** Commands; time enters through them (`now`), computed deadlines too, so the decider stays pure. */
export type ComplaintCommand =
  | {
      type: 'ReceiveComplaint';
      by: Actor;
      now: string;
      data: ReceiveComplaintInput & { owner: string; customerClass: 'key' | 'ordinary' };
      firstResponse: Deadline;
      resolution: Deadline;
      basis: Basis;
      notifyAtOnce: Role[];
    }
  | { type: 'AcknowledgeComplaint'; by: Actor; now: string; data: { note?: string } }
  | { type: 'VerifyComplaint'; by: Actor; data: { findings: string; departments: string[] } }
  | { type: 'AssignComplaint'; by: Actor; data: { to: string; reason?: string } }
  | { type: 'ProposeResolution'; by: Actor; data: { plan: string; compensation?: { amountYuan?: number; description?: string } } }
  | { type: 'NotifyCustomer'; by: Actor; now: string; followUpDue: string; data: { result: string } }
  | { type: 'RecordFollowUp'; by: Actor; data: { rating: number; comment?: string }; reopen?: { resolution: Deadline; basis: Basis } }
  | { type: 'CloseComplaint'; by: Actor; data: { reason?: string } }
  | { type: 'ReopenComplaint'; by: Actor; data: { reason: string }; resolution: Deadline; basis: Basis }
  | { type: 'PauseComplaint'; by: Actor; now: string; data: { reason: string } }
  | {
      type: 'ResumeComplaint';
      by: Actor;
      now: string;
      pausedBusinessMinutes: number;
      firstResponse: Deadline | null;
      resolution: Deadline | null;
    }
  | { type: 'WithdrawComplaint'; by: Actor; data: { reason: string } }
  | { type: 'FireAlarm'; now: string; alarm: Alarm };

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

export interface DeadlineState extends Deadline {
  met: boolean;
  onTime: boolean | null;
  warned: boolean;
  firedLevels: number[];
}

export interface OpenComplaint {
  status: ComplaintStatus;
  complaintId: string;
  customerId: string;
  customerClass: 'key' | 'ordinary';
  severity: Severity;
  owner: string;
  receivedAt: string;
  firstResponse: DeadlineState;
  resolution: DeadlineState;
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
  notifications: string[];
  basis: Basis;
}

export type ComplaintState = { status: 'none' } | OpenComplaint;

export const initialComplaintState = (): ComplaintState => ({ status: 'none' });

const OPEN: readonly ComplaintStatus[] = ['received', 'acknowledged', 'verified', 'resolution_proposed', 'customer_notified', 'followed_up'];
const STAFF_ABOVE_AGENT: readonly ActorRole[] = ['supervisor', 'manager', 'general_manager', 'admin'];
const later = (a: string, b: string) => Date.parse(a) > Date.parse(b);

const fresh = (d: Deadline): DeadlineState => ({ ...d, met: false, onTime: null, warned: false, firedLevels: [] });

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

/** The warnings, escalations and reminders still to come, earliest first. Nothing is pending while paused or closed. */
export function pendingAlarms(state: ComplaintState): Alarm[] {
  if (state.status === 'none' || !OPEN.includes(state.status) || state.paused) return [];
  const out: Alarm[] = [];
  for (const d of [state.firstResponse, state.resolution]) {
    if (d.met) continue;
    if (d.warnAt && !d.warned) out.push({ kind: 'warning', deadline: d.kind, at: d.warnAt, dueAt: d.due });
    for (const e of d.escalations) if (!d.firedLevels.includes(e.level)) out.push({ kind: 'escalation', deadline: d.kind, level: e.level, role: e.role, at: e.at, dueAt: d.due });
  }
  if (state.status === 'customer_notified' && state.followUpDue && !state.followUpOverdue) out.push({ kind: 'follow_up_overdue', at: state.followUpDue });
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || alarmOrder(a) - alarmOrder(b));
}
const alarmOrder = (a: Alarm) => (a.kind === 'warning' ? 0 : a.kind === 'escalation' ? a.level : 100);

const sameAlarm = (a: Alarm, b: Alarm) =>
  a.kind === b.kind && a.at === b.at && (a.kind === 'follow_up_overdue' || (a.deadline === (b as typeof a).deadline && (a.kind !== 'escalation' || a.level === (b as typeof a).level)));

function decideFacts(command: ComplaintCommand, state: ComplaintState): ComplaintEvent[] {
  switch (command.type) {
    case 'ReceiveComplaint': {
      if (state.status !== 'none') throw illegalState('complaint.already_received', `complaint ${command.data.complaintId} was already received`);
      if (command.by.role === 'auditor') throw forbidden('role.read_only', 'role auditor may not receive complaints');
      const { data } = command;
      return [{ type: 'ComplaintReceived', data: { ...data, receivedAt: command.now, firstResponse: command.firstResponse, resolution: command.resolution, basis: command.basis, notifyAtOnce: command.notifyAtOnce } }];
    }
    case 'AcknowledgeComplaint': {
      const s = existing(state);
      mayAct(s, command.by, 'acknowledge');
      inStatus(s, ['received'], 'acknowledge', 'only a newly received complaint needs a first response');
      notPaused(s, 'acknowledge');
      return [{ type: 'ComplaintAcknowledged', data: { complaintId: s.complaintId, ...(command.data.note ? { note: command.data.note } : {}), onTime: !later(command.now, s.firstResponse.due) } }];
    }
    case 'VerifyComplaint': {
      const s = existing(state);
      mayAct(s, command.by, 'verify');
      inStatus(s, ['acknowledged'], 'verify', s.status === 'received' ? 'acknowledge it first' : 'it was verified already');
      notPaused(s, 'verify');
      return [{ type: 'ComplaintVerified', data: { complaintId: s.complaintId, ...command.data } }];
    }
    case 'AssignComplaint': {
      const s = existing(state);
      mayAct(s, command.by, 'reassign');
      inStatus(s, OPEN, 'reassign', 'it is no longer open');
      if (command.data.to === s.owner) throw illegalState('complaint.same_owner', `complaint ${s.complaintId} already belongs to ${s.owner}`);
      return [{ type: 'ComplaintAssigned', data: { complaintId: s.complaintId, from: s.owner, to: command.data.to, ...(command.data.reason ? { reason: command.data.reason } : {}) } }];
    }
    case 'ProposeResolution': {
      const s = existing(state);
      mayAct(s, command.by, 'propose a resolution for');
      inStatus(s, ['verified'], 'propose a resolution for', s.status === 'received' || s.status === 'acknowledged' ? 'verify it first' : 'a resolution was proposed already');
      notPaused(s, 'propose a resolution for');
      return [{ type: 'ResolutionProposed', data: { complaintId: s.complaintId, ...command.data } }];
    }
    case 'NotifyCustomer': {
      const s = existing(state);
      mayAct(s, command.by, 'notify the customer of');
      inStatus(s, ['resolution_proposed'], 'notify the customer of', 'propose a resolution first');
      notPaused(s, 'notify the customer of');
      return [
        { type: 'CustomerNotified', data: { complaintId: s.complaintId, result: command.data.result, onTime: !later(command.now, s.resolution.due), followUpDue: command.followUpDue } },
      ];
    }
    case 'RecordFollowUp': {
      const s = existing(state);
      mayAct(s, command.by, 'record a follow-up visit for');
      inStatus(s, ['customer_notified'], 'record a follow-up visit for', 'notify the customer of the result first');
      const satisfied = command.data.rating >= 3;
      const events: ComplaintEvent[] = [
        { type: 'FollowUpRecorded', data: { complaintId: s.complaintId, rating: command.data.rating, ...(command.data.comment ? { comment: command.data.comment } : {}), satisfied } },
      ];
      if (!satisfied) {
        if (!command.reopen) throw validationError([{ field: 'reopen', rule: 'is required when the rating is negative' }]);
        events.push({
          type: 'ComplaintReopened',
          data: { complaintId: s.complaintId, reason: `negative follow-up rating ${command.data.rating}`, resolution: command.reopen.resolution, basis: command.reopen.basis },
        });
      }
      return events;
    }
    case 'CloseComplaint': {
      const s = existing(state);
      mayAct(s, command.by, 'close');
      if (s.status === 'followed_up') return [{ type: 'ComplaintClosed', data: { complaintId: s.complaintId, ...(command.data.reason ? { reason: command.data.reason } : {}) } }];
      inStatus(s, OPEN, 'close', 'it is no longer open');
      // Closing before a satisfied follow-up visit is a supervisor's decision, with a reason.
      supervisorOnly(command.by, `close complaint ${s.complaintId} before a satisfied follow-up visit`);
      if (!command.data.reason) throw validationError([{ field: 'reason', rule: 'is required to close a complaint before a satisfied follow-up visit' }]);
      return [{ type: 'ComplaintClosed', data: { complaintId: s.complaintId, reason: command.data.reason } }];
    }
    case 'ReopenComplaint': {
      const s = existing(state);
      supervisorOnly(command.by, 'reopen complaints');
      inStatus(s, ['customer_notified', 'followed_up', 'closed'], 'reopen', 'only a complaint whose result was given can be reopened');
      return [{ type: 'ComplaintReopened', data: { complaintId: s.complaintId, reason: command.data.reason, resolution: command.resolution, basis: command.basis } }];
    }
    case 'PauseComplaint': {
      const s = existing(state);
      mayAct(s, command.by, 'pause');
      inStatus(s, ['received', 'acknowledged', 'verified', 'resolution_proposed'], 'pause', 'only a complaint still being handled waits on the customer');
      if (s.paused) throw illegalState('complaint.already_paused', `complaint ${s.complaintId} is already paused since ${s.paused.since}`);
      return [{ type: 'ComplaintPaused', data: { complaintId: s.complaintId, reason: command.data.reason, pausedAt: command.now } }];
    }
    case 'ResumeComplaint': {
      const s = existing(state);
      mayAct(s, command.by, 'resume');
      if (!s.paused) throw illegalState('complaint.not_paused', `cannot resume complaint ${s.complaintId} in state ${s.status}: it is not paused`);
      return [
        {
          type: 'ComplaintResumed',
          data: { complaintId: s.complaintId, resumedAt: command.now, pausedBusinessMinutes: command.pausedBusinessMinutes, firstResponse: command.firstResponse, resolution: command.resolution },
        },
      ];
    }
    case 'WithdrawComplaint': {
      const s = existing(state);
      mayAct(s, command.by, 'withdraw');
      inStatus(s, OPEN, 'withdraw', 'it is no longer open');
      return [{ type: 'ComplaintWithdrawn', data: { complaintId: s.complaintId, reason: command.data.reason } }];
    }
    case 'FireAlarm': {
      const s = existing(state);
      const alarm = command.alarm;
      // A stale alarm (deadline met, paused, moved) fires nothing; an alarm never fires before its instant.
      if (!pendingAlarms(s).some((a) => sameAlarm(a, alarm)) || later(alarm.at, command.now)) return [];
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
                role: alarm.role as never,
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
    default:
      return assertNever(command, 'complaint command');
  }
}

/** The command's events, each followed by the notifications it calls for (recorded in the same append). */
export function decideComplaint(command: ComplaintCommand, state: ComplaintState): ComplaintEvent[] {
  const out: ComplaintEvent[] = [];
  let s = state;
  for (const event of decideFacts(command, state)) {
    out.push(event);
    s = evolveComplaint(s, event);
    if (s.status === 'none') continue;
    let sent = s.notifications.length;
    for (const n of notificationsFor(event, s)) {
      const key = `${s.complaintId}#${++sent}:${n.recipient}`;
      const issued: ComplaintEvent = { type: 'NotificationIssued', data: { complaintId: s.complaintId, key, recipient: n.recipient, subject: n.subject, body: n.body, about: event.type } };
      out.push(issued);
    }
    for (const e of out.slice(out.indexOf(event) + 1)) s = evolveComplaint(s, e);
  }
  return out;
}

const levelOf = (s: OpenComplaint) => Math.max(0, ...s.firstResponse.firedLevels, ...s.resolution.firedLevels);

export function evolveComplaint(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  if (event.type === 'ComplaintReceived') {
    const d = event.data;
    return {
      status: 'received',
      complaintId: d.complaintId,
      customerId: d.customerId,
      customerClass: d.customerClass,
      severity: d.severity,
      owner: d.owner,
      receivedAt: d.receivedAt,
      firstResponse: fresh(d.firstResponse),
      resolution: fresh(d.resolution),
      paused: null,
      pausedBusinessMinutes: 0,
      followUpDue: null,
      followUpOverdue: false,
      rating: null,
      reopenCount: 0,
      escalationLevel: 0,
      breached: false,
      notifications: [],
      basis: d.basis,
    };
  }
  if (state.status === 'none') return state;
  const s = state;
  switch (event.type) {
    case 'ComplaintAcknowledged':
      return { ...s, status: 'acknowledged', firstResponse: { ...s.firstResponse, met: true, onTime: event.data.onTime }, breached: s.breached || !event.data.onTime };
    case 'ComplaintVerified':
      return { ...s, status: 'verified' };
    case 'ComplaintAssigned':
      return { ...s, owner: event.data.to };
    case 'ResolutionProposed':
      return { ...s, status: 'resolution_proposed' };
    case 'CustomerNotified':
      return {
        ...s,
        status: 'customer_notified',
        // Giving the result also answers the customer: an unanswered first-response deadline is settled too.
        firstResponse: s.firstResponse.met ? s.firstResponse : { ...s.firstResponse, met: true, onTime: event.data.onTime },
        resolution: { ...s.resolution, met: true, onTime: event.data.onTime },
        followUpDue: event.data.followUpDue,
        followUpOverdue: false,
        breached: s.breached || !event.data.onTime,
      };
    case 'FollowUpRecorded':
      return { ...s, status: event.data.satisfied ? 'followed_up' : s.status, rating: event.data.rating };
    case 'FollowUpOverdue':
      return { ...s, followUpOverdue: true };
    case 'ComplaintClosed':
      return { ...s, status: 'closed', paused: null };
    case 'ComplaintReopened': {
      const next: OpenComplaint = { ...s, status: 'acknowledged', resolution: fresh(event.data.resolution), basis: event.data.basis, reopenCount: s.reopenCount + 1, followUpDue: null, followUpOverdue: false };
      return { ...next, escalationLevel: levelOf(next) };
    }
    case 'ComplaintPaused':
      return { ...s, paused: { since: event.data.pausedAt, reason: event.data.reason } };
    case 'ComplaintResumed':
      return {
        ...s,
        paused: null,
        pausedBusinessMinutes: s.pausedBusinessMinutes + event.data.pausedBusinessMinutes,
        // Deadlines move by the paused business time; what already fired stays fired.
        firstResponse: event.data.firstResponse ? { ...s.firstResponse, ...event.data.firstResponse } : s.firstResponse,
        resolution: event.data.resolution ? { ...s.resolution, ...event.data.resolution } : s.resolution,
      };
    case 'ComplaintWithdrawn':
      return { ...s, status: 'withdrawn', paused: null };
    case 'DeadlineWarningIssued':
      return event.data.deadline === 'first_response' ? { ...s, firstResponse: { ...s.firstResponse, warned: true } } : { ...s, resolution: { ...s.resolution, warned: true } };
    case 'ComplaintEscalated': {
      const key = event.data.deadline === 'first_response' ? 'firstResponse' : 'resolution';
      const next: OpenComplaint = { ...s, [key]: { ...s[key], firedLevels: [...s[key].firedLevels, event.data.level] }, breached: true };
      return { ...next, escalationLevel: levelOf(next) };
    }
    case 'NotificationIssued':
      return { ...s, notifications: [...s.notifications, event.data.key] };
    default:
      return assertNever(event, 'complaint event');
  }
}

export const complaintDecider: Decider<ComplaintCommand, ComplaintState, ComplaintEvent> = {
  initialState: initialComplaintState,
  decide: decideComplaint,
  evolve: evolveComplaint,
};
