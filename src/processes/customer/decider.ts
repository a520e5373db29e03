import { approversWith, checkDecision, escalateStep, openStep, outcomeWith, recordDecision, stepAlarms, warnStep, withdrawStep, type ApprovalStep, type StepDecision } from '../../domain/approval/step';
import type { ExtraHolidays } from '../../domain/calendar/settings';
import { isLate, isPending, moveTo, sortAlarms, type DeadlineAlarm } from '../../domain/deadlines/deadline';
import type { DeadlineSlots } from '../../domain/deadlines/replan';
import type { Deadline } from '../../domain/deadlines/schema';
import { assertNever, byType, type Decider } from '../../domain/decider';
import type { CustomerClass, Grade, Importance } from '../../domain/enums';
import { forbidden, illegalState, notFound, requiredNow } from '../../domain/errors';
import type { Actor, FireAlarm } from '../../domain/process';
import { changeIdOf, changeSummary, scoreTotal, type CustomerChangeKind, type CustomerChangeStatus, type CustomerFlag, type CustomerStepKind, type GradeScores } from './changes';
import type { StepPlan } from './rules';
import type { ContactChanges, CustomerEvent, CustomerEventOf, CustomerProfile, ProfileChanges, RegisterCustomerInput } from './schemas';

/**
 * The customer master-data decider (客户台账), pure. Every change is maker-checker (seed 000: data is verified and
 * approved before it is entered): a maker submits it, it takes effect only when a different holder of the checker
 * role approves, within the policy's time limit. Key accounts need two different sales VPs, a rejection gives its
 * reason, and the maker may ask for a second review (二次审核, seed 004); a grade change takes effect with the written
 * notice to the customer (书面通知). Registration and contact changes without `review` are the behaviour before
 * maker-checker, which recorded histories replay: they take effect at once.
 */

/** What a maker's submission opens: who submits, when, and the checkers' step (from the policy's rules). */
export interface Review {
  by: Actor;
  now: string;
  plan: StepPlan<'approval'>;
}

export type CustomerAlarm = DeadlineAlarm<CustomerStepKind> & { changeId: string };

export type CustomerCommand =
  | { type: 'RegisterCustomer'; data: RegisterCustomerInput; review?: Review & { keyAccount?: StepPlan<'approval'> } }
  | { type: 'UpdateCustomerContact'; data: { customerId: string; changes: ContactChanges }; review?: Review }
  | { type: 'ChangeCustomerProfile'; data: ProfileChanges; review: Review }
  | { type: 'SetCustomerFlag'; data: { flag: CustomerFlag; set: boolean; reason: string }; review: Review }
  | { type: 'ChangeCustomerGrade'; data: { grade: Grade; scores: GradeScores; reason?: string }; review: Review }
  | { type: 'DesignateKeyAccount'; data: { importance: Importance; reason?: string }; review: Review }
  | { type: 'EraseCustomer'; data: { reason: string }; review: Review }
  /** `today`: the local date on the policy's calendar, recorded as the day an approved grade takes effect. */
  | { type: 'ApproveCustomerChange'; by: Actor; now: string; today: string; data: { changeId: string; reason?: string; noticeRef?: string } }
  | { type: 'RejectCustomerChange'; by: Actor; now: string; data: { changeId: string; reason?: string } }
  | { type: 'WithdrawCustomerChange'; by: Actor; now: string; data: { changeId: string; reason?: string } }
  | { type: 'RequestCustomerSecondReview'; by: Actor; now: string; data: { changeId: string; reason: string }; plan: StepPlan<'second_review'> };

type Submitted = CustomerEventOf<'CustomerChangeSubmitted'>['data'];

/** One submitted change: what it proposes, its checkers' step and, after a rejection, its second review. */
export interface CustomerChange extends Omit<Submitted, 'customerId' | 'step' | 'basis'> {
  status: CustomerChangeStatus;
  step: ApprovalStep<'approval'>;
  secondReview: ApprovalStep<'second_review'> | null;
}

