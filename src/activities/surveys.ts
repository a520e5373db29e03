import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { periodOf } from '../domain/calendar/cycles';
import { holders, type Directory } from '../domain/directory';
import type { LedgerRow } from '../domain/ledger';
import type { Policy } from '../domain/policy/schema';
import type { ActorRole } from '../domain/roles';
import { parseOrThrow } from '../domain/validation';
import { openSurveyInput, type OpenSurveyInput } from '../processes/survey/schemas';

/** What the sample reads: the ledgers as the projector has them (the worker passes its read-only ledger reader). */
export interface LedgerSource {
  list(name: string, role: ActorRole, query?: { where?: Record<string, string | number>; limit?: number }): { rows: LedgerRow[]; checkpoint: string; total: number };
}

export interface SurveyActivityDeps {
  logger: Logger;
  policy?: Policy;
  ledgers?: LedgerSource;
  directory?: Directory;
}

export interface PrepareRoundInput {
  segment: 'key' | 'ordinary';
  every: 'quarter' | 'half_year';
  /** When the schedule fired (the round's period is the one this instant is in, local time). */
  at: string;
}

export interface PreparedRound {
  surveyId: string;
  data: OpenSurveyInput;
  policy: Policy;
}

const ALL = 1_000_000;
/** A stable pseudo-random order per round: the same round always draws the same sample, another round another one. */
const drawOrder = (surveyId: string, id: string) => createHash('sha256').update(`${surveyId}\n${id}`).digest('hex');

/**
 * The sample of a regular round, read from the customer ledger at a recorded checkpoint: every key customer for a key
 * round, a sample of `sample.ordinarySize` ordinary customers for an ordinary one (blacklisted customers are not asked);
 * dealers (customers of type 经销商) and salespeople (业务员 of the staff directory) when the policy asks for them. The
 * previous closed round of the segment gives the trend.
 */
export function createSurveyActivities(deps: SurveyActivityDeps) {
  return {
    async prepareSurveyRound(input: PrepareRoundInput): Promise<PreparedRound> {
      const { policy, ledgers } = deps;
      if (!policy || !ledgers) throw ApplicationFailure.nonRetryable('this worker has no policy or ledger reader to draw a survey sample with', 'SurveySampleUnavailable');
      const period = periodOf(input.every, input.at);
      const surveyId = `${input.segment}-${period}`;
      const page = ledgers.list('customers', 'system', { where: { status: 'registered', importance: input.segment }, limit: ALL });
      const eligible = page.rows.filter((r) => !r.blacklisted && (policy.surveys.sample.dealers || r.type !== 'dealer'));
      const ordered = input.segment === 'key' ? eligible : [...eligible].sort((a, b) => drawOrder(surveyId, String(a.customer_id)).localeCompare(drawOrder(surveyId, String(b.customer_id))));
      const size = input.segment === 'key' ? ordered.length : Math.min(ordered.length, policy.surveys.sample.ordinarySize);
      const customers = ordered.slice(0, size).map((r) => ({ id: String(r.customer_id), kind: r.type === 'dealer' ? ('dealer' as const) : ('customer' as const) }));
      const salespeople = policy.surveys.sample.salespeople && deps.directory ? holders(deps.directory, 'salesperson').map((m) => ({ id: `staff.${m.id}`, kind: 'salesperson' as const })) : [];
      const previous = ledgers
        .list('surveys', 'system', { where: { segment: input.segment, status: 'closed' }, limit: ALL })
        .rows.filter((r) => r.survey_id !== surveyId)
        .sort((a, b) => String(a.closed_at).localeCompare(String(b.closed_at)))
        .at(-1);
      const rule =
        input.segment === 'key'
          ? 'every registered key customer (重点客户), blacklisted ones excepted'
          : `${policy.surveys.sample.ordinarySize} registered ordinary customers drawn in a fixed pseudo-random order of the round, blacklisted ones excepted`;
      const data = parseOrThrow(openSurveyInput, {
        surveyId,
        segment: input.segment,
        period,
        title: `${input.segment === 'key' ? '重点客户' : '普通客户'}满意度调查 ${period}`,
        respondents: [...customers, ...salespeople],
        sample: {
          source: 'ledger:customers',
          checkpoint: page.checkpoint,
          rule: `${rule}${policy.surveys.sample.dealers ? '; dealers included' : '; dealers excluded'}${salespeople.length ? '; salespeople of the directory' : ''}`,
          population: eligible.length,
        },
        ...(previous ? { previous: { surveyId: String(previous.survey_id), satisfactionRate: previous.satisfaction_rate === null ? null : Number(previous.satisfaction_rate), closedAt: String(previous.closed_at) } } : {}),
      });
      deps.logger.info({ surveyId, respondents: data.respondents.length, population: eligible.length, checkpoint: page.checkpoint }, 'survey sample drawn');
      return { surveyId, data, policy };
    },
  };
}
