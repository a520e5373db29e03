import { DEFAULT_APPROVALS } from '../../domain/approval/defaults';
import type { ApprovalRules } from '../../domain/approval/rules';
import type { TrackedDeadline } from '../../domain/deadlines/deadline';
import type { Basis } from '../../domain/deadlines/schema';
import type { Role } from '../../domain/roles';
import type { CustomerChangeKind, CustomerStepKind } from './changes';

/**
 * Who checks customer master data and within what time, from the policy's `approvals` section (the shared approval
 * rules): checkers for most changes, grade checkers for grade changes, two different sales VPs for a key account, the
 * general manager for a second review; each step's time limit on the business calendar. Workflow-safe.
 */
/** Undefined for workflows started before they carried any policy: their changes get the default roles, no time limit. */
export type CustomerRules = ApprovalRules | undefined;

/** What opens an approval step: who decides, how many different people, and by when. */
export interface StepPlan<K extends CustomerStepKind = CustomerStepKind> {
  roles: Role[];
  quorum: number;
  deadline: TrackedDeadline<K> | null;
  basis: Basis | null;
}

const timed = <K extends CustomerStepKind>(rules: CustomerRules, kind: K, now: string) => {
  const d = rules?.deadline(kind, now);
  return { deadline: d?.deadline ?? null, basis: d?.basis ?? null };
};

/** The checkers' step of a change of this kind, opened now. */
export function approvalPlan(rules: CustomerRules, kind: CustomerChangeKind, now: string): StepPlan<'approval'> {
  const md = rules?.masterData ?? DEFAULT_APPROVALS.masterData;
  const who = kind === 'grade' ? { roles: [...md.gradeCheckers], quorum: 1 } : kind === 'key_account' ? { roles: [md.keyAccount.role], quorum: md.keyAccount.quorum } : { roles: [...md.checkers], quorum: 1 };
  return { ...who, ...timed(rules, 'approval', now) };
}

/** The second review (二次审核) of a rejected change, opened now. */
export function secondReviewPlan(rules: CustomerRules, now: string): StepPlan<'second_review'> {
  return { roles: [rules?.secondReviewRole ?? DEFAULT_APPROVALS.secondReview.role], quorum: 1, ...timed(rules, 'second_review', now) };
}

/** The local date of an instant on the policy's calendar (UTC without a policy). */
export const localDateOf = (rules: CustomerRules, at: string): string => rules?.localDate(at) ?? at.slice(0, 10);