interface CustomerRecord {
  customerId: string;
  /** The approved importance: 重点客户 once its designation was approved (also while the registration waits). */
  importance: Importance;
  blacklisted: boolean;
  repeatedClaims: boolean;
  /** The factor scores of the latest approved grade change. */
  scores: GradeScores | null;
  /** Every change submitted, oldest first; a change's number is its place here. */
  changes: CustomerChange[];
  /** When the customer's personal data was erased (its data key destroyed); nothing personal is recorded after. */
  erasedAt?: string;
  /** After a re-plan on new holiday data: the imported holidays its approval deadlines are computed with. */
  replannedOn?: ExtraHolidays;
}

/** Approved master data: `profile` is what the checkers approved. */
export type RegisteredCustomer = CustomerRecord & { status: 'registered'; profile: CustomerProfile };
/** A registration awaiting its checkers, or one that was rejected or withdrawn (it may be registered again). */
export type UnapprovedCustomer = CustomerRecord & { status: 'pending' | 'rejected' | 'withdrawn'; profile: null };
export type CustomerState = { status: 'unregistered' } | RegisteredCustomer | UnapprovedCustomer;
type Known = RegisteredCustomer | UnapprovedCustomer;

export const initialCustomerState = (): CustomerState => ({ status: 'unregistered' });

/** A key customer (重点客户 or grade A) gets halved SLA targets. */
export const customerClassOf = (c: { importance: Importance; grade: Grade }): CustomerClass => (c.importance === 'key' || c.grade === 'A' ? 'key' : 'ordinary');

/**
 * The class a customer's approved data gives (what a complaint received now is handled under): a registered customer's
 * from its profile; a customer whose registration awaits approval is ordinary unless its key-account designation was
 * approved already. Undefined when there is no customer (never registered, rejected, withdrawn).
 */
export function approvedCustomerClass(state: CustomerState): CustomerClass | undefined {
  if (state.status === 'registered') return customerClassOf(state.profile);
  if (state.status === 'pending') return normalise(state).importance === 'key' ? 'key' : 'ordinary';
  return undefined;
}

/** State carried by earlier code knew only the status, the id and the profile. */
function normalise<T extends Known>(s: T): T {
  const r = s as T & Partial<CustomerRecord>;
  if (r.changes) return s;
  return { ...s, importance: r.importance ?? s.profile?.importance ?? 'ordinary', blacklisted: r.blacklisted ?? false, repeatedClaims: r.repeatedClaims ?? false, scores: r.scores ?? null, changes: [] };
}

const fresh = (customerId: string): UnapprovedCustomer => ({ status: 'pending', customerId, profile: null, importance: 'ordinary', blacklisted: false, repeatedClaims: false, scores: null, changes: [] });

type Cmd<T extends CustomerCommand['type']> = Extract<CustomerCommand, { type: T }>;

function known(state: CustomerState): Known {
  if (state.status === 'unregistered') throw notFound('customer.not_found', 'no such customer: it was never registered');
  return normalise(state);
}

/** Changes other than the registration wait for it: the master data they change must exist. */
function registered(state: CustomerState): RegisteredCustomer {
  const s = known(state);
  if (s.status !== 'registered') {
    const reg = lastRegistration(s);
    throw illegalState('customer.not_registered', `customer ${s.customerId} is ${s.status}${reg ? ` (registration ${reg.changeId})` : ''}: its master data can change once a registration is approved`);
  }
  return s;
}

const lastRegistration = (s: Known): CustomerChange | undefined => s.changes.filter((c) => c.kind === 'registration').at(-1);
const isOpen = (c: CustomerChange): boolean => c.status === 'pending' || c.status === 'second_review';

