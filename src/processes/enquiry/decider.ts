import type { ExtraHolidays } from '../../domain/calendar/settings';
import type { DeadlineSlots } from '../../domain/deadlines/replan';
import { deadlineAlarms, isLate, isPending, levelOf, markEscalated, markWarned, meet, moveTo, sortAlarms, track, type DeadlineAlarm, type TrackedDeadline } from '../../domain/deadlines/deadline';
import type { Basis, Deadline } from '../../domain/deadlines/schema';
import { assertNever, byType, type Decider } from '../../domain/decider';
import { forbidden, illegalState, notFound, requiredNow } from '../../domain/errors';
import type { Actor, FireAlarm } from '../../domain/process';
import type { EnquiryDeadlineKind, EnquiryEvent, ReceiveEnquiryInput } from './schemas';

/**
 * The enquiry (咨询) decider, 首问负责制 (seed 002): whoever first takes an enquiry owns it; within their remit they
 * answer it at once (一次办结), otherwise they hand it to the responsible department with a record. Pure.
 */

export type EnquiryAlarm = DeadlineAlarm<EnquiryDeadlineKind>;

export type EnquiryCommand =
  | { type: 'ReceiveEnquiry'; by: Actor; now: string; data: ReceiveEnquiryInput & { owner: string; major: boolean }; answer: Deadline<EnquiryDeadlineKind>; basis: Basis }
  | { type: 'AnswerEnquiry'; by: Actor; now: string; data: { answer: string } }
  | { type: 'TransferEnquiry'; by: Actor; data: { department: string; to?: string; reason: string } }
  | { type: 'CloseEnquiry'; by: Actor; data: { reason?: string } }
  | FireAlarm<EnquiryAlarm>;

export const ENQUIRY_STATUSES = ['received', 'transferred', 'answered', 'closed'] as const;
export type EnquiryStatus = (typeof ENQUIRY_STATUSES)[number];

export interface OpenEnquiry {
  status: EnquiryStatus;
  enquiryId: string;
  customerId: string | null;
  major: boolean;
  /** 首问负责人: stays responsible, and escalations climb their chain, whoever handles it now. */
  owner: string;
  /** Who handles it now: the owner, or the person it was handed to. */
  handler: string;
  /** The department it was handed to (null while with the owner). */
  department: string | null;
  transfers: number;
  receivedAt: string;
  answer: TrackedDeadline<EnquiryDeadlineKind>;
  escalationLevel: number;
  basis: Basis;
  /** After a re-plan on new holiday data: the imported holidays its deadline is computed with. */
  replannedOn?: ExtraHolidays;
}

export type EnquiryState = { status: 'none' } | OpenEnquiry;

const OPEN: readonly EnquiryStatus[] = ['received', 'transferred'];
const ABOVE_AGENT = ['supervisor', 'manager', 'general_manager', 'admin'];

export const isFinal = (s: EnquiryState): boolean => s.status === 'closed';

function existing(state: EnquiryState): OpenEnquiry {
  if (state.status === 'none') throw notFound('enquiry.not_found', 'no such enquiry');
  return state;
}

/** The owner and the current handler act on it; supervisors and above on any; auditors only read. */
function mayAct(s: OpenEnquiry, by: Actor, what: string): void {
  if (by.role === 'system' || ABOVE_AGENT.includes(by.role)) return;
  if (by.role === 'agent' && (by.actor === s.owner || by.actor === s.handler)) return;
  throw forbidden('enquiry.not_yours', `${by.role} ${by.actor} may not ${what} enquiry ${s.enquiryId}: it belongs to ${s.owner}${s.handler !== s.owner ? ` and is with ${s.handler}` : ''}`);
}

function open(s: OpenEnquiry, what: string): void {
  if (!OPEN.includes(s.status)) throw illegalState('enquiry.wrong_state', `cannot ${what} enquiry ${s.enquiryId} in state ${s.status}: it was answered already`);
}

type Cmd<T extends EnquiryCommand['type']> = Extract<EnquiryCommand, { type: T }>;

function receive(c: Cmd<'ReceiveEnquiry'>, state: EnquiryState): EnquiryEvent[] {
  if (state.status !== 'none') throw illegalState('enquiry.already_received', `enquiry ${c.data.enquiryId} was already received`);
  return [{ type: 'EnquiryReceived', data: { ...c.data, receivedAt: c.now, answer: c.answer, basis: c.basis } }];
}

function answer(c: Cmd<'AnswerEnquiry'>, state: EnquiryState): EnquiryEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'answer');
  open(s, 'answer');
  // 一次办结: answered by the first-responsible person without a hand-over.
  const firstContact = s.transfers === 0 && c.by.actor === s.owner;
  return [{ type: 'EnquiryAnswered', data: { enquiryId: s.enquiryId, answer: c.data.answer, answeredBy: c.by.actor, onTime: !isLate(c.now, s.answer.due), firstContact } }];
}

function transfer(c: Cmd<'TransferEnquiry'>, state: EnquiryState): EnquiryEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'transfer');
  open(s, 'transfer');
  if (c.data.to !== undefined && c.data.to === s.handler) throw illegalState('enquiry.same_handler', `enquiry ${s.enquiryId} is already with ${s.handler}`);
  return [{ type: 'EnquiryTransferred', data: { enquiryId: s.enquiryId, from: s.handler, department: c.data.department, ...(c.data.to ? { to: c.data.to } : {}), reason: c.data.reason } }];
}

