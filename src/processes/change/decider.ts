import { approversWith, checkDecision, escalateStep, openStep, outcomeWith, recordDecision, stepAlarms, warnStep, withdrawStep, type ApprovalStep, type StepDecision } from '../../domain/approval/step';
import type { Inactivity, Tier } from '../../domain/approval/rules';
import type { ExtraHolidays } from '../../domain/calendar/settings';
import type { DeadlineSlots } from '../../domain/deadlines/replan';
import { deadlineAlarms, isLate, isPending, markEscalated, markWarned, meet, moveTo, sortAlarms, track, type DeadlineAlarm, type TrackedDeadline } from '../../domain/deadlines/deadline';
import type { Basis, Deadline } from '../../domain/deadlines/schema';
import { assertNever, byType, type Decider } from '../../domain/decider';
import type { ChangeKind, ChangeStatus, CustomerClass, Opinion } from '../../domain/enums';
import { forbidden, illegalState, notFound } from '../../domain/errors';
import type { Actor, FireAlarm } from '../../domain/process';
import type { Role } from '../../domain/roles';
import type { AmendChangeInput, ChangeDeadlineKind, ChangeEvent, SubmitChangeInput } from './schemas';

/**
 * The change request (客户变更申请书) decider. Seed 000: no change without a formal request; seed 002: 客服部 organises a
 * review with 财务部, 市场部 and the expert panel, approval is tiered by amount and customer type (分级会审), a change to an
 * approved plan needs the decision committee and a written sign-off (书面签证), a named team implements it; seed 004: a
 * rejection gives its reason and the requester may ask the general manager for a second review, approvals have time
 * limits, a stalled implementation is reminded, escalated and shelved. Pure: instants and deadlines come with commands.
 */

export interface Panel {
  panel: string;
  label: string;
  role: Role;
}

export type ChangeAlarm =
  | DeadlineAlarm<ChangeDeadlineKind>
  | { kind: 'inactivity_remind' | 'inactivity_escalate' | 'inactivity_shelve'; at: string; since: string };

type WithDeadline<K extends ChangeDeadlineKind> = { deadline: TrackedDeadline<K>; basis: Basis };

export type ChangeCommand =
  | { type: 'SubmitChange'; by: Actor; now: string; data: SubmitChangeInput & { requester: string; customerClass: CustomerClass }; panels: Panel[]; review: Deadline<'review'>; tier: Tier; basis: Basis }
  | { type: 'ReviewChange'; by: Actor; now: string; data: { panel?: string; opinion: Opinion; comment?: string }; approval: WithDeadline<'approval'> }
  | { type: 'ApproveChange'; by: Actor; now: string; data: { reason?: string }; signOff: Deadline<'signoff'> }
  | { type: 'RejectChange'; by: Actor; now: string; data: { reason: string } }
  | { type: 'RequestSecondReview'; by: Actor; now: string; data: { reason: string }; role: Role; secondReview: WithDeadline<'second_review'> }
  | { type: 'SignOffChange'; by: Actor; now: string; data: { documentRef: string; signatory: string; signedOn: string } }
  | { type: 'StartImplementation'; by: Actor; data: { team: string; owner: string }; inactivity: Inactivity }
  | { type: 'UpdateImplementation'; by: Actor; data: { note: string }; inactivity: Inactivity }
  | { type: 'CompleteImplementation'; by: Actor; data: { note: string }; verify: Deadline<'verify'> }
  | { type: 'VerifyChange'; by: Actor; now: string; data: { passed: boolean; note: string }; inactivity: Inactivity }
  | { type: 'CloseChange'; by: Actor; data: { note?: string } }
  | { type: 'CancelChange'; by: Actor; data: { reason: string } }
  | { type: 'AmendChange'; by: Actor; data: AmendChangeInput; tier: Tier; approval: WithDeadline<'approval'> }
  | FireAlarm<ChangeAlarm>;

export interface SignOff {
  documentRef: string;
  signatory: string;
  signedOn: string;
  recordedBy: string;
}