/** One open change per kind (per flag for flags), so two checkers never approve conflicting values. */
function noneOpen(s: Known, kind: CustomerChangeKind, flag?: CustomerFlag): void {
  const open = s.changes.find((c) => isOpen(c) && c.kind === kind && (flag === undefined || c.flag?.flag === flag));
  if (open) throw illegalState('customer.change_pending', `customer ${s.customerId} already has a pending ${changeSummary(open)} change ${open.changeId} (submitted by ${open.maker} at ${open.submittedAt}): it is decided or withdrawn first`);
}

function submission(s: Pick<Known, 'customerId' | 'changes'>, review: Review, kind: CustomerChangeKind, fields: string[], proposal: Partial<Submitted>, plan = review.plan, offset = 0): CustomerEvent {
  const changeId = changeIdOf(s.customerId, s.changes.length + 1 + offset);
  const step = openStep('approval', { roles: plan.roles, quorum: plan.quorum, maker: review.by.actor, deadline: plan.deadline });
  return {
    type: 'CustomerChangeSubmitted',
    data: { customerId: s.customerId, changeId, kind, fields, maker: review.by.actor, submittedAt: review.now, ...proposal, step, basis: plan.basis },
  };
}

/** The fields that would change the profile (re-sending a current value is not a change). */
const changedFrom = <T extends object>(profile: CustomerProfile, changes: T): T =>
  Object.fromEntries(Object.entries(changes).filter(([k, v]) => v !== undefined && profile[k as keyof CustomerProfile] !== v)) as T;

const definedKeys = (o: object): string[] => Object.entries(o).filter(([, v]) => v !== undefined).map(([k]) => k);

function register(c: Cmd<'RegisterCustomer'>, state: CustomerState): CustomerEvent[] {
  if (!c.review) {
    if (state.status !== 'unregistered') throw illegalState('customer.already_registered', `customer ${state.customerId} is already registered`);
    return [{ type: 'CustomerRegistered', data: c.data }];
  }
  const s = state.status === 'unregistered' ? fresh(c.data.customerId) : normalise(state);
  if (s.status === 'registered') throw illegalState('customer.already_registered', `customer ${s.customerId} is already registered`);
  if (s.status === 'pending' && state.status !== 'unregistered') {
    const reg = lastRegistration(s);
    throw illegalState('customer.already_registered', `customer ${s.customerId} is already registered and awaits approval${reg ? ` (change ${reg.changeId}, submitted by ${reg.maker} at ${reg.submittedAt})` : ''}`);
  }
  const { customerId: _, ...profile } = c.data;
  const events = [submission(s, c.review, 'registration', definedKeys(profile), { registration: profile })];
  // 重点客户 is its own change, approved by two sales VPs; until then the customer is ordinary.
  const designation = c.review.keyAccount;
  if (profile.importance === 'key' && designation && s.importance !== 'key' && !s.changes.some((x) => isOpen(x) && x.kind === 'key_account')) {
    events.push(submission(s, c.review, 'key_account', ['importance'], { importance: { from: s.importance, to: 'key' } }, designation, 1));
  }
  return events;
}

function updateContact(c: Cmd<'UpdateCustomerContact'>, state: CustomerState): CustomerEvent[] {
  notErased(state);
  if (!c.review) {
    if (state.status !== 'registered') throw notFound('customer.not_found', `customer ${c.data.customerId} is not registered`);
    const changed = changedFrom(state.profile, c.data.changes);
    // Re-sending the current values is not a change: nothing to record.
    if (Object.keys(changed).length === 0) return [];
    return [{ type: 'CustomerContactUpdated', data: { customerId: state.customerId, changes: changed } }];
  }
  const s = registered(state);
  const changed = changedFrom(s.profile, c.data.changes);
  if (Object.keys(changed).length === 0) return [];
  noneOpen(s, 'contact');
  return [submission(s, c.review, 'contact', Object.keys(changed), { contact: changed })];
}

function changeProfile(c: Cmd<'ChangeCustomerProfile'>, state: CustomerState): CustomerEvent[] {
  notErased(state);
  const s = registered(state);
  const changed = changedFrom(s.profile, c.data);
  if (Object.keys(changed).length === 0) return [];
  noneOpen(s, 'profile');
  return [submission(s, c.review, 'profile', Object.keys(changed), { profile: changed })];
}

