import { toEpochMs } from '../../domain/calendar/instant';
import { scheduleDeadline, type LadderStep } from '../../domain/deadlines/deadline';
import type { Basis, Deadline } from '../../domain/deadlines/schema';
import { calendarForPolicy, policyRef } from '../../domain/policy/ref';
import type { Policy } from '../../domain/policy/schema';
import type { EnquiryDeadlineKind } from './schemas';

/**
 * An enquiry's deadline as a policy over the shared module: answered within the policy's target (10 business minutes
 * by default, seed 001), warned at its fraction, escalated up its ladder; both default to the complaints' ones.
 */
export function enquiryRules(policy: Policy) {
  const calendar = calendarForPolicy(policy);
  const section = policy.enquiries;
  const rule = { target: section.answer, warningFraction: section.warningFraction ?? policy.warningFraction, ladder: (section.escalationLadder ?? policy.escalationLadder) as LadderStep[] };
  return {
    answerDeadline(receivedAt: string): { answer: Deadline<EnquiryDeadlineKind>; basis: Basis } {
      const { lastMs, ...answer } = scheduleDeadline('answer', receivedAt, rule, calendar);
      const warnings = calendar.warningsBetween(toEpochMs(receivedAt), lastMs).map((w) => w.message);
      return { answer, basis: { policy: policyRef(policy), calendar: { source: calendar.source, warnings } } };
    },
  };
}
export type EnquiryRules = ReturnType<typeof enquiryRules>;
