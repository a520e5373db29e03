import { NEGATIVE_LEVELS } from '../../domain/enums';
import { commandsOf, defineProcess, type ProcessStart } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { correctiveIdOf, isFinal, pendingSurveyAlarms, surveyDecider, type SurveyAlarm, type SurveyCommand, type SurveyState } from './decider';
import { surveyResponsesLedger, surveysLedger } from './ledger';
import { surveyNotifications } from './notifications';
import { surveyRules, type SurveyRules } from './rules';
import { benchmarkInput, closeSurveyInput, importSurveyInput, openSurveyInput, respondInput, surveyEvents, type SurveyEvent } from './schemas';

const command = commandsOf<SurveyState, SurveyCommand, SurveyRules>({ roles: STAFF_ROLES });
/** 售后服务部 runs surveys; the performance group and managers may open and close them. */
const ORGANISERS = ['supervisor', 'manager', 'general_manager', 'admin', 'performance'] as const;

const ALARM_REASONS: Record<SurveyAlarm['kind'], string> = {
  invite: 'survey opened: invitations go out',
  remind: 'reminder to those who have not answered',
  close: 'the response window ended',
};

/** One corrective action for each indicator that drew a negative answer, opened when the round closes. */
function correctiveActions(event: SurveyEvent, state: SurveyState): ProcessStart[] {
  if (event.type !== 'SurveyClosed' || state.status === 'none') return [];
  return event.data.negativeDimensions.map((key) => {
    const counts = event.data.distribution[key] ?? {};
    const label = state.dimensions.find((d) => d.key === key)?.label ?? key;
    return {
      process: 'corrective',
      id: correctiveIdOf(state.surveyId, key),
      action: 'open',
      data: {
        correctiveId: correctiveIdOf(state.surveyId, key),
        surveyId: state.surveyId,
        dimension: key,
        label,
        negatives: { dissatisfied: counts[NEGATIVE_LEVELS[0]!] ?? 0, very_dissatisfied: counts[NEGATIVE_LEVELS[1]!] ?? 0 },
        answers: Object.values(counts).reduce((a, b) => a + b, 0),
      },
    };
  });
}

/**
 * 满意度调查 (satisfaction survey round): `survey-<segment>-<period>` (key customers every quarter, ordinary customers
 * every half year, from their Temporal Schedules) or `survey-special-<name>` (ad hoc, perhaps outsourced).
 */
export const surveyProcess = defineProcess<SurveyState, SurveyCommand, SurveyEvent, SurveyRules, SurveyAlarm>({
  name: 'survey',
  collection: 'surveys',
  title: { zh: '满意度调查', en: 'Satisfaction survey' },
  idPrefix: 'special-',
  decider: surveyDecider,
  rules: surveyRules,
  commands: {
    open: command({
      type: 'OpenSurvey',
      summary: 'Open a special survey (专项调查) for chosen respondents; key and ordinary rounds open from their schedules',
      creates: true,
      roles: ORGANISERS,
      input: openSurveyInput,
      toCommand: (input, ctx) => {
        const r = ctx.rules;
        const window = r.window(ctx.now, input.window);
        const regular = input.segment !== 'special';
        return {
          type: 'OpenSurvey',
          by: ctx.by,
          data: {
            surveyId: input.surveyId,
            segment: input.segment,
            period: input.period ?? null,
            title: input.title ?? `${r.questionnaire.title} ${input.surveyId}`,
            questionnaire: r.questionnaire,
            dimensions: input.dimensions ?? r.dimensions,
            satisfiedLevels: r.satisfiedLevels,
            respondents: input.respondents,
            // The round's targets (≥ 100 returns, ≥ 10 competitor forms) bind regular rounds; a special survey sets its own.
            targets: input.targets ?? (regular ? r.targets : { returns: 0, competitor: 0 }),
            opensAt: ctx.now,
            closesAt: window.closesAt,
            reminders: window.reminders,
            outsourced: input.outsourced ?? null,
            sample: input.sample ?? null,
            previous: input.previous ?? null,
            basis: window.basis,
          },
        };
      },
    }),
    respond: command({
      type: 'Respond',
      summary: 'Record a returned questionnaire: the respondent through their link, or staff entering a paper one (纸质问卷)',
      roles: [...STAFF_ROLES, 'respondent'],
      input: respondInput,
      toCommand: (input, ctx) => ({ type: 'Respond', by: ctx.by, now: ctx.now, data: input }),
    }),
    benchmark: command({
      type: 'Benchmark',
      summary: 'Record a competitor benchmark form (竞争对手对比问卷): the same questionnaire answered about a competitor',
      input: benchmarkInput,
      toCommand: (input, ctx) => ({ type: 'Benchmark', by: ctx.by, now: ctx.now, data: input }),
    }),
    import: command({
      type: 'ImportResponses',
      summary: 'Import an outsourced survey\'s results: every row is checked, and nothing of a file with a bad row is applied',
      input: importSurveyInput,
      toCommand: (input, ctx) => ({ type: 'ImportResponses', by: ctx.by, now: ctx.now, data: input }),
    }),
    close: command({
      type: 'CloseSurvey',
      summary: 'Close a round before its window ends, with the reason; its statistics are computed as at the end of a window',
      roles: ORGANISERS,
      input: closeSurveyInput,
      toCommand: (input, ctx) => ({ type: 'CloseSurvey', by: ctx.by, now: ctx.now, data: input }),
    }),
  },
  alarms: pendingSurveyAlarms,
  alarmReason: (a) => ALARM_REASONS[a.kind],
  notifications: surveyNotifications,
  starts: correctiveActions,
  isFinal,
  events: surveyEvents,
  ledgers: [surveysLedger, surveyResponsesLedger],
});