function setFlag(c: Cmd<'SetCustomerFlag'>, state: CustomerState): CustomerEvent[] {
  const s = registered(state);
  const current = c.data.flag === 'blacklist' ? s.blacklisted : s.repeatedClaims;
  if (current === c.data.set) throw illegalState('customer.no_change', `customer ${s.customerId} ${c.data.set ? 'already has' : 'does not have'} the ${c.data.flag} flag`);
  noneOpen(s, 'flag', c.data.flag);
  return [submission(s, c.review, 'flag', [c.data.flag], { flag: { flag: c.data.flag, set: c.data.set, reason: c.data.reason }, reason: c.data.reason })];
}

function changeGrade(c: Cmd<'ChangeCustomerGrade'>, state: CustomerState): CustomerEvent[] {
  const s = registered(state);
  if (s.profile.grade === c.data.grade) throw illegalState('customer.no_change', `customer ${s.customerId} is grade ${c.data.grade} already`);
  noneOpen(s, 'grade');
  const grade = { from: s.profile.grade, to: c.data.grade, scores: c.data.scores, total: scoreTotal(c.data.scores) };
  return [submission(s, c.review, 'grade', ['grade', 'scores'], { grade, ...(c.data.reason ? { reason: c.data.reason } : {}) })];
}

function designateKeyAccount(c: Cmd<'DesignateKeyAccount'>, state: CustomerState): CustomerEvent[] {
  const s = known(state);
  // A designation may wait beside the registration it came with; a rejected or withdrawn registration has no customer.
  if (s.status === 'rejected' || s.status === 'withdrawn') registered(s);
  if (s.importance === c.data.importance) throw illegalState('customer.no_change', `customer ${s.customerId} is ${c.data.importance === 'key' ? 'a key account already' : 'not a key account'}`);
  noneOpen(s, 'key_account');
  return [submission(s, c.review, 'key_account', ['importance'], { importance: { from: s.importance, to: c.data.importance }, ...(c.data.reason ? { reason: c.data.reason } : {}) })];
}

/** Erasure of the personal data (PIPL 删除权) is a master-data change like the others: a checker approves it. */
function erase(c: Cmd<'EraseCustomer'>, state: CustomerState): CustomerEvent[] {
  const s = known(state);
  if (s.erasedAt) throw illegalState('customer.erased', `customer ${s.customerId}'s personal data was erased at ${s.erasedAt}`);
  noneOpen(s, 'erasure');
  return [submission(s, c.review, 'erasure', ['personal data'], { reason: c.data.reason })];
}

/** Nothing personal changes after an erasure: the customer's key is gone and is never made again. */
function notErased(state: CustomerState): void {
  if (state.status !== 'unregistered' && (state as Known).erasedAt) throw illegalState('customer.erased', `customer ${state.customerId}'s personal data was erased at ${(state as Known).erasedAt}: nothing personal can be recorded for them`);
}

function changeOf(s: Known, changeId: string): CustomerChange {
  const change = s.changes.find((x) => x.changeId === changeId);
  if (!change) throw notFound('customer.change_not_found', `customer ${s.customerId} has no change ${changeId}${s.changes.length ? `; its changes are ${s.changes[0]!.changeId} to ${s.changes.at(-1)!.changeId}` : ''}`);
  return change;
}

const describe = (s: Known, ch: CustomerChange) => `${changeSummary(ch)} change ${ch.changeId} of customer ${s.customerId}`;

/** The step a decision goes to now: the second review once one was asked for, else the checkers'. */
const currentStep = (ch: CustomerChange): ApprovalStep<CustomerStepKind> => (ch.secondReview ?? ch.step) as ApprovalStep<CustomerStepKind>;