export interface Implementation {
  team: string;
  owner: string;
  inactivity: Inactivity;
  /** Which inactivity alarms fired since the last update. */
  fired: Array<'remind' | 'escalate'>;
}

export interface OpenChange {
  status: ChangeStatus;
  changeId: string;
  customerId: string;
  customerClass: CustomerClass;
  kind: ChangeKind;
  description: string;
  reason: string;
  amount: number;
  affects: string;
  wantedBy: string | null;
  changesApprovedPlan: boolean;
  requester: string;
  submittedBy: string;
  submittedAt: string;
  panels: Panel[];
  /** One opinion per panel, each an approval step of one decider (its verdict: agree or not). */
  reviews: Record<string, ApprovalStep>;
  /** The review stage's time limit (all panels together). */
  review: TrackedDeadline<'review'>;
  tier: Tier;
  /** 1 at submission; each amendment starts a new round of approval. */
  round: number;
  approval: ApprovalStep<'approval'> | null;
  secondReview: ApprovalStep<'second_review'> | null;
  /** Approved at least once: any later amendment changes an approved plan. */
  wasApproved: boolean;
  signOffDue: TrackedDeadline<'signoff'> | null;
  signOff: SignOff | null;
  implementation: Implementation | null;
  verify: TrackedDeadline<'verify'> | null;
  escalationLevel: number;
  basis: Basis;
  /** After a re-plan on new holiday data: the imported holidays its deadlines are computed with. */
  replannedOn?: ExtraHolidays;
}

export type ChangeState = { status: 'none' } | OpenChange;

const FINAL: readonly ChangeStatus[] = ['closed', 'cancelled'];
const ABOVE = ['supervisor', 'manager', 'general_manager', 'admin'];
const AMENDABLE: readonly ChangeStatus[] = ['approving', 'second_review', 'rejected', 'approved', 'signed_off', 'implementing', 'verifying', 'shelved'];

/** Finished: closed, cancelled, or rejected with the second review spent. */
export const isFinal = (s: ChangeState): boolean => s.status !== 'none' && (FINAL.includes(s.status) || (s.status === 'rejected' && s.secondReview !== null));

type Cmd<T extends ChangeCommand['type']> = Extract<ChangeCommand, { type: T }>;

function existing(state: ChangeState): OpenChange {
  if (state.status === 'none') throw notFound('change.not_found', 'no such change request');
  return state;
}

function inStatus(s: OpenChange, allowed: readonly ChangeStatus[], what: string): void {
  if (!allowed.includes(s.status)) throw illegalState('change.wrong_state', `cannot ${what} change request ${s.changeId} in state ${s.status}; it must be ${allowed.join(' or ')}`);
}

/** The requester, whoever submitted it, or a supervisor and above. */
function mayManage(s: OpenChange, by: Actor, what: string): void {
  if (by.role === 'system' || ABOVE.includes(by.role) || by.actor === s.requester || by.actor === s.submittedBy) return;
  throw forbidden('change.not_yours', `${by.actor} may not ${what} change request ${s.changeId}: only its requester ${s.requester}, whoever submitted it, or a supervisor and above`);
}

/** The implementation's owner, or a supervisor and above. */
function mayImplement(s: OpenChange, by: Actor, what: string): void {
  if (by.role === 'system' || ABOVE.includes(by.role) || by.actor === s.implementation?.owner) return;
  throw forbidden('change.not_implementer', `${by.actor} may not ${what} change request ${s.changeId}: its implementation belongs to ${s.implementation?.owner}`);
}

const makers = (s: OpenChange) => [...new Set([s.submittedBy, s.requester])];

function checkNotMaker(s: OpenChange, by: Actor, what: string): void {
  if (by.role !== 'system' && makers(s).includes(by.actor)) throw forbidden('approval.own_submission', `${by.actor} asked for change request ${s.changeId} and may not decide ${what}: maker-checker needs a different person`);
}

