import type { Outgoing } from '../../domain/notifications';
import { ROLE_LABELS_ZH, type Role } from '../../domain/roles';
import type { EnquiryState } from './decider';
import type { EnquiryEvent } from './schemas';

/** Who hears of what; bodies carry ids and deadlines only. Escalations climb the first-responsible person's chain. */
export function enquiryNotifications(event: EnquiryEvent, state: EnquiryState): Outgoing[] {
  if (state.status === 'none') return [];
  const s = state;
  const body = (what: string) => `${what}\n\n咨询 ${s.enquiryId}${s.customerId ? `（客户 ${s.customerId}）` : ''}\n首问负责人: ${s.owner}\n当前处理人: ${s.handler}${s.department ? `（${s.department}）` : ''}\n答复期限: ${s.answer.due}`;
  switch (event.type) {
    case 'EnquiryReceived':
      return s.major ? [{ recipient: 'role:general_manager', chainOf: s.owner, subject: `[台账] 重大咨询 ${s.enquiryId}`, body: body('涉及单位重大事项的咨询，请知悉。') }] : [];
    case 'EnquiryTransferred':
      return event.data.to ? [{ recipient: `actor:${event.data.to}`, subject: `[台账] 咨询 ${s.enquiryId} 已转交给您`, body: body(`转交原因: ${event.data.reason}`) }] : [];
    case 'EnquiryWarningIssued':
      return [...new Set([s.handler, s.owner])].map((who) => ({ recipient: `actor:${who}` as const, subject: `[台账] 咨询 ${s.enquiryId} 即将超时`, body: body(`答复期限 ${event.data.dueAt} 将至，请尽快答复。`) }));
    case 'EnquiryEscalated':
      return [
        {
          recipient: `role:${event.data.role}`,
          chainOf: s.owner,
          subject: `[台账] 咨询 ${s.enquiryId} 超时升级（第 ${event.data.level} 级，${ROLE_LABELS_ZH[event.data.role as Role] ?? event.data.role}）`,
          body: body(event.data.reason),
        },
      ];
    default:
      return [];
  }
}
