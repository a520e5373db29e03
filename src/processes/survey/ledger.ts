import { columnsOf, entityLedger, flag, type LedgerProjection, type ProjectedEvent } from '../../domain/ledger';
import { NEGATIVE_LEVELS } from '../../domain/enums';
import { idOfStream } from '../../domain/streams';
import { surveyEventSchemas, type SurveyEvent } from './schemas';

/** Node side. 满意度调查台账: one row per round with its statistics, its shortfall flags and its trend. */
export const surveysLedger = entityLedger<SurveyEvent>({
  name: 'surveys',
  version: 1,
  title: { zh: '满意度调查台账', en: 'Satisfaction surveys' },
  key: 'survey_id',
  orderBy: 'opened_at, survey_id',
  columns: [
    ...['survey_id', 'segment', 'period', 'title', 'status', 'questionnaire_version', 'respondents', 'invited', 'returns', 'return_target', 'returns_short'],
    ...['competitor_forms', 'competitor_target', 'competitor_short', 'answer_count', 'satisfied_count', 'satisfaction_rate', 'previous_survey', 'previous_rate', 'trend', 'distribution', 'dimension_rates'],
    ...['negative_dimensions', 'corrective_actions', 'sample_checkpoint', 'outsourced', 'opened_at', 'closes_at', 'closed_at', 'updated_at', 'revision'],
  ],
  indexed: ['segment', 'status', 'opened_at'],
  handles: Object.keys(surveyEventSchemas),
  status: (status, e) => (e.type === 'SurveyOpened' ? 'open' : e.type === 'SurveyClosed' ? 'closed' : status),
  created(e) {
    if (e.type !== 'SurveyOpened') return undefined;
    const d = e.data;
    return {
      survey_id: d.surveyId,
      segment: d.segment,
      period: d.period,
      title: d.title,
      questionnaire_version: d.questionnaire.version,
      respondents: d.respondents.length,
      invited: 0,
      returns: 0,
      return_target: d.targets.returns,
      // Flagged from the start: a round is short until it has its returns.
      returns_short: flag(d.targets.returns > 0),
      competitor_forms: 0,
      competitor_target: d.targets.competitor,
      competitor_short: flag(d.targets.competitor > 0),
      answer_count: 0,
      satisfied_count: 0,
      satisfaction_rate: null,
      previous_survey: d.previous?.surveyId ?? null,
      previous_rate: d.previous?.satisfactionRate ?? null,
      trend: null,
      distribution: null,
      dimension_rates: null,
      negative_dimensions: null,
      corrective_actions: 0,
      sample_checkpoint: d.sample?.checkpoint ?? null,
      outsourced: d.outsourced,
      opened_at: d.opensAt,
      closes_at: d.closesAt,
      closed_at: null,
    };
  },
  changed(row, e) {
    switch (e.type) {
      case 'SurveyInvitationsSent':
        return { invited: Math.max(Number(row.invited ?? 0), e.data.to) };
      case 'SurveyResponseRecorded': {
        const returns = Number(row.returns ?? 0) + 1;
        return { returns, returns_short: flag(returns < Number(row.return_target ?? 0)) };
      }
      case 'SurveyBenchmarkRecorded': {
        const forms = Number(row.competitor_forms ?? 0) + 1;
        return { competitor_forms: forms, competitor_short: flag(forms < Number(row.competitor_target ?? 0)) };
      }
      case 'SurveyClosed': {
        const d = e.data;
        return {
          returns: d.returns,
          competitor_forms: d.competitorForms,
          returns_short: flag(d.shortfall.returns),
          competitor_short: flag(d.shortfall.competitor),
          answer_count: d.answers,
          satisfied_count: d.satisfiedAnswers,
          satisfaction_rate: d.satisfactionRate,
          previous_rate: d.trend?.previousRate ?? row.previous_rate ?? null,
          trend: d.trend?.delta ?? null,
          distribution: JSON.stringify(d.distribution),
          dimension_rates: JSON.stringify(d.dimensionRates),
          negative_dimensions: d.negativeDimensions.join(','),
          corrective_actions: d.correctiveActions.length,
          closed_at: d.closedAt,
        };
      }
      default:
        return undefined;
    }
  },
});

const negativesOf = (answers: Record<string, string>) =>
  Object.entries(answers)
    .filter(([, l]) => (NEGATIVE_LEVELS as readonly string[]).includes(l))
    .map(([k]) => k)
    .join(',');

/** Node side. 问卷明细: every returned questionnaire and competitor form of every round, as it was answered. */
export const surveyResponsesLedger: LedgerProjection = {
  name: 'survey_responses',
  version: 1,
  title: { zh: '调查问卷明细', en: 'Survey responses' },
  key: ['survey_id', 'response_no'],
  orderBy: 'survey_id, response_no',
  columns: columnsOf('survey_responses', ['survey_id', 'response_no', 'form', 'respondent_id', 'respondent_kind', 'competitor', 'channel', 'answers', 'comment', 'negative_dimensions', 'responded_at', 'entered_by'], {
    indexed: ['survey_id', 'respondent_id'],
  }),
  handles: ['SurveyResponseRecorded', 'SurveyBenchmarkRecorded'],
  rowKey(raw) {
    const e = raw as ProjectedEvent & SurveyEvent;
    if (e.type !== 'SurveyResponseRecorded' && e.type !== 'SurveyBenchmarkRecorded') return undefined;
    return { survey_id: idOfStream(e.streamName), response_no: e.data.responseNo };
  },
  evolve(_row, raw) {
    const e = raw as ProjectedEvent & SurveyEvent;
    if (e.type !== 'SurveyResponseRecorded' && e.type !== 'SurveyBenchmarkRecorded') return undefined;
    const d = e.data;
    const customer = e.type === 'SurveyResponseRecorded' ? e.data : undefined;
    return {
      survey_id: d.surveyId,
      response_no: d.responseNo,
      form: customer ? 'customer' : 'competitor',
      respondent_id: customer?.respondentId ?? null,
      respondent_kind: customer?.kind ?? null,
      competitor: e.type === 'SurveyBenchmarkRecorded' ? e.data.competitor : null,
      channel: d.channel,
      answers: JSON.stringify(d.answers),
      comment: d.comment ?? null,
      negative_dimensions: negativesOf(d.answers),
      responded_at: e.metadata.occurredAt,
      // A respondent answering through their link enters their own; staff enter paper forms and files.
      entered_by: e.metadata.role === 'respondent' ? null : e.metadata.actor,
    };
  },
};