function submit(c: Cmd<'SubmitChange'>, state: ChangeState): ChangeEvent[] {
  if (state.status !== 'none') throw illegalState('change.already_submitted', `change request ${c.data.changeId} was already submitted`);
  const { requester, ...form } = c.data;
  return [{ type: 'ChangeRequested', data: { ...form, requester, submittedBy: c.by.actor, submittedAt: c.now, panels: c.panels, review: c.review, tier: c.tier, basis: c.basis } }];
}

function review(c: Cmd<'ReviewChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  inStatus(s, ['reviewing'], 'give a review opinion on');
  const mine = s.panels.filter((p) => p.role === c.by.role);
  const panel = c.data.panel ? s.panels.find((p) => p.panel === c.data.panel) : mine.length === 1 ? mine[0] : undefined;
  if (c.data.panel && !panel) throw illegalState('change.no_such_panel', `panel: must be one of ${s.panels.map((p) => p.panel).join(', ')}`);
  if (!panel) throw forbidden('approval.wrong_role', `${c.by.actor} (${c.by.role}) sits on no review panel of change request ${s.changeId}${mine.length > 1 ? '; name the panel' : `; panels: ${s.panels.map((p) => `${p.panel} (${p.role})`).join(', ')}`}`);
  const step = s.reviews[panel.panel]!;
  const what = `the ${panel.label} (${panel.panel}) review of change request ${s.changeId}`;
  const given = step.decisions[0];
  if (given) throw illegalState('approval.already_decided', `${what} was already given by ${given.actor} at ${given.at}`);
  const verdict = c.data.opinion === 'disagree' ? 'reject' : 'approve';
  checkDecision(step, what, c.by, verdict, c.data.comment);
  checkNotMaker(s, c.by, what);
  const outstanding = s.panels.filter((p) => p.panel !== panel.panel && s.reviews[p.panel]!.outcome === 'pending');
  const reviewed: ChangeEvent = {
    type: 'ChangeReviewed',
    data: {
      changeId: s.changeId,
      panel: panel.panel,
      opinion: c.data.opinion,
      ...(c.data.comment ? { comment: c.data.comment } : {}),
      reviewer: c.by.actor,
      role: c.by.role as Role,
      at: c.now,
      onTime: !isLate(c.now, s.review.due),
      outstanding: outstanding.map((p) => p.label),
    },
  };
  if (outstanding.length > 0) return [reviewed];
  // The last opinion closes the review: the request goes to its tier's approvers, with their own time limit.
  return [reviewed, { type: 'ChangeSentForApproval', data: { changeId: s.changeId, round: s.round, at: c.now, tier: s.tier, step: approvalStep(s, s.tier, c.approval.deadline), basis: c.approval.basis } }];
}

const approvalStep = (s: OpenChange, tier: Tier, deadline: TrackedDeadline<'approval'>): ApprovalStep<'approval'> =>
  openStep('approval', { roles: [tier.role], quorum: tier.quorum, maker: s.submittedBy, deadline });

/** The step now open for a decision: the tier's approval, or the general manager's second review. */
function openDecision(s: OpenChange, what: string): ApprovalStep<'approval' | 'second_review'> {
  if (s.status === 'approving' && s.approval) return s.approval;
  if (s.status === 'second_review' && s.secondReview) return s.secondReview;
  const last = (s.secondReview ?? s.approval)?.decisions.at(-1);
  if (s.status === 'approved' || s.status === 'rejected') throw illegalState('approval.already_decided', `change request ${s.changeId} was already ${s.status}${last ? ` by ${last.actor} at ${last.at}` : ''}: there is nothing left to ${what}`);
  throw illegalState('change.wrong_state', `cannot ${what} change request ${s.changeId} in state ${s.status}: nothing awaits a decision`);
}