function close(c: Cmd<'CloseEnquiry'>, state: EnquiryState): EnquiryEvent[] {
  const s = existing(state);
  mayAct(s, c.by, 'close');
  if (s.status === 'closed') throw illegalState('enquiry.wrong_state', `enquiry ${s.enquiryId} is closed already`);
  if (s.status === 'answered') return [{ type: 'EnquiryClosed', data: { enquiryId: s.enquiryId, ...(c.data.reason ? { reason: c.data.reason } : {}) } }];
  // Closing an unanswered enquiry (a duplicate, a customer who withdrew it) is a supervisor's decision, with a reason.
  if (c.by.role !== 'system' && !ABOVE_AGENT.includes(c.by.role)) throw forbidden('role.not_allowed', `role ${c.by.role} may not close enquiry ${s.enquiryId} before it is answered; allowed: ${ABOVE_AGENT.join(', ')}`);
  if (!c.data.reason) throw requiredNow('enquiry.reason_required', 'reason', 'is required to close an enquiry that was not answered');
  return [{ type: 'EnquiryClosed', data: { enquiryId: s.enquiryId, reason: c.data.reason } }];
}

function fireAlarm(c: Cmd<'FireAlarm'>, state: EnquiryState): EnquiryEvent[] {
  const s = existing(state);
  const a = c.alarm;
  if (!isPending(pendingEnquiryAlarms(s), a) || isLate(a.at, c.now)) return [];
  if (a.kind === 'warning') return [{ type: 'EnquiryWarningIssued', data: { enquiryId: s.enquiryId, deadline: a.deadline, dueAt: a.dueAt, warnAt: a.at } }];
  return [
    {
      type: 'EnquiryEscalated',
      data: { enquiryId: s.enquiryId, deadline: a.deadline, level: a.level, role: a.role, dueAt: a.dueAt, escalateAt: a.at, reason: `answer deadline ${a.dueAt} missed; escalation level ${a.level}` },
    },
  ];
}

export const decideEnquiry = byType<EnquiryCommand, EnquiryState, EnquiryEvent>({ ReceiveEnquiry: receive, AnswerEnquiry: answer, TransferEnquiry: transfer, CloseEnquiry: close, FireAlarm: fireAlarm });

/** The status after an event: read by `evolve` and by the enquiries ledger. */
export function enquiryStatusAfter(status: EnquiryStatus | null, event: { type: string }): EnquiryStatus | null {
  switch (event.type) {
    case 'EnquiryReceived':
      return 'received';
    case 'EnquiryTransferred':
      return 'transferred';
    case 'EnquiryAnswered':
      return 'answered';
    case 'EnquiryClosed':
      return 'closed';
    default:
      return status;
  }
}

function evolveOpen(s: OpenEnquiry, e: EnquiryEvent): OpenEnquiry {
  switch (e.type) {
    case 'EnquiryReceived':
      return s;
    case 'EnquiryTransferred':
      return { ...s, handler: e.data.to ?? s.handler, department: e.data.department, transfers: s.transfers + 1 };
    case 'EnquiryAnswered':
      return { ...s, answer: meet(s.answer, e.data.onTime) };
    case 'EnquiryClosed':
      return s;
    case 'EnquiryWarningIssued':
      return { ...s, answer: markWarned(s.answer) };
    case 'EnquiryEscalated': {
      const answered = markEscalated(s.answer, e.data.level);
      return { ...s, answer: answered, escalationLevel: levelOf(answered) };
    }
    default:
      return assertNever(e, 'enquiry event');
  }
}

export function evolveEnquiry(state: EnquiryState, e: EnquiryEvent): EnquiryState {
  if (e.type === 'EnquiryReceived') {
    const d = e.data;
    return {
      status: 'received',
      enquiryId: d.enquiryId,
      customerId: d.customerId ?? null,
      major: d.major,
      owner: d.owner,
      handler: d.owner,
      department: null,
      transfers: 0,
      receivedAt: d.receivedAt,
      answer: track(d.answer),
      escalationLevel: 0,
      basis: d.basis,
    };
  }
  if (state.status === 'none') return state;
  return { ...evolveOpen(state, e), status: enquiryStatusAfter(state.status, e) ?? state.status };
}

/** The answer deadline's warning and ladder while the enquiry waits for its answer. */
export function pendingEnquiryAlarms(state: EnquiryState): EnquiryAlarm[] {
  if (state.status === 'none' || !OPEN.includes(state.status)) return [];
  return sortAlarms(deadlineAlarms(state.answer));
}

/** How an enquiry holds its deadline, for the kernel's re-plan on new holiday data: the answer, while awaited. */
export const enquiryDeadlines: DeadlineSlots<EnquiryState> = {
  open: (s): Record<string, Deadline> | null => (s.status === 'none' || !OPEN.includes(s.status) ? null : s.answer.met ? {} : { answer: s.answer }),
  put: (s, moved, on) => (s.status === 'none' ? s : { ...s, answer: moved.answer ? moveTo(s.answer, moved.answer as Deadline<EnquiryDeadlineKind>) : s.answer, basis: on.basis, replannedOn: on.extraHolidays }),
  calendarOf: (s) => (s.status === 'none' ? undefined : s.replannedOn),
  basisOf: (s) => (s.status === 'none' ? undefined : s.basis),
  since: (s) => (s.status === 'none' ? '' : s.receivedAt),
};

export const enquiryDecider: Decider<EnquiryCommand, EnquiryState, EnquiryEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideEnquiry,
  evolve: evolveEnquiry,
};
