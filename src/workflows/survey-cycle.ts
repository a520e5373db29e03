import { ApplicationFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import { cycleInputCommand, engineSealProblem, SIGNATURE_RULES } from '../domain/signature';
import { commandKeys } from './support/command-keys';
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
  /** The plan's hash and the API's seal over the input (src/domain/signature.ts `cycleInputCommand`). */
  plan?: string;
  sig?: string;
}

/**
 * What a survey cycle's Temporal Schedule starts: draws the round's sample from the customer ledger (an activity that
 * records the checkpoint it read) and starts the round `survey-<segment>-<period>` with it. A round of the period that
 * was started already is left alone, so a second trigger in the same quarter never makes a second survey.
 */
export async function surveyCycleWorkflow(input: SurveyCycleInput): Promise<{ surveyId: string; outcome: 'started' | 'exists'; respondents: number }> {
  // Only a schedule the API made may open a round as system (runs recorded before the seal replay without it).
  if (patched('cycle-input-sealed')) {
    const problem = engineSealProblem(commandKeys(), cycleInputCommand(input));
    if (problem) throw ApplicationFailure.nonRetryable(`survey cycle ${input.segment}: its input ${SIGNATURE_RULES[problem]}`, 'ForgedStart');
  }
  const round = await prepareSurveyRound({ segment: input.segment, every: input.every, at: new Date(Date.now()).toISOString() });
  const outcome = await startProcess(surveyProcess, round.surveyId, { action: 'open', data: round.data as unknown as Record<string, unknown>, meta: { actor: 'taizhang', role: 'system', reason: `scheduled ${input.segment} survey round` } }, { policy: round.policy });
  log.info('survey round', { surveyId: round.surveyId, outcome, respondents: round.data.respondents.length });
  return { surveyId: round.surveyId, outcome, respondents: round.data.respondents.length };
}
