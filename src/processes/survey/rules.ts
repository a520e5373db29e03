import { addBusinessDuration } from '../../domain/calendar/add';
import { toEpochMs } from '../../domain/calendar/instant';
import type { BusinessDuration } from '../../domain/deadlines/duration';
import type { Basis } from '../../domain/deadlines/schema';
import { calendarForPolicy, policyRef } from '../../domain/policy/ref';
import type { Policy, SurveysPolicy } from '../../domain/policy/schema';
import type { SurveyLevel } from '../../domain/enums';
import type { Dimension } from './decider';

/**
 * A round's rules from the policy in force when it opens: the questionnaire (its indicators may be set per round), which
 * levels count as satisfied, the response window and its reminders on the business calendar (15 working days, reminders
 * after 5 and 10), and the targets of a regular round (≥ 100 returns, ≥ 10 competitor forms; seed 000).
 */
export function surveyRules(policy: Policy) {
  const calendar = calendarForPolicy(policy);
  const section: SurveysPolicy = policy.surveys;
  return {
    questionnaire: { version: section.questionnaire.version, title: section.questionnaire.title },
    dimensions: section.questionnaire.dimensions as Dimension[],
    satisfiedLevels: section.satisfiedLevels as SurveyLevel[],
    targets: section.targets,
    /** The window's end and the reminders before it, from `opensAt` on the calendar. */
    window(opensAt: string, window: BusinessDuration = section.window): { closesAt: string; reminders: string[]; basis: Basis } {
      const start = toEpochMs(opensAt);
      const end = addBusinessDuration(calendar, start, window);
      const reminders = section.reminders.map((r) => addBusinessDuration(calendar, start, r)).filter((at) => at < end);
      return {
        closesAt: calendar.toIso(end),
        reminders: reminders.map((at) => calendar.toIso(at)),
        basis: { policy: policyRef(policy), calendar: { source: calendar.source, warnings: calendar.warningsBetween(start, end).map((w) => w.message) } },
      };
    },
  };
}
export type SurveyRules = ReturnType<typeof surveyRules>;
