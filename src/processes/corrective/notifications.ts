import type { Outgoing } from '../../domain/notifications';
import { ROLE_LABELS_ZH, type Role } from '../../domain/roles';
import type { CorrectiveState } from './decider';
import type { CorrectiveEvent } from './schemas';

/** Who hears of what: the performance group names owners and verifies, the owner plans; escalations climb the owner's chain. */
export function correctiveNotifications(event: CorrectiveEvent, state: CorrectiveState): Outgoing[] {
  if (state.status === 'none') return [];
  const s = state;
  const body = (what: string) => `${what}\n\n纠正措施 ${s.correctiveId}（调查 ${s.surveyId}，指标: ${s.label}）\n指标责任人: ${s.owner ?? '待指定'}${s.department ? `（${s.department}）` : ''}\n当前期限: ${s.current.due}`;
  const ownerOrGroup = s.owner ? (`actor:${s.owner}` as const) : ('role:performance' as const);
  switch (event.type) {
    case 'CorrectiveActionOpened':
      return [{ recipient: 'role:performance', subject: `[台账] 满意度指标「${s.label}」出现不满意，请指定指标责任人`, body: body(`本指标收到不满意 ${event.data.negatives.dissatisfied} 份、很不满意 ${event.data.negatives.very_dissatisfied} 份（共 ${event.data.answers} 份答卷）。`) }];
    case 'CorrectiveOwnerAssigned':
      return [{ recipient: `actor:${event.data.owner}`, subject: `[台账] 您被指定为指标「${s.label}」的责任人`, body: body('请制定纠正措施。') }];
    case 'CorrectiveActionCompleted':
      return [{ recipient: 'role:performance', subject: `[台账] 纠正措施 ${s.correctiveId} 已完成，请验证`, body: body(event.data.summary) }];
    case 'CorrectiveActionVerified':
      return s.owner ? [{ recipient: `actor:${s.owner}`, subject: `[台账] 纠正措施 ${s.correctiveId} ${event.data.effective ? '验证有效，已关闭' : '验证未通过，请重新制定措施'}`, body: body(event.data.note) }] : [];
    case 'CorrectiveWarningIssued':
      return [{ recipient: ownerOrGroup, subject: `[台账] 纠正措施 ${s.correctiveId} 即将超期`, body: body(`期限 ${event.data.dueAt} 将至。`) }];
    case 'CorrectiveEscalated':
      return [
        {
          recipient: `role:${event.data.role}`,
          ...(s.owner ? { chainOf: s.owner } : {}),
          subject: `[台账] 纠正措施 ${s.correctiveId} 超期升级（第 ${event.data.level} 级，${ROLE_LABELS_ZH[event.data.role as Role] ?? event.data.role}）`,
          body: body(event.data.reason),
        },
      ];
    default:
      return [];
  }
}