function decideOn(c: Cmd<'ApproveCustomerChange'> | Cmd<'RejectCustomerChange'>, state: CustomerState, verdict: 'approve' | 'reject'): { s: Known; ch: CustomerChange; events: CustomerEvent[]; approved: boolean; approvals: string[] } {
  const s = known(state);
  const ch = changeOf(s, c.data.changeId);
  const what = `the ${describe(s, ch)}`;
  if (ch.status === 'withdrawn') throw illegalState('approval.already_decided', `${what} was withdrawn by its maker ${ch.maker}: there is nothing left to decide`);
  const step = currentStep(ch);
  checkDecision(step, what, c.by, verdict, c.data.reason);
  if (verdict === 'approve' && ch.kind === 'grade' && !(c as Cmd<'ApproveCustomerChange'>).data.noticeRef?.trim()) {
    throw requiredNow('customer.notice_required', 'noticeRef', 'is required to approve a grade change: the reference of the written notice sent to the customer (书面通知, seed 004)');
  }
  const outcome = outcomeWith(step, { verdict }) as 'pending' | 'approved' | 'rejected';
  const approvals = approversWith(step, c.by.actor, verdict);
  const noticeRef = verdict === 'approve' ? (c as Cmd<'ApproveCustomerChange'>).data.noticeRef : undefined;
  const decided: CustomerEvent = {
    type: 'CustomerChangeDecided',
    data: {
      customerId: s.customerId,
      changeId: ch.changeId,
      kind: ch.kind,
      step: step.step,
      verdict,
      ...(c.data.reason ? { reason: c.data.reason } : {}),
      ...(noticeRef ? { noticeRef } : {}),
      decidedBy: c.by.actor,
      role: c.by.role,
      at: c.now,
      outcome,
      approvals,
      onTime: step.deadline ? !isLate(c.now, step.deadline.due) : null,
    },
  };
  return { s, ch, events: [decided], approved: outcome === 'approved', approvals };
}

/** What an approved change does to the master data, recorded after the decision. */
function effect(s: Known, ch: CustomerChange, c: Cmd<'ApproveCustomerChange'>, approvals: string[]): CustomerEvent[] {
  const ids = { customerId: s.customerId, changeId: ch.changeId };
  switch (ch.kind) {
    case 'registration':
      // The approved importance: key only once its own designation was approved.
      return ch.registration ? [{ type: 'CustomerRegistered', data: { ...ch.registration, customerId: s.customerId, importance: s.importance } }] : [];
    case 'contact':
      return ch.contact ? [{ type: 'CustomerContactUpdated', data: { customerId: s.customerId, changes: ch.contact } }] : [];
    case 'profile':
      return ch.profile ? [{ type: 'CustomerProfileChanged', data: { ...ids, changes: ch.profile } }] : [];
    case 'flag':
      return ch.flag ? [{ type: 'CustomerFlagChanged', data: { ...ids, ...ch.flag } }] : [];
    case 'grade': {
      const g = ch.grade;
      if (!g) return [];
      const from = s.profile?.grade ?? g.from;
      return [{ type: 'CustomerGradeChanged', data: { ...ids, from, to: g.to, scores: g.scores, total: g.total, noticeRef: c.data.noticeRef!.trim(), approvedBy: approvals, effectiveOn: c.today } }];
    }
    case 'key_account':
      return ch.importance ? [{ type: 'CustomerImportanceChanged', data: { ...ids, from: s.importance, to: ch.importance.to, approvedBy: approvals } }] : [];
    case 'erasure':
      return [{ type: 'CustomerErased', data: { ...ids, approvedBy: approvals, reason: ch.reason ?? '', at: c.now } }];
    default:
      return assertNever(ch.kind, 'customer change kind');
  }
}

function approve(c: Cmd<'ApproveCustomerChange'>, state: CustomerState): CustomerEvent[] {
  const { s, ch, events, approved, approvals } = decideOn(c, state, 'approve');
  return approved ? [...events, ...effect(s, ch, c, approvals)] : events;
}

