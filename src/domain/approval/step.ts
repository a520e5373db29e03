import { deadlineAlarms, isLate, markEscalated, markWarned, meet, type DeadlineAlarm, type TrackedDeadline } from '../deadlines/deadline';
import { forbidden, illegalState, requiredNow } from '../errors';
import type { Actor } from '../process';
import { ROLE_LABELS_ZH, type Role } from '../roles';

/**
 * One approval step (审批环节), shared by change requests and customer master data: who may decide (roles), how many
 * different people must approve (quorum: two different VPs for a key account, seed 004), the decisions so far, and its
 * time limit on the shared deadline module. The rules of deciding:
 * - only a holder of one of the step's roles decides (403);
 * - maker-checker: the person who submitted the matter never decides on it (403, seed 000);
 * - one person counts once: a second approval by the same person is refused (409), it is not a second approver;
 * - a rejection needs a reason, and any one rejection decides the step;
 * - a step that is decided is closed: whoever comes second (two approvers at the same moment) is told who decided (409).
 * Pure and workflow-safe.
 */

export type Verdict = 'approve' | 'reject';

export interface StepDecision {
  actor: string;
  role: string;
  verdict: Verdict;
  reason?: string;
  at: string;
}

/** `withdrawn`: the matter was cancelled or amended before the step was decided. */
export type StepOutcome = 'pending' | 'approved' | 'rejected' | 'withdrawn';

export interface ApprovalStep<K extends string = string> {
  /** What the step is, e.g. `approval`, `second_review`, `review:finance`. */
  step: K;
  roles: Role[];
  quorum: number;
  /** Who submitted the matter: never a decider (maker-checker). */
  maker: string;
  decisions: StepDecision[];
  outcome: StepOutcome;
  /** Its time limit, with warning and escalation ladder; null where no policy set one. */
  deadline: TrackedDeadline<K> | null;
}

export const openStep = <K extends string>(step: K, o: { roles: Role[]; quorum: number; maker: string; deadline: TrackedDeadline<K> | null }): ApprovalStep<K> => ({
  step,
  roles: o.roles,
  quorum: o.quorum,
  maker: o.maker,
  decisions: [],
  outcome: 'pending',
  deadline: o.deadline,
});

const roleList = (roles: readonly string[]) => roles.map((r) => `${r} (${ROLE_LABELS_ZH[r as Role] ?? r})`).join(' or ');

/** Throws unless `by` may record `verdict` on the step now. */
export function checkDecision(s: ApprovalStep, what: string, by: Actor, verdict: Verdict, reason: string | undefined): void {
  if (s.outcome !== 'pending') {
    const last = s.decisions.at(-1);
    throw illegalState('approval.already_decided', `${what} was already ${s.outcome}${last ? ` by ${last.actor} at ${last.at}` : ''}: there is nothing left to decide`);
  }
  if (by.role !== 'system' && !(s.roles as string[]).includes(by.role)) throw forbidden('approval.wrong_role', `${by.actor} (${by.role}) may not decide ${what}: it needs ${roleList(s.roles)}`);
  if (by.actor === s.maker) throw forbidden('approval.own_submission', `${by.actor} submitted ${what} and may not decide it: maker-checker needs a different person`);
  const mine = s.decisions.find((d) => d.actor === by.actor);
  if (mine) throw illegalState('approval.already_decided_by_you', `${by.actor} already ${mine.verdict === 'approve' ? 'approved' : 'rejected'} ${what} at ${mine.at}; ${s.quorum > 1 ? `it needs ${s.quorum} different people, so another holder of ${roleList(s.roles)} must decide` : 'one person counts once'}`);
  if (verdict === 'reject' && !reason?.trim()) throw requiredNow('approval.reason_required', 'reason', 'is required to reject');
}

/** The outcome once `d` is recorded: a rejection decides at once; approvals once `quorum` different people approved. */
export function outcomeWith(s: ApprovalStep, d: Pick<StepDecision, 'verdict'>): StepOutcome {
  if (d.verdict === 'reject') return 'rejected';
  const approvals = s.decisions.filter((x) => x.verdict === 'approve').length + 1;
  return approvals >= s.quorum ? 'approved' : 'pending';
}

/** The step after a recorded decision; the deadline is met when the step is decided. */
export function recordDecision<K extends string>(s: ApprovalStep<K>, d: StepDecision, outcome: StepOutcome): ApprovalStep<K> {
  const deadline = s.deadline && outcome !== 'pending' ? meet(s.deadline, !isLate(d.at, s.deadline.due)) : s.deadline;
  return { ...s, decisions: [...s.decisions, d], outcome, deadline };
}

/** The people who have approved the step once `actor`'s `verdict` is recorded, in order. */
export const approversWith = (s: ApprovalStep, actor: string, verdict: Verdict): string[] => [...s.decisions.filter((d) => d.verdict === 'approve').map((d) => d.actor), ...(verdict === 'approve' ? [actor] : [])];

/** The warning and ladder still to come while the step is pending. */
export const stepAlarms = <K extends string>(s: ApprovalStep<K>): Array<DeadlineAlarm<K>> => (s.outcome === 'pending' && s.deadline ? deadlineAlarms(s.deadline) : []);

export const warnStep = <K extends string>(s: ApprovalStep<K>): ApprovalStep<K> => (s.deadline ? { ...s, deadline: markWarned(s.deadline) } : s);
export const escalateStep = <K extends string>(s: ApprovalStep<K>, level: number): ApprovalStep<K> => (s.deadline ? { ...s, deadline: markEscalated(s.deadline, level) } : s);
/** A step that no longer applies (the matter was cancelled or amended): its alarms stop. */
export const withdrawStep = <K extends string>(s: ApprovalStep<K>): ApprovalStep<K> => (s.outcome === 'pending' ? { ...s, outcome: 'withdrawn' } : s);
