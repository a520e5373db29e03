import { GRADE_LABELS, labelOf } from '../../domain/enums';
import type { Outgoing } from '../../domain/notifications';
import { ROLE_LABELS_ZH, type Role } from '../../domain/roles';
import { changeSummary } from './changes';
import type { CustomerChange, CustomerState } from './decider';
import type { CustomerEvent } from './schemas';

/**
 * Who hears of what. Bodies carry ids, kinds and deadlines only: never the proposed values (contact details are
 * personal data). Checkers hear of a change close to its time limit, the escalation ladder when it is missed (in the
 * maker's chain), the maker of a rejection; the customer receives the written notice of a grade change (书面通知).
 */
export function customerNotifications(event: CustomerEvent, state: CustomerState): Outgoing[] {
  if (state.status === 'unregistered') return [];
  const changeOf = (id: string): CustomerChange | undefined => state.changes.find((c) => c.changeId === id);
  const body = (ch: CustomerChange, what: string) => `${what}\n\n客户 ${state.customerId} 的资料变更 ${ch.changeId}（${changeSummary(ch)}）\n提交人: ${ch.maker}\n提交时间: ${ch.submittedAt}`;
  switch (event.type) {
    case 'CustomerChangeDecided': {
      const ch = changeOf(event.data.changeId);
      if (!ch || event.data.outcome !== 'rejected') return [];
      const again = event.data.step === 'approval' ? '\n如有异议，可申请二次审核。' : '';
      return [{ recipient: `actor:${ch.maker}`, subject: `[台账] 客户 ${state.customerId} 的资料变更 ${ch.changeId} 被驳回`, body: body(ch, `驳回人: ${event.data.decidedBy}\n驳回原因: ${event.data.reason ?? ''}${again}`) }];
    }
    case 'CustomerApprovalWarningIssued': {
      const ch = changeOf(event.data.changeId);
      const step = ch && (event.data.deadline === 'second_review' ? ch.secondReview : ch.step);
      if (!ch || !step) return [];
      return step.roles.map((role) => ({ recipient: `role:${role}` as const, chainOf: ch.maker, subject: `[台账] 待审批的客户资料变更 ${ch.changeId} 即将超时`, body: body(ch, `审批期限 ${event.data.dueAt} 将至，请尽快审批。`) }));
    }
    case 'CustomerApprovalEscalated': {
      const ch = changeOf(event.data.changeId);
      if (!ch) return [];
      const role = event.data.role;
      return [{ recipient: `role:${role}`, chainOf: ch.maker, subject: `[台账] 客户资料变更 ${ch.changeId} 审批超时升级（第 ${event.data.level} 级，${ROLE_LABELS_ZH[role as Role] ?? role}）`, body: body(ch, event.data.reason) }];
    }
    case 'CustomerGradeChanged':
      // 书面通知 (seed 004): the customer is told of the new grade, with the written notice's reference.
      return [
        {
          recipient: `customer:${state.customerId}`,
          subject: `[台账] 客户等级调整通知（文号 ${event.data.noticeRef}）`,
          body: `贵方（客户编号 ${state.customerId}）的客户等级自 ${event.data.effectiveOn} 起由 ${labelOf(GRADE_LABELS, event.data.from)} 调整为 ${labelOf(GRADE_LABELS, event.data.to)}。\n书面通知文号: ${event.data.noticeRef}`,
        },
      ];
    default:
      return [];
  }
}