const reject = (c: Cmd<'RejectCustomerChange'>, state: CustomerState): CustomerEvent[] => decideOn(c, state, 'reject').events;

function mustBeMaker(s: Known, ch: CustomerChange, by: Actor, what: string): void {
  if (by.role !== 'system' && by.actor !== ch.maker) throw forbidden('approval.not_maker', `only ${ch.maker}, who submitted the ${describe(s, ch)}, may ${what}; ${by.actor} may not`);
}

function withdraw(c: Cmd<'WithdrawCustomerChange'>, state: CustomerState): CustomerEvent[] {
  const s = known(state);
  const ch = changeOf(s, c.data.changeId);
  mustBeMaker(s, ch, c.by, 'withdraw it');
  if (!isOpen(ch)) throw illegalState('customer.change_decided', `the ${describe(s, ch)} was ${ch.status} already: only a pending change can be withdrawn`);
  return [{ type: 'CustomerChangeWithdrawn', data: { customerId: s.customerId, changeId: ch.changeId, kind: ch.kind, withdrawnBy: c.by.actor, ...(c.data.reason ? { reason: c.data.reason } : {}), at: c.now } }];
}

function requestSecondReview(c: Cmd<'RequestCustomerSecondReview'>, state: CustomerState): CustomerEvent[] {
  const s = known(state);
  const ch = changeOf(s, c.data.changeId);
  mustBeMaker(s, ch, c.by, 'ask for its second review');
  if (ch.secondReview) {
    const last = ch.secondReview.decisions.at(-1);
    throw illegalState('customer.second_review_used', `the ${describe(s, ch)} had its second review already${last ? ` (${last.verdict === 'approve' ? 'approved' : 'rejected'} by ${last.actor} at ${last.at})` : ', still pending'}: one per change; submit a new change instead`);
  }
  if (ch.status !== 'rejected') throw illegalState('customer.not_rejected', `the ${describe(s, ch)} is ${ch.status}: only a rejected change can be reviewed a second time`);
  if (ch.kind === 'registration' && lastRegistration(s) !== ch) throw illegalState('customer.superseded', `the ${describe(s, ch)} was followed by a new registration`);
  const step = openStep('second_review', { roles: c.plan.roles, quorum: c.plan.quorum, maker: ch.maker, deadline: c.plan.deadline });
  return [{ type: 'CustomerSecondReviewRequested', data: { customerId: s.customerId, changeId: ch.changeId, kind: ch.kind, reason: c.data.reason, requestedBy: c.by.actor, at: c.now, step, basis: c.plan.basis } }];
}

const alarmsOfChange = (ch: CustomerChange): CustomerAlarm[] => (isOpen(ch) ? stepAlarms(currentStep(ch)).map((a) => ({ ...a, changeId: ch.changeId })) : []);

/** The warnings and escalation ladders of every change still waiting for its checkers, earliest first. */
export function pendingCustomerAlarms(state: CustomerState): CustomerAlarm[] {
  if (state.status === 'unregistered') return [];
  return sortAlarms(normalise(state).changes.flatMap(alarmsOfChange));
}

function fireAlarm(c: FireAlarm<CustomerAlarm>, state: CustomerState): CustomerEvent[] {
  if (state.status === 'unregistered') return [];
  const s = normalise(state);
  const a = c.alarm;
  const ch = s.changes.find((x) => x.changeId === a.changeId);
  if (!ch || !isPending(alarmsOfChange(ch), a) || isLate(a.at, c.now)) return [];
  const ids = { customerId: s.customerId, changeId: ch.changeId };
  if (a.kind === 'warning') return [{ type: 'CustomerApprovalWarningIssued', data: { ...ids, deadline: a.deadline, dueAt: a.dueAt, warnAt: a.at } }];
  const reason = `${a.deadline === 'second_review' ? 'second review' : 'approval'} of the ${describe(s, ch)} due ${a.dueAt} missed; escalation level ${a.level}`;
  return [{ type: 'CustomerApprovalEscalated', data: { ...ids, deadline: a.deadline, level: a.level, role: a.role, dueAt: a.dueAt, escalateAt: a.at, reason } }];
}

