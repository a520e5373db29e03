import { flag, type LedgerProjection, type LedgerRow, type ProjectedEvent } from '../../domain/ledger';
import { idOfStream } from '../../domain/process';
import { enquiryStatusAfter, type EnquiryStatus } from './decider';
import { enquiryEventSchemas, type EnquiryEvent } from './schemas';

/** Node side. 咨询台账: one row per enquiry, who took it first, where it went, whether it was answered in time. */
export const enquiriesLedger: LedgerProjection = {
  name: 'enquiries',
  version: 1,
  title: { zh: '咨询台账', en: 'Enquiries' },
  key: ['enquiry_id'],
  orderBy: 'received_at, enquiry_id',
  columns: [
    { name: 'enquiry_id', type: 'TEXT', label: { zh: '咨询编号', en: 'Enquiry ID' } },
    { name: 'customer_id', type: 'TEXT', label: { zh: '客户编号', en: 'Customer ID' }, indexed: true },
    { name: 'status', type: 'TEXT', label: { zh: '状态', en: 'Status' }, indexed: true },
    { name: 'channel', type: 'TEXT', label: { zh: '渠道', en: 'Channel' } },
    { name: 'topic', type: 'TEXT', label: { zh: '咨询内容', en: 'Topic' } },
    { name: 'major', type: 'INTEGER', label: { zh: '重大事项', en: 'Major matter' } },
    { name: 'owner', type: 'TEXT', label: { zh: '首问负责人', en: 'First-responsible' }, indexed: true },
    { name: 'handler', type: 'TEXT', label: { zh: '当前处理人', en: 'Handler' }, indexed: true },
    { name: 'department', type: 'TEXT', label: { zh: '责任部门', en: 'Department' } },
    { name: 'transfers', type: 'INTEGER', label: { zh: '转交次数', en: 'Transfers' } },
    { name: 'received_at', type: 'TEXT', label: { zh: '受理时间', en: 'Received at' }, instant: true, indexed: true },
    { name: 'answer_due', type: 'TEXT', label: { zh: '答复期限', en: 'Answer due' }, instant: true },
    { name: 'answered_at', type: 'TEXT', label: { zh: '答复时间', en: 'Answered at' }, instant: true },
    { name: 'answered_by', type: 'TEXT', label: { zh: '答复人', en: 'Answered by' } },
    { name: 'answered_on_time', type: 'INTEGER', label: { zh: '答复及时', en: 'Answered on time' } },
    { name: 'first_contact', type: 'INTEGER', label: { zh: '一次办结', en: 'Resolved at first contact' } },
    { name: 'escalation_level', type: 'INTEGER', label: { zh: '升级级别', en: 'Escalation level' } },
    { name: 'closed_at', type: 'TEXT', label: { zh: '结束时间', en: 'Closed at' }, instant: true },
    { name: 'policy', type: 'TEXT', label: { zh: '时限政策', en: 'Policy' } },
    { name: 'updated_at', type: 'TEXT', label: { zh: '更新时间', en: 'Updated at' }, instant: true },
    { name: 'revision', type: 'INTEGER', label: { zh: '版本', en: 'Revision' } },
  ],
  handles: Object.keys(enquiryEventSchemas),
  rowKey: (e) => ({ enquiry_id: idOfStream(e.streamName) }),
  evolve(row, raw) {
    const e = raw as unknown as ProjectedEvent & EnquiryEvent;
    const at = e.metadata.occurredAt;
    if (e.type === 'EnquiryReceived') {
      const d = e.data;
      return {
        enquiry_id: d.enquiryId,
        customer_id: d.customerId ?? null,
        status: enquiryStatusAfter(null, e),
        channel: d.channel,
        topic: d.topic,
        major: flag(d.major),
        owner: d.owner,
        handler: d.owner,
        department: null,
        transfers: 0,
        received_at: d.receivedAt,
        answer_due: d.answer.due,
        answered_at: null,
        answered_by: null,
        answered_on_time: null,
        first_contact: null,
        escalation_level: 0,
        closed_at: null,
        policy: d.basis.policy,
        updated_at: at,
        revision: e.revision,
      };
    }
    if (!row) return undefined;
    const next: LedgerRow = { ...row, status: enquiryStatusAfter(row.status as EnquiryStatus | null, e), updated_at: at, revision: e.revision };
    switch (e.type) {
      case 'EnquiryTransferred':
        return { ...next, handler: e.data.to ?? row.handler ?? null, department: e.data.department, transfers: Number(row.transfers ?? 0) + 1 };
      case 'EnquiryAnswered':
        return { ...next, answered_at: at, answered_by: e.data.answeredBy, answered_on_time: flag(e.data.onTime), first_contact: flag(e.data.firstContact) };
      case 'EnquiryClosed':
        return { ...next, closed_at: at };
      case 'EnquiryEscalated':
        return { ...next, escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
      default:
        return next;
    }
  },
};