function decide(s: OpenChange, by: Actor, now: string, verdict: 'approve' | 'reject', reason: string | undefined): { events: ChangeEvent[]; outcome: string; step: ApprovalStep<'approval' | 'second_review'>; approvals: string[] } {
  const step = openDecision(s, verdict);
  const what = step.step === 'approval' ? `the ${s.tier.label} approval of change request ${s.changeId}` : `the second review of change request ${s.changeId}`;
  checkDecision(step, what, by, verdict, reason);
  checkNotMaker(s, by, what);
  const outcome = outcomeWith(step, { verdict });
  const approvals = approversWith(step, by.actor, verdict);
  const recorded: ChangeEvent = {
    type: 'ChangeDecisionRecorded',
    data: {
      changeId: s.changeId,
      step: step.step,
      round: s.round,
      verdict,
      ...(reason ? { reason } : {}),
      decidedBy: by.actor,
      role: by.role as Role,
      at: now,
      outcome: outcome === 'withdrawn' ? 'pending' : outcome,
      approvals,
      quorum: step.quorum,
      onTime: step.deadline ? !isLate(now, step.deadline.due) : true,
    },
  };
  return { events: [recorded], outcome, step, approvals };
}

function approve(c: Cmd<'ApproveChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  const { events, outcome, step, approvals } = decide(s, c.by, c.now, 'approve', c.data.reason);
  if (outcome !== 'approved') return events;
  return [...events, { type: 'ChangeApproved', data: { changeId: s.changeId, round: s.round, step: step.step, approvers: approvals, signOff: c.signOff } }];
}

function reject(c: Cmd<'RejectChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  const { events, step } = decide(s, c.by, c.now, 'reject', c.data.reason);
  return [...events, { type: 'ChangeRejected', data: { changeId: s.changeId, round: s.round, step: step.step, rejectedBy: c.by.actor, reason: c.data.reason, secondReviewOpen: step.step === 'approval' } }];
}

function requestSecondReview(c: Cmd<'RequestSecondReview'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  if (s.status === 'rejected' && s.secondReview) throw illegalState('change.second_review_used', `change request ${s.changeId} already had its second review (rejected by ${s.secondReview.decisions.at(-1)?.actor}); amend it or submit a new one`);
  inStatus(s, ['rejected'], 'ask for a second review of');
  if (c.by.role !== 'system' && !makers(s).includes(c.by.actor)) throw forbidden('change.not_requester', `only the requester ${s.requester} may ask for a second review of change request ${s.changeId}`);
  const step = openStep('second_review', { roles: [c.role], quorum: 1, maker: s.requester, deadline: c.secondReview.deadline });
  return [{ type: 'ChangeSecondReviewRequested', data: { changeId: s.changeId, round: s.round, reason: c.data.reason, requestedBy: c.by.actor, step } }];
}

function signOff(c: Cmd<'SignOffChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  inStatus(s, ['approved'], 'record the written sign-off of');
  return [{ type: 'ChangeSignedOff', data: { changeId: s.changeId, ...c.data, recordedBy: c.by.actor, onTime: s.signOffDue ? !isLate(c.now, s.signOffDue.due) : true } }];
}

function startImplementation(c: Cmd<'StartImplementation'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  inStatus(s, ['signed_off'], 'hand over for implementation');
  mayManage(s, c.by, 'hand over');
  return [{ type: 'ChangeImplementationStarted', data: { changeId: s.changeId, team: c.data.team, owner: c.data.owner, inactivity: c.inactivity } }];
}

function updateImplementation(c: Cmd<'UpdateImplementation'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  inStatus(s, ['implementing', 'shelved'], 'record progress on');
  mayImplement(s, c.by, 'record progress on');
  return [{ type: 'ChangeImplementationUpdated', data: { changeId: s.changeId, note: c.data.note, by: c.by.actor, inactivity: c.inactivity, resumed: s.status === 'shelved' } }];
}

function completeImplementation(c: Cmd<'CompleteImplementation'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  inStatus(s, ['implementing'], 'complete the implementation of');
  mayImplement(s, c.by, 'complete');
  return [{ type: 'ChangeImplemented', data: { changeId: s.changeId, note: c.data.note, by: c.by.actor, verify: c.verify } }];
}