export const decideCustomer = byType<CustomerCommand | FireAlarm<CustomerAlarm>, CustomerState, CustomerEvent>({
  RegisterCustomer: register,
  UpdateCustomerContact: updateContact,
  ChangeCustomerProfile: changeProfile,
  SetCustomerFlag: setFlag,
  ChangeCustomerGrade: changeGrade,
  DesignateKeyAccount: designateKeyAccount,
  EraseCustomer: erase,
  ApproveCustomerChange: approve,
  RejectCustomerChange: reject,
  WithdrawCustomerChange: withdraw,
  RequestCustomerSecondReview: requestSecondReview,
  FireAlarm: fireAlarm,
});

// ── evolve ──────────────────────────────────────────────────────────────────────────────

const withChange = (s: Known, changeId: string, f: (c: CustomerChange) => CustomerChange): Known => ({ ...s, changes: s.changes.map((c) => (c.changeId === changeId ? f(c) : c)) });

/** The customer's status after a change to its registration (an approved one is registered by the event after it). */
function registrationStatus(s: Known, ch: CustomerChange | undefined, status: UnapprovedCustomer['status']): Known {
  if (s.status === 'registered' || !ch || ch.kind !== 'registration' || lastRegistration(s) !== ch) return s;
  return { ...s, status, profile: null };
}

function evolveKnown(s: Known, e: CustomerEvent): Known {
  switch (e.type) {
    case 'CustomerRegistered': {
      const { customerId, ...profile } = e.data;
      return { ...s, status: 'registered', customerId, profile, importance: profile.importance };
    }
    case 'CustomerContactUpdated':
      return s.status === 'registered' ? { ...s, profile: { ...s.profile, ...e.data.changes } } : s;
    case 'CustomerChangeSubmitted': {
      const { customerId: _, step, basis: _basis, ...proposal } = e.data;
      const change: CustomerChange = { ...proposal, status: 'pending', step: step as ApprovalStep<'approval'>, secondReview: null };
      const next: Known = { ...s, changes: [...s.changes, change] };
      return e.data.kind === 'registration' && next.status !== 'registered' ? { ...next, status: 'pending', profile: null } : next;
    }
    case 'CustomerChangeDecided': {
      const d = e.data;
      const decision: StepDecision = { actor: d.decidedBy, role: d.role, verdict: d.verdict, ...(d.reason ? { reason: d.reason } : {}), at: d.at };
      const status: CustomerChangeStatus | undefined = d.outcome === 'approved' ? 'approved' : d.outcome === 'rejected' ? 'rejected' : undefined;
      const next = withChange(s, d.changeId, (c) =>
        d.step === 'second_review' && c.secondReview
          ? { ...c, secondReview: recordDecision(c.secondReview, decision, d.outcome), status: status ?? c.status }
          : { ...c, step: recordDecision(c.step, decision, d.outcome), status: status ?? c.status },
      );
      return d.outcome === 'rejected' ? registrationStatus(next, next.changes.find((c) => c.changeId === d.changeId), 'rejected') : next;
    }
    case 'CustomerChangeWithdrawn': {
      const next = withChange(s, e.data.changeId, (c) => ({ ...c, status: 'withdrawn', step: withdrawStep(c.step), secondReview: c.secondReview && withdrawStep(c.secondReview) }));
      return registrationStatus(next, next.changes.find((c) => c.changeId === e.data.changeId), 'withdrawn');
    }
    case 'CustomerSecondReviewRequested': {
      const next = withChange(s, e.data.changeId, (c) => ({ ...c, status: 'second_review', secondReview: e.data.step as ApprovalStep<'second_review'> }));
      return registrationStatus(next, next.changes.find((c) => c.changeId === e.data.changeId), 'pending');
    }
    case 'CustomerProfileChanged':
      return s.status === 'registered' ? { ...s, profile: { ...s.profile, ...(Object.fromEntries(Object.entries(e.data.changes).filter(([, v]) => v !== undefined)) as ProfileChanges) } } : s;
    case 'CustomerFlagChanged':
      return e.data.flag === 'blacklist' ? { ...s, blacklisted: e.data.set } : { ...s, repeatedClaims: e.data.set };
    case 'CustomerGradeChanged':
      return s.status === 'registered' ? { ...s, profile: { ...s.profile, grade: e.data.to }, scores: e.data.scores } : { ...s, scores: e.data.scores };
    case 'CustomerImportanceChanged':
      return s.status === 'registered' ? { ...s, importance: e.data.to, profile: { ...s.profile, importance: e.data.to } } : { ...s, importance: e.data.to };
    case 'CustomerErased':
      return { ...s, erasedAt: e.data.at };
    case 'CustomerApprovalWarningIssued':
      return withChange(s, e.data.changeId, (c) => (e.data.deadline === 'second_review' && c.secondReview ? { ...c, secondReview: warnStep(c.secondReview) } : { ...c, step: warnStep(c.step) }));
    case 'CustomerApprovalEscalated':
      return withChange(s, e.data.changeId, (c) =>
        e.data.deadline === 'second_review' && c.secondReview ? { ...c, secondReview: escalateStep(c.secondReview, e.data.level) } : { ...c, step: escalateStep(c.step, e.data.level) },
      );
    default:
      return assertNever(e, 'customer event');
  }
}

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  if (state.status === 'unregistered') {
    // A record begins with its registration: approved at once (before maker-checker) or submitted for approval.
    if (event.type === 'CustomerRegistered') return evolveKnown({ ...fresh(event.data.customerId), importance: event.data.importance }, event);
    if (event.type === 'CustomerChangeSubmitted') return evolveKnown(fresh(event.data.customerId), event);
    return state;
  }
  return evolveKnown(normalise(state), event);
}

