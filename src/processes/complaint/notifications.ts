import { CUSTOMER_CLASS_LABELS, SEVERITY_LABELS, labelOf } from '../../domain/enums';
import type { Outgoing } from '../../domain/notifications';
import { ROLE_LABELS_ZH, type Role } from '../../domain/roles';
import type { OpenComplaint, ComplaintState } from './decider';
import type { ComplaintEvent } from './schemas';

const DEADLINE_LABELS = { first_response: '首次响应', resolution: '处理' } as const;

/** Who hears of what. Bodies carry ids and deadlines only: no personal data leaves in notifications. */
export function complaintNotifications(event: ComplaintEvent, state: ComplaintState): Outgoing[] {
  if (state.status === 'none') return [];
  const s: OpenComplaint = state;
  const ref = `投诉 ${s.complaintId}（客户 ${s.customerId}，${labelOf(SEVERITY_LABELS, s.severity)}，${labelOf(CUSTOMER_CLASS_LABELS, s.customerClass)}）`;
  const body = (what: string) => `${what}\n\n${ref}\n首问负责人: ${s.owner}\n首次响应期限: ${s.firstResponse.due}\n处理期限: ${s.resolution.due}`;
  // Escalations climb the owner's own chain: their supervisor, their manager, …
  const chainOf = s.owner;
  switch (event.type) {
    case 'ComplaintReceived':
      // 重大事项立即向总经理汇报: the policy names who hears of a complaint at once.
      return event.data.notifyAtOnce.map((role) => ({
        recipient: `role:${role}`,
        chainOf,
        subject: `[台账] ${s.severity === 'major' ? '重大' : ''}投诉 ${s.complaintId}`,
        body: body('收到投诉，请知悉。'),
      }));
    case 'DeadlineWarningIssued':
      return [{ recipient: `actor:${s.owner}`, subject: `[台账] 投诉 ${s.complaintId} 即将超时`, body: body(`${DEADLINE_LABELS[event.data.deadline]}期限 ${event.data.dueAt} 将至，请尽快处理。`) }];
    case 'ComplaintEscalated': {
      const { level, role } = event.data;
      return [{ recipient: `role:${role}`, chainOf, subject: `[台账] 投诉 ${s.complaintId} 超时升级（第 ${level} 级，${ROLE_LABELS_ZH[role as Role] ?? role}）`, body: body(event.data.reason) }];
    }
    case 'ComplaintAssigned':
      return [{ recipient: `actor:${event.data.to}`, subject: `[台账] 投诉 ${s.complaintId} 已转交给您`, body: body('该投诉已转交给您处理。') }];
    case 'FollowUpOverdue':
      return [{ recipient: 'role:supervisor', chainOf, subject: `[台账] 投诉 ${s.complaintId} 回访逾期`, body: body('回访期限已过，尚未记录回访。') }];
    default:
      return [];
  }
}