function verify(c: Cmd<'VerifyChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  inStatus(s, ['verifying'], 'verify');
  if (c.by.role !== 'system' && c.by.actor === s.implementation?.owner) throw forbidden('change.verify_own_work', `${c.by.actor} implemented change request ${s.changeId} and may not verify it: someone else checks the work`);
  const onTime = s.verify ? !isLate(c.now, s.verify.due) : true;
  return [{ type: 'ChangeVerified', data: { changeId: s.changeId, passed: c.data.passed, note: c.data.note, verifiedBy: c.by.actor, onTime, ...(c.data.passed ? {} : { inactivity: c.inactivity }) } }];
}

function close(c: Cmd<'CloseChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  inStatus(s, ['verified'], 'close');
  mayManage(s, c.by, 'close');
  return [{ type: 'ChangeClosed', data: { changeId: s.changeId, ...(c.data.note ? { note: c.data.note } : {}) } }];
}

function cancel(c: Cmd<'CancelChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  if (isFinal(s)) throw illegalState('change.wrong_state', `change request ${s.changeId} is ${s.status} already`);
  mayManage(s, c.by, 'cancel');
  return [{ type: 'ChangeCancelled', data: { changeId: s.changeId, reason: c.data.reason, cancelledBy: c.by.actor, from: s.status } }];
}

function amend(c: Cmd<'AmendChange'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  if (s.status === 'reviewing') throw illegalState('change.wrong_state', `change request ${s.changeId} is still in review: wait for the opinions, or cancel it and submit a new one`);
  if (isFinal(s) && s.status !== 'rejected') throw illegalState('change.wrong_state', `change request ${s.changeId} is ${s.status}`);
  inStatus(s, AMENDABLE, 'amend');
  mayManage(s, c.by, 'amend');
  const { reason, ...changes } = c.data;
  return [
    {
      type: 'ChangeAmended',
      data: { changeId: s.changeId, round: s.round + 1, changes, reason, amendedBy: c.by.actor, from: s.status, tier: c.tier, step: approvalStep(s, c.tier, c.approval.deadline), basis: c.approval.basis },
    },
  ];
}

function fireAlarm(c: Cmd<'FireAlarm'>, state: ChangeState): ChangeEvent[] {
  const s = existing(state);
  const a = c.alarm;
  if (!isPending(pendingChangeAlarms(s), a) || isLate(a.at, c.now)) return [];
  switch (a.kind) {
    case 'warning':
      return [{ type: 'ChangeWarningIssued', data: { changeId: s.changeId, deadline: a.deadline, dueAt: a.dueAt, warnAt: a.at } }];
    case 'escalation':
      return [
        {
          type: 'ChangeEscalated',
          data: { changeId: s.changeId, deadline: a.deadline, level: a.level, role: a.role, dueAt: a.dueAt, escalateAt: a.at, reason: `${a.deadline} deadline ${a.dueAt} missed; escalation level ${a.level}` },
        },
      ];
    case 'inactivity_remind':
    case 'inactivity_escalate': {
      const i = s.implementation!;
      const level = a.kind === 'inactivity_remind' ? 'remind' : 'escalate';
      return [{ type: 'ChangeInactivityReminded', data: { changeId: s.changeId, level, since: a.since, at: a.at, owner: i.owner, ...(level === 'escalate' ? { escalateTo: i.inactivity.escalateTo } : {}) } }];
    }
    case 'inactivity_shelve':
      return [{ type: 'ChangeShelved', data: { changeId: s.changeId, since: a.since, at: a.at, owner: s.implementation!.owner } }];
    default:
      return assertNever(a, 'change alarm');
  }
}

export const decideChange = byType<ChangeCommand, ChangeState, ChangeEvent>({
  SubmitChange: submit,
  ReviewChange: review,
  ApproveChange: approve,
  RejectChange: reject,
  RequestSecondReview: requestSecondReview,
  SignOffChange: signOff,
  StartImplementation: startImplementation,
  UpdateImplementation: updateImplementation,
  CompleteImplementation: completeImplementation,
  VerifyChange: verify,
  CloseChange: close,
  CancelChange: cancel,
  AmendChange: amend,
  FireAlarm: fireAlarm,
});