/**
 * How a customer holds its deadlines, for the kernel's re-plan on new holiday data: the time limit of the step each
 * change still waiting for its checkers is in, by the change's id.
 */
export const customerDeadlines: DeadlineSlots<CustomerState> = {
  open(state): Record<string, Deadline> | null {
    if (state.status === 'unregistered') return null;
    const out: Record<string, Deadline> = {};
    for (const ch of normalise(state).changes.filter(isOpen)) {
      const d = currentStep(ch).deadline;
      if (d && !d.met) out[ch.changeId] = d;
    }
    return out;
  },
  put(state, moved, on) {
    if (state.status === 'unregistered') return state;
    const s = normalise(state);
    const at = <K extends string>(step: ApprovalStep<K>, to: Deadline | undefined): ApprovalStep<K> => (to && step.deadline ? { ...step, deadline: moveTo(step.deadline, to as Deadline<K>) } : step);
    const changes = s.changes.map((ch) => {
      const to = isOpen(ch) ? moved[ch.changeId] : undefined;
      if (!to) return ch;
      return ch.secondReview ? { ...ch, secondReview: at(ch.secondReview, to) } : { ...ch, step: at(ch.step, to) };
    });
    return { ...s, changes, replannedOn: on.extraHolidays };
  },
  calendarOf: (s) => (s.status === 'unregistered' ? undefined : s.replannedOn),
  // Each change records its own basis in its event; the state keeps none.
  basisOf: () => undefined,
  since: (state) => (state.status === 'unregistered' ? '' : (normalise(state).changes.filter(isOpen).map((ch) => ch.submittedAt).sort()[0] ?? '')),
};

export const customerDecider: Decider<CustomerCommand | FireAlarm<CustomerAlarm>, CustomerState, CustomerEvent> = {
  initialState: initialCustomerState,
  decide: decideCustomer,
  evolve: evolveCustomer,
};
