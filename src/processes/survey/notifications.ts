import type { Outgoing, Recipient } from '../../domain/notifications';
import type { OpenSurvey, Respondent, SurveyState } from './decider';
import type { SurveyEvent } from './schemas';

/**
 * Replaced at send time by the respondent's personal link (the notification dispatcher signs it): the event store holds
 * no link that could be used, and every resend carries the same one.
 */
export const surveyLinkPlaceholder = (surveyId: string, respondentId: string): string => `{{survey-link ${surveyId} ${respondentId}}}`;

/** A customer or dealer by their contact address on record, a salesperson (`staff.<id>`) as a member of staff. */
export const recipientOf = (r: Respondent): Recipient => (r.id.startsWith('staff.') ? `actor:${r.id.slice('staff.'.length)}` : `customer:${r.id}`);

const localDay = (iso: string) => iso.slice(0, 10);

function invitation(s: OpenSurvey, r: Respondent, reminder: number | null): Outgoing {
  const lead = reminder === null ? '诚邀您参加本次满意度调查，您的意见对我们改进产品和服务非常重要。' : `温馨提醒：您尚未填写本次满意度调查问卷（第 ${reminder} 次提醒）。`;
  return {
    recipient: recipientOf(r),
    subject: reminder === null ? `[台账] ${s.questionnaire.title}：${s.title}` : `[台账] 提醒：${s.questionnaire.title}（${s.title}）`,
    body: `${lead}\n\n请点击以下个人专属链接填写问卷（仅限本人使用一次，截止 ${localDay(s.closesAt)}）：\n${surveyLinkPlaceholder(s.surveyId, r.id)}\n\n调查 ${s.surveyId}，问卷版本 ${s.questionnaire.version}`,
  };
}

/** Invitations and reminders to respondents; the round's result to the performance group and management review. */
export function surveyNotifications(event: SurveyEvent, state: SurveyState): Outgoing[] {
  if (state.status === 'none') return [];
  const s = state;
  switch (event.type) {
    case 'SurveyInvitationsSent':
      return s.respondents.slice(event.data.from, event.data.to).map((r) => invitation(s, r, null));
    case 'SurveyRemindersSent': {
      const byId = new Map(s.respondents.map((r) => [r.id, r]));
      return event.data.respondents.flatMap((id) => (byId.has(id) ? [invitation(s, byId.get(id)!, event.data.reminder)] : []));
    }
    case 'SurveyClosed': {
      const d = event.data;
      const flags = [d.shortfall.returns ? `回收问卷 ${d.returns} 份，未达 ${d.targets.returns} 份` : '', d.shortfall.competitor ? `竞争对手对比问卷 ${d.competitorForms} 份，未达 ${d.targets.competitor} 份` : ''].filter(Boolean);
      const body = [
        `调查 ${s.surveyId}（${s.title}）已结束。`,
        `回收问卷: ${d.returns} / ${d.respondents}；竞争对手对比问卷: ${d.competitorForms}`,
        `满意率: ${d.satisfactionRate ?? '—'}%${d.trend ? `（上期 ${d.trend.previousRate ?? '—'}%，变化 ${d.trend.delta ?? '—'} 个百分点）` : ''}`,
        flags.length ? `未达标: ${flags.join('；')}` : '',
        d.negativeDimensions.length ? `需纠正的指标: ${d.negativeDimensions.map((k) => s.dimensions.find((x) => x.key === k)?.label ?? k).join('、')}（请指定指标责任人）` : '无不满意指标',
      ].filter(Boolean);
      return [
        { recipient: 'role:performance', subject: `[台账] 满意度调查 ${s.surveyId} 结果`, body: body.join('\n') },
        { recipient: 'role:general_manager', subject: `[台账] 满意度调查 ${s.surveyId} 结果（管理评审）`, body: body.join('\n') },
      ];
    }
    default:
      return [];
  }
}