/** The status after an event: read by `evolve` and by the changes ledger. */
export function changeStatusAfter(status: ChangeStatus | null, e: ChangeEvent): ChangeStatus | null {
  switch (e.type) {
    case 'ChangeRequested':
      return 'reviewing';
    case 'ChangeSentForApproval':
    case 'ChangeAmended':
      return 'approving';
    case 'ChangeApproved':
      return 'approved';
    case 'ChangeRejected':
      return 'rejected';
    case 'ChangeSecondReviewRequested':
      return 'second_review';
    case 'ChangeSignedOff':
      return 'signed_off';
    case 'ChangeImplementationStarted':
      return 'implementing';
    case 'ChangeImplementationUpdated':
      return 'implementing';
    case 'ChangeImplemented':
      return 'verifying';
    case 'ChangeVerified':
      return e.data.passed ? 'verified' : 'implementing';
    case 'ChangeShelved':
      return 'shelved';
    case 'ChangeClosed':
      return 'closed';
    case 'ChangeCancelled':
      return 'cancelled';
    default:
      return status;
  }
}

const decision = (d: { decidedBy: string; role: string; verdict: 'approve' | 'reject'; reason?: string; at: string }): StepDecision => ({
  actor: d.decidedBy,
  role: d.role,
  verdict: d.verdict,
  ...(d.reason ? { reason: d.reason } : {}),
  at: d.at,
});

const freshImplementation = (i: Implementation, inactivity: Inactivity): Implementation => ({ ...i, inactivity, fired: [] });

/** Withdraws whatever step is still open (a cancellation or an amendment ends it). */
const withdrawOpen = (s: OpenChange): OpenChange => ({
  ...s,
  reviews: Object.fromEntries(Object.entries(s.reviews).map(([k, v]) => [k, withdrawStep(v)])),
  approval: s.approval && withdrawStep(s.approval),
  secondReview: s.secondReview && withdrawStep(s.secondReview),
});

