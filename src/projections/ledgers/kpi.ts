import { SHANGHAI_OFFSET_MINUTES } from '../../domain/calendar/settings';
import { columnsOf } from '../../domain/ledger';
import type { LedgerView } from '../projection';

type Period = 'month' | 'quarter';

/** The local period of an instant column, e.g. `2026-10` or `2026-Q4`, in the business time zone. */
function periodOf(column: string, period: Period, offsetMinutes: number): string {
  const shift = `'${offsetMinutes >= 0 ? '+' : ''}${offsetMinutes} minutes'`;
  if (period === 'month') return `strftime('%Y-%m', ${column}, ${shift})`;
  return `(strftime('%Y', ${column}, ${shift}) || '-Q' || ((CAST(strftime('%m', ${column}, ${shift}) AS INTEGER) + 2) / 3))`;
}

const columns = columnsOf('kpi', [
  'period', 'complaints_received', 'resolved', 'resolved_on_time', 'on_time_rate', 'follow_ups', 'satisfied',
  'satisfaction_rate', 'survey_answers', 'survey_satisfied', 'survey_satisfaction_rate', 'customers', 'complaints_per_10k', 'closed', 'closed_first_contact', 'first_contact_rate',
]);

/**
 * The KPIs of docs/domain.md per period, from the complaints, resolutions, follow-up, survey and customer ledgers:
 * - 投诉处理及时率: resolutions (customer notified) in the period that met the resolution deadline then in force;
 * - 满意率, by source: follow-up visits in the period rated satisfied (3–5 of 5), and the answers of the survey rounds
 *   closed in the period that were 很满意, 满意 or 基本满意 (the policy's satisfied levels);
 * - 万户投诉量: complaints received in the period per 10,000 customers registered by the period's end;
 * - 结案数: complaints closed (结案, not withdrawn) in the period; 一次办结率: the share of them never reopened.
 *
 * What a reopening does: nothing that happened is taken back. A resolution stays counted in its period, with its
 * timeliness, and a close stays counted in its period; the complaint counts again when it is resolved again (against
 * its new deadline) and when it is closed again (a complaint closed twice in one period counts once there). A reopened
 * complaint is no longer 一次办结 in any period it was closed in, so that rate falls, but its denominator stays: a
 * rate is blank only when its period has nothing to count (no resolution, no visit, no survey answer, no close).
 */
export function kpiView(period: Period, offsetMinutes = SHANGHAI_OFFSET_MINUTES): LedgerView {
  const P = (c: string) => periodOf(c, period, offsetMinutes);
  const rate = (n: string, d: string) => `ROUND(100.0 * ${n} / NULLIF(${d}, 0), 1)`;
  const sql = `SELECT period, complaints_received, resolved, resolved_on_time, ${rate('resolved_on_time', 'resolved')} AS on_time_rate,
      follow_ups, satisfied, ${rate('satisfied', 'follow_ups')} AS satisfaction_rate,
      survey_answers, survey_satisfied, ${rate('survey_satisfied', 'survey_answers')} AS survey_satisfaction_rate,
      customers, ROUND(10000.0 * complaints_received / NULLIF(customers, 0), 2) AS complaints_per_10k,
      closed, closed_first_contact, ${rate('closed_first_contact', 'closed')} AS first_contact_rate
    FROM (
      SELECT p.period AS period,
        (SELECT count(*) FROM ledger_complaints c WHERE ${P('c.received_at')} = p.period) AS complaints_received,
        (SELECT count(*) FROM ledger_resolutions r WHERE r.kind = 'resolution' AND ${P('r.at')} = p.period) AS resolved,
        (SELECT count(*) FROM ledger_resolutions r WHERE r.kind = 'resolution' AND ${P('r.at')} = p.period AND r.on_time = 1) AS resolved_on_time,
        (SELECT count(*) FROM ledger_follow_ups f WHERE f.kind = 'visit' AND ${P('f.recorded_at')} = p.period) AS follow_ups,
        (SELECT count(*) FROM ledger_follow_ups f WHERE f.kind = 'visit' AND f.satisfied = 1 AND ${P('f.recorded_at')} = p.period) AS satisfied,
        (SELECT COALESCE(SUM(s.answer_count), 0) FROM ledger_surveys s WHERE s.status = 'closed' AND ${P('s.closed_at')} = p.period) AS survey_answers,
        (SELECT COALESCE(SUM(s.satisfied_count), 0) FROM ledger_surveys s WHERE s.status = 'closed' AND ${P('s.closed_at')} = p.period) AS survey_satisfied,
        (SELECT count(*) FROM ledger_customers cu WHERE ${P('cu.registered_at')} <= p.period) AS customers,
        (SELECT count(DISTINCT r.complaint_id) FROM ledger_resolutions r WHERE r.kind = 'closure' AND ${P('r.at')} = p.period) AS closed,
        (SELECT count(DISTINCT r.complaint_id) FROM ledger_resolutions r JOIN ledger_complaints c ON c.complaint_id = r.complaint_id
          WHERE r.kind = 'closure' AND ${P('r.at')} = p.period AND c.reopen_count = 0) AS closed_first_contact
      FROM (
        SELECT ${P('received_at')} AS period FROM ledger_complaints
        UNION SELECT ${P('at')} FROM ledger_resolutions
        UNION SELECT ${P('recorded_at')} FROM ledger_follow_ups WHERE kind = 'visit'
        UNION SELECT ${P('closed_at')} FROM ledger_surveys WHERE status = 'closed'
      ) p
    )`;
  return {
    name: period === 'month' ? 'kpi_monthly' : 'kpi_quarterly',
    title: period === 'month' ? { zh: '月度服务指标', en: 'Monthly service KPIs' } : { zh: '季度服务指标', en: 'Quarterly service KPIs' },
    key: ['period'],
    orderBy: 'period',
    columns,
    sql,
  };
}
