import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { surveyProcess } from '../processes/survey';
import { startProcess } from './support/start';

const { prepareSurveyRound } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface SurveyCycleInput {
  segment: 'key' | 'ordinary';
  every: 'quarter' | 'half_year';
}

/**
 * What a survey cycle's Temporal Schedule starts: draws the round's sample from the customer ledger (an activity that
 * records the checkpoint it read) and starts the round `survey-<segment>-<period>` with it. A round of the period that
 * was started already is left alone, so a second trigger in the same quarter never makes a second survey.
 */
export async function surveyCycleWorkflow(input: SurveyCycleInput): Promise<{ surveyId: string; outcome: 'started' | 'exists'; respondents: number }> {
  const round = await prepareSurveyRound({ ...input, at: new Date(Date.now()).toISOString() });
  const outcome = await startProcess(surveyProcess, round.surveyId, { action: 'open', data: round.data as unknown as Record<string, unknown>, meta: { actor: 'taizhang', role: 'system', reason: `scheduled ${input.segment} survey round` } }, { policy: round.policy });
  log.info('survey round', { surveyId: round.surveyId, outcome, respondents: round.data.respondents.length });
  return { surveyId: round.surveyId, outcome, respondents: round.data.respondents.length };
}