function evolveOpen(s: OpenChange, e: ChangeEvent): OpenChange {
  switch (e.type) {
    case 'ChangeRequested':
      return s;
    case 'ChangeReviewed': {
      const step = s.reviews[e.data.panel]!;
      const d: StepDecision = { actor: e.data.reviewer, role: e.data.role, verdict: e.data.opinion === 'disagree' ? 'reject' : 'approve', ...(e.data.comment ? { reason: e.data.comment } : {}), at: e.data.at };
      return { ...s, reviews: { ...s.reviews, [e.data.panel]: recordDecision(step, d, d.verdict === 'reject' ? 'rejected' : 'approved') } };
    }
    case 'ChangeSentForApproval':
      return { ...s, review: meet(s.review, !isLate(e.data.at, s.review.due)), tier: e.data.tier, approval: e.data.step as ApprovalStep<'approval'> };
    case 'ChangeDecisionRecorded': {
      const d = decision(e.data);
      const outcome = e.data.outcome;
      if (e.data.step === 'approval' && s.approval) return { ...s, approval: recordDecision(s.approval, d, outcome) };
      if (e.data.step === 'second_review' && s.secondReview) return { ...s, secondReview: recordDecision(s.secondReview, d, outcome) };
      return s;
    }
    case 'ChangeApproved':
      return { ...s, wasApproved: true, signOffDue: track(e.data.signOff as Deadline<'signoff'>), signOff: null };
    case 'ChangeRejected':
      return s;
    case 'ChangeSecondReviewRequested':
      return { ...s, secondReview: e.data.step as ApprovalStep<'second_review'> };
    case 'ChangeSignedOff': {
      const { changeId: _, onTime, ...signed } = e.data;
      return { ...s, signOff: signed, signOffDue: s.signOffDue && meet(s.signOffDue, onTime) };
    }
    case 'ChangeImplementationStarted':
      return { ...s, implementation: { team: e.data.team, owner: e.data.owner, inactivity: e.data.inactivity, fired: [] } };
    case 'ChangeImplementationUpdated':
      return s.implementation ? { ...s, implementation: freshImplementation(s.implementation, e.data.inactivity) } : s;
    case 'ChangeImplemented':
      return { ...s, verify: track(e.data.verify as Deadline<'verify'>) };
    case 'ChangeVerified': {
      const verified = { ...s, verify: s.verify && meet(s.verify, e.data.onTime) };
      return e.data.inactivity && s.implementation ? { ...verified, implementation: freshImplementation(s.implementation, e.data.inactivity) } : verified;
    }
    case 'ChangeClosed':
      return s;
    case 'ChangeCancelled':
      return withdrawOpen(s);
    case 'ChangeAmended': {
      const c = e.data.changes;
      const withdrawn = withdrawOpen(s);
      return {
        ...withdrawn,
        ...(c.description !== undefined ? { description: c.description } : {}),
        ...(c.amount !== undefined ? { amount: c.amount } : {}),
        ...(c.affects !== undefined ? { affects: c.affects } : {}),
        ...(c.wantedBy !== undefined ? { wantedBy: c.wantedBy } : {}),
        round: e.data.round,
        tier: e.data.tier,
        approval: e.data.step as ApprovalStep<'approval'>,
        secondReview: null,
        signOffDue: null,
        signOff: null,
        implementation: null,
        verify: null,
      };
    }
    case 'ChangeWarningIssued':
      return onDeadline(s, e.data.deadline, (d) => markWarned(d), warnStep);
    case 'ChangeEscalated': {
      const next = onDeadline(s, e.data.deadline, (d) => markEscalated(d, e.data.level), (st) => escalateStep(st, e.data.level));
      return { ...next, escalationLevel: Math.max(s.escalationLevel, e.data.level) };
    }
    case 'ChangeInactivityReminded':
      return s.implementation ? { ...s, implementation: { ...s.implementation, fired: [...s.implementation.fired, e.data.level] } } : s;
    case 'ChangeShelved':
      return s;
    default:
      return assertNever(e, 'change event');
  }
}

/** Applies a warning or escalation to the deadline it belongs to. */
function onDeadline(s: OpenChange, kind: ChangeDeadlineKind, onTracked: <K extends string>(d: TrackedDeadline<K>) => TrackedDeadline<K>, onStep: <K extends string>(st: ApprovalStep<K>) => ApprovalStep<K>): OpenChange {
  switch (kind) {
    case 'review':
      return { ...s, review: onTracked(s.review) };
    case 'approval':
      return s.approval ? { ...s, approval: onStep(s.approval) } : s;
    case 'second_review':
      return s.secondReview ? { ...s, secondReview: onStep(s.secondReview) } : s;
    case 'signoff':
      return s.signOffDue ? { ...s, signOffDue: onTracked(s.signOffDue) } : s;
    case 'verify':
      return s.verify ? { ...s, verify: onTracked(s.verify) } : s;
    default:
      return assertNever(kind, 'change deadline');
  }
}

export function evolveChange(state: ChangeState, e: ChangeEvent): ChangeState {
  if (e.type === 'ChangeRequested') {
    const d = e.data;
    const reviews = Object.fromEntries(d.panels.map((p) => [p.panel, openStep(`review:${p.panel}`, { roles: [p.role], quorum: 1, maker: d.submittedBy, deadline: null })]));
    return {
      status: 'reviewing',
      changeId: d.changeId,
      customerId: d.customerId,
      customerClass: d.customerClass,
      kind: d.kind,
      description: d.description,
      reason: d.reason,
      amount: d.amount,
      affects: d.affects,
      wantedBy: d.wantedBy ?? null,
      changesApprovedPlan: d.changesApprovedPlan,
      requester: d.requester,
      submittedBy: d.submittedBy,
      submittedAt: d.submittedAt,
      panels: d.panels,
      reviews,
      review: track(d.review as Deadline<'review'>),
      tier: d.tier,
      round: 1,
      approval: null,
      secondReview: null,
      wasApproved: false,
      signOffDue: null,
      signOff: null,
      implementation: null,
      verify: null,
      escalationLevel: 0,
      basis: d.basis,
    };
  }
  if (state.status === 'none') return state;
  return { ...evolveOpen(state, e), status: changeStatusAfter(state.status, e) ?? state.status };
}

