import { CHANGE_KIND_LABELS, labelOf } from '../../domain/enums';
import type { Outgoing } from '../../domain/notifications';
import { ROLE_LABELS_ZH, type Role } from '../../domain/roles';
import type { ChangeState } from './decider';
import type { ChangeEvent } from './schemas';

const roleZh = (role: string) => ROLE_LABELS_ZH[role as Role] ?? role;

/**
 * Who hears of what in a change request: the panels when it is submitted, the tier's approvers when it is theirs to
 * decide, the requester of every decision, the implementation's owner (and their manager, then the VP) when it stalls.
 * Bodies carry ids, amounts and deadlines, never the customer's contact details.
 */
export function changeNotifications(event: ChangeEvent, state: ChangeState): Outgoing[] {
  if (state.status === 'none') return [];
  const s = state;
  const body = (what: string) =>
    `${what}\n\n变更申请 ${s.changeId}（${labelOf(CHANGE_KIND_LABELS, s.kind)}，客户 ${s.customerId}）\n金额: ¥${s.amount}\n涉及: ${s.affects}\n申请人: ${s.requester}\n审批层级: ${s.tier.label}`;
  const subject = (what: string) => `[台账] 变更申请 ${s.changeId} ${what}`;
  const toRole = (role: string, what: string, text: string): Outgoing => ({ recipient: `role:${role}`, chainOf: s.requester, subject: subject(what), body: body(text) });
  const toActor = (actor: string, what: string, text: string): Outgoing => ({ recipient: `actor:${actor}`, subject: subject(what), body: body(text) });
  switch (event.type) {
    case 'ChangeRequested':
      return s.panels.map((p) => toRole(p.role, `待${p.label}会审`, `请在 ${s.review.due} 前给出${p.label}会审意见。`));
    case 'ChangeSentForApproval':
    case 'ChangeAmended':
      return [toRole(event.data.tier.role, `待${event.data.tier.label}审批`, `${event.type === 'ChangeAmended' ? `申请已修改（${event.data.reason}），重新审批。` : '会审已完成。'}请在 ${event.data.step.deadline?.due ?? ''} 前审批（需 ${event.data.tier.quorum} 人批准）。`)];
    case 'ChangeApproved':
      return [toActor(s.requester, '已批准', `批准人: ${event.data.approvers.join('、')}。请在 ${event.data.signOff.due} 前取得书面签证。`)];
    case 'ChangeRejected':
      return [toActor(s.requester, '已驳回', `驳回人: ${event.data.rejectedBy}\n理由: ${event.data.reason}${event.data.secondReviewOpen ? '\n如有异议，可申请总经理二次审核。' : ''}`)];
    case 'ChangeSecondReviewRequested':
      return [toRole(event.data.step.roles[0] ?? 'general_manager', '申请二次审核', `申请人理由: ${event.data.reason}\n请在 ${event.data.step.deadline?.due ?? ''} 前审核。`)];
    case 'ChangeImplementationStarted':
      return [toActor(event.data.owner, '交付实施', `实施团队: ${event.data.team}。超过 ${event.data.inactivity.remindAt} 无进展将提醒。`)];
    case 'ChangeImplemented':
      return [toActor(s.requester, '实施完成待验证', `请在 ${event.data.verify.due} 前验证。`)];
    case 'ChangeWarningIssued': {
      const text = `${event.data.deadline} 期限 ${event.data.dueAt} 将至。`;
      return s.status === 'approved' || s.status === 'verifying' ? [toActor(s.requester, '即将超时', text)] : waitingRoles(s).map((role) => toRole(role, '即将超时', text));
    }
    case 'ChangeEscalated':
      return [toRole(event.data.role, `超时升级（第 ${event.data.level} 级，${roleZh(event.data.role)}）`, event.data.reason)];
    case 'ChangeInactivityReminded': {
      const owner = event.data.owner;
      const notices = [toActor(owner, '实施无进展提醒', `自 ${event.data.since} 起无更新。`), { recipient: 'role:manager', chainOf: owner, subject: subject('实施无进展提醒'), body: body(`实施负责人 ${owner} 自 ${event.data.since} 起无更新。`) } as Outgoing];
      return event.data.level === 'escalate' && event.data.escalateTo ? [...notices, toRole(event.data.escalateTo, `实施无进展升级（${roleZh(event.data.escalateTo)}）`, `自 ${event.data.since} 起无更新，已满升级期限。`)] : notices;
    }
    case 'ChangeShelved':
      return [toActor(s.requester, '已搁置', `自 ${event.data.since} 起无更新，已搁置。`), toActor(event.data.owner, '已搁置', `自 ${event.data.since} 起无更新，已搁置。`)];
    case 'ChangeClosed':
      return [{ recipient: `customer:${s.customerId}`, subject: `变更申请 ${s.changeId} 已完成`, body: `您提出的变更申请 ${s.changeId}（${labelOf(CHANGE_KIND_LABELS, s.kind)}）已实施并验证完成。` }];
    default:
      return [];
  }
}

/** The roles still to act at the current step. */
function waitingRoles(s: Exclude<ChangeState, { status: 'none' }>): string[] {
  if (s.status === 'reviewing') return s.panels.filter((p) => s.reviews[p.panel]?.outcome === 'pending').map((p) => p.role);
  if (s.status === 'approving') return [s.tier.role];
  return s.secondReview?.roles ?? [];
}
