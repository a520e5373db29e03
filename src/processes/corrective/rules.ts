import { toEpochMs } from '../../domain/calendar/instant';
import { scheduleDeadline, type LadderStep } from '../../domain/deadlines/deadline';
import type { Basis, Deadline } from '../../domain/deadlines/schema';
import { calendarForPolicy, policyRef } from '../../domain/policy/ref';
import type { Policy } from '../../domain/policy/schema';
import type { CorrectiveDeadlineKind } from './schemas';

/**
 * A corrective action's deadlines over the shared module: the performance group names an owner within `assign`, the
 * owner plans within `plan`, the department carries it out within `execute`, the group verifies within `verify` (working
 * days by default), each with its warning and the ladder of `surveys.corrective`.
 */
export function correctiveRules(policy: Policy) {
  const calendar = calendarForPolicy(policy);
  const section = policy.surveys.corrective;
  const rule = (kind: CorrectiveDeadlineKind) => ({ target: section[kind], warningFraction: section.warningFraction ?? policy.warningFraction, ladder: section.escalationLadder as LadderStep[] });
  return {
    deadline(kind: CorrectiveDeadlineKind, from: string): Deadline<CorrectiveDeadlineKind> {
      const { lastMs: _, ...d } = scheduleDeadline(kind, from, rule(kind), calendar);
      return d;
    },
    basis(from: string): Basis {
      const start = toEpochMs(from);
      const end = scheduleDeadline('assign', from, rule('assign'), calendar).lastMs;
      return { policy: policyRef(policy), calendar: { source: calendar.source, warnings: calendar.warningsBetween(start, end).map((w) => w.message) } };
    },
  };
}
export type CorrectiveRules = ReturnType<typeof correctiveRules>;