/** The warnings, escalations and inactivity reminders still to come. */
export function pendingChangeAlarms(state: ChangeState): ChangeAlarm[] {
  if (state.status === 'none') return [];
  const s = state;
  switch (s.status) {
    case 'reviewing':
      return sortAlarms(deadlineAlarms(s.review));
    case 'approving':
      return s.approval ? sortAlarms(stepAlarms(s.approval)) : [];
    case 'second_review':
      return s.secondReview ? sortAlarms(stepAlarms(s.secondReview)) : [];
    case 'approved':
      return s.signOffDue ? sortAlarms(deadlineAlarms(s.signOffDue)) : [];
    case 'verifying':
      return s.verify ? sortAlarms(deadlineAlarms(s.verify)) : [];
    case 'implementing': {
      const i = s.implementation;
      if (!i) return [];
      const out: ChangeAlarm[] = [];
      if (!i.fired.includes('remind')) out.push({ kind: 'inactivity_remind', at: i.inactivity.remindAt, since: i.inactivity.since });
      if (!i.fired.includes('escalate')) out.push({ kind: 'inactivity_escalate', at: i.inactivity.escalateAt, since: i.inactivity.since });
      out.push({ kind: 'inactivity_shelve', at: i.inactivity.shelveAt, since: i.inactivity.since });
      return sortAlarms(out);
    }
    default:
      return [];
  }
}

/**
 * How a change request holds its deadlines, for the kernel's re-plan on new holiday data: the time limit of the step
 * it waits in (review, approval, second review, sign-off, verification). The inactivity reminders of an implementation
 * count working days from the last progress and are left as they are.
 */
export const changeDeadlines: DeadlineSlots<ChangeState> = {
  open(s): Record<string, Deadline> | null {
    if (s.status === 'none' || isFinal(s)) return null;
    const running = (d: TrackedDeadline | null | undefined) => (d && !d.met ? d : null);
    const d =
      s.status === 'reviewing' ? running(s.review)
      : s.status === 'approving' ? running(s.approval?.deadline)
      : s.status === 'second_review' ? running(s.secondReview?.deadline)
      : s.status === 'approved' ? running(s.signOffDue)
      : s.status === 'verifying' ? running(s.verify)
      : null;
    return d ? { [d.kind]: d } : {};
  },
  put(s, moved, on) {
    if (s.status === 'none') return s;
    const at = <K extends ChangeDeadlineKind>(d: TrackedDeadline<K>): TrackedDeadline<K> => (moved[d.kind] ? moveTo(d, moved[d.kind] as Deadline<K>) : d);
    const inStep = <K extends ChangeDeadlineKind>(step: ApprovalStep<K> | null): ApprovalStep<K> | null => (step?.deadline ? { ...step, deadline: at(step.deadline) } : step);
    return {
      ...s,
      review: at(s.review),
      approval: inStep(s.approval),
      secondReview: inStep(s.secondReview),
      signOffDue: s.signOffDue && at(s.signOffDue),
      verify: s.verify && at(s.verify),
      basis: on.basis,
      replannedOn: on.extraHolidays,
    };
  },
  calendarOf: (s) => (s.status === 'none' ? undefined : s.replannedOn),
  basisOf: (s) => (s.status === 'none' ? undefined : s.basis),
  since: (s) => (s.status === 'none' ? '' : s.submittedAt),
};

export const changeDecider: Decider<ChangeCommand, ChangeState, ChangeEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideChange,
  evolve: evolveChange,
};
