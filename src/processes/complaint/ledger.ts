import { flag, type LedgerProjection, type LedgerRow, type ProjectedEvent } from '../../domain/ledger';
import { idOfStream } from '../../domain/process';
import { statusAfter, type ComplaintStatus } from './decider';
import { complaintEventSchemas, type ComplaintEvent } from './schemas';

/** Node side: the complaints (投诉台账) and follow-up (回访台账) ledgers. */

const asComplaint = (e: ProjectedEvent) => e as unknown as ProjectedEvent & ComplaintEvent;

/** 投诉台账: one row per complaint, with its deadlines, whether they were met, and how far it was escalated. */
export const complaintsLedger: LedgerProjection = {
  name: 'complaints',
  version: 1,
  title: { zh: '投诉台账', en: 'Complaints' },
  key: ['complaint_id'],
  orderBy: 'received_at, complaint_id',
  columns: [
    { name: 'complaint_id', type: 'TEXT', label: { zh: '投诉编号', en: 'Complaint ID' } },
    { name: 'customer_id', type: 'TEXT', label: { zh: '客户编号', en: 'Customer ID' }, indexed: true },
    { name: 'status', type: 'TEXT', label: { zh: '状态', en: 'Status' }, indexed: true },
    { name: 'severity', type: 'TEXT', label: { zh: '严重程度', en: 'Severity' }, indexed: true },
    { name: 'category', type: 'TEXT', label: { zh: '投诉类别', en: 'Category' } },
    { name: 'channel', type: 'TEXT', label: { zh: '渠道', en: 'Channel' } },
    { name: 'customer_class', type: 'TEXT', label: { zh: '客户级别', en: 'Customer class' } },
    { name: 'owner', type: 'TEXT', label: { zh: '首问负责人', en: 'Owner' }, indexed: true },
    { name: 'summary', type: 'TEXT', label: { zh: '投诉内容', en: 'Summary' } },
    { name: 'received_at', type: 'TEXT', label: { zh: '受理时间', en: 'Received at' }, instant: true, indexed: true },
    { name: 'first_response_due', type: 'TEXT', label: { zh: '首次响应期限', en: 'First response due' }, instant: true },
    { name: 'first_response_at', type: 'TEXT', label: { zh: '首次响应时间', en: 'First response at' }, instant: true },
    { name: 'first_response_on_time', type: 'INTEGER', label: { zh: '响应及时', en: 'Responded on time' } },
    { name: 'resolution_due', type: 'TEXT', label: { zh: '处理期限', en: 'Resolution due' }, instant: true },
    { name: 'resolved_at', type: 'TEXT', label: { zh: '处理完成时间', en: 'Resolved at' }, instant: true },
    { name: 'resolution_on_time', type: 'INTEGER', label: { zh: '处理及时', en: 'Resolved on time' } },
    { name: 'breached', type: 'INTEGER', label: { zh: '是否超时', en: 'Breached' } },
    { name: 'escalation_level', type: 'INTEGER', label: { zh: '升级级别', en: 'Escalation level' } },
    { name: 'paused', type: 'INTEGER', label: { zh: '暂停中', en: 'Paused' } },
    { name: 'follow_up_due', type: 'TEXT', label: { zh: '回访期限', en: 'Follow-up due' }, instant: true },
    { name: 'rating', type: 'INTEGER', label: { zh: '回访评分', en: 'Rating' } },
    { name: 'reopen_count', type: 'INTEGER', label: { zh: '重开次数', en: 'Reopened' } },
    { name: 'closed_at', type: 'TEXT', label: { zh: '结案时间', en: 'Closed at' }, instant: true },
    { name: 'policy', type: 'TEXT', label: { zh: '时限政策', en: 'SLA policy' } },
    { name: 'calendar_source', type: 'TEXT', label: { zh: '日历数据', en: 'Calendar data' } },
    { name: 'updated_at', type: 'TEXT', label: { zh: '更新时间', en: 'Updated at' }, instant: true },
    { name: 'revision', type: 'INTEGER', label: { zh: '版本', en: 'Revision' } },
  ],
  handles: Object.keys(complaintEventSchemas),
  rowKey: (e) => ({ complaint_id: idOfStream(e.streamName) }),
  evolve(row, raw) {
    const e = asComplaint(raw);
    const at = e.metadata.occurredAt;
    if (e.type === 'ComplaintReceived') {
      const d = e.data;
      return {
        complaint_id: d.complaintId,
        customer_id: d.customerId,
        status: statusAfter(null, e),
        severity: d.severity,
        category: d.category,
        channel: d.channel,
        customer_class: d.customerClass,
        owner: d.owner,
        summary: d.summary,
        received_at: d.receivedAt,
        first_response_due: d.firstResponse.due,
        first_response_at: null,
        first_response_on_time: null,
        resolution_due: d.resolution.due,
        resolved_at: null,
        resolution_on_time: null,
        breached: 0,
        escalation_level: 0,
        paused: 0,
        follow_up_due: null,
        rating: null,
        reopen_count: 0,
        closed_at: null,
        policy: d.basis.policy,
        calendar_source: d.basis.calendar.source,
        updated_at: at,
        revision: e.revision,
      };
    }
    if (!row) return undefined;
    // The status comes from the domain's own transitions; the rest are the ledger's columns.
    const next: LedgerRow = { ...row, status: statusAfter(row.status as ComplaintStatus | null, e), updated_at: at, revision: e.revision };
    switch (e.type) {
      case 'ComplaintAcknowledged':
        return { ...next, first_response_at: at, first_response_on_time: flag(e.data.onTime), breached: flag(Boolean(row.breached) || !e.data.onTime) };
      case 'ComplaintAssigned':
        return { ...next, owner: e.data.to };
      case 'CustomerNotified':
        return {
          ...next,
          resolved_at: at,
          resolution_on_time: flag(e.data.onTime),
          first_response_at: row.first_response_at ?? at,
          first_response_on_time: row.first_response_on_time ?? flag(e.data.onTime),
          follow_up_due: e.data.followUpDue,
          breached: flag(Boolean(row.breached) || !e.data.onTime),
        };
      case 'FollowUpRecorded':
        return { ...next, rating: e.data.rating };
      case 'ComplaintClosed':
      case 'ComplaintWithdrawn':
        return { ...next, closed_at: at, paused: 0 };
      case 'ComplaintReopened':
        return { ...next, resolution_due: e.data.resolution.due, resolved_at: null, resolution_on_time: null, follow_up_due: null, reopen_count: Number(row.reopen_count ?? 0) + 1, closed_at: null };
      case 'ComplaintPaused':
        return { ...next, paused: 1 };
      case 'ComplaintResumed':
        return {
          ...next,
          paused: 0,
          ...(e.data.firstResponse ? { first_response_due: e.data.firstResponse.due } : {}),
          ...(e.data.resolution ? { resolution_due: e.data.resolution.due } : {}),
        };
      case 'ComplaintEscalated':
        return { ...next, breached: 1, escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
      default:
        return next;
    }
  },
};

/** 回访台账: one row per follow-up visit recorded, and one per follow-up that fell due unrecorded. */
export const followUpsLedger: LedgerProjection = {
  name: 'follow_ups',
  version: 1,
  title: { zh: '回访台账', en: 'Follow-up visits' },
  key: ['event_id'],
  orderBy: 'recorded_at, event_id',
  columns: [
    { name: 'event_id', type: 'TEXT', label: { zh: '事件编号', en: 'Event ID' } },
    { name: 'complaint_id', type: 'TEXT', label: { zh: '投诉编号', en: 'Complaint ID' }, indexed: true },
    { name: 'kind', type: 'TEXT', label: { zh: '类型', en: 'Kind' } },
    { name: 'rating', type: 'INTEGER', label: { zh: '满意度评分', en: 'Rating' } },
    { name: 'satisfied', type: 'INTEGER', label: { zh: '是否满意', en: 'Satisfied' } },
    { name: 'comment', type: 'TEXT', label: { zh: '客户意见', en: 'Comment' } },
    { name: 'due_at', type: 'TEXT', label: { zh: '回访期限', en: 'Due at' }, instant: true },
    { name: 'recorded_at', type: 'TEXT', label: { zh: '记录时间', en: 'Recorded at' }, instant: true, indexed: true },
    { name: 'recorded_by', type: 'TEXT', label: { zh: '记录人', en: 'Recorded by' } },
  ],
  handles: ['FollowUpRecorded', 'FollowUpOverdue'],
  rowKey: (e) => ({ event_id: e.id }),
  evolve(_row, raw) {
    const e = asComplaint(raw);
    const common = { event_id: e.id, recorded_at: e.metadata.occurredAt, recorded_by: e.metadata.actor };
    if (e.type === 'FollowUpRecorded')
      return { ...common, complaint_id: e.data.complaintId, kind: 'visit', rating: e.data.rating, satisfied: flag(e.data.satisfied), comment: e.data.comment ?? null, due_at: null };
    if (e.type === 'FollowUpOverdue') return { ...common, complaint_id: e.data.complaintId, kind: 'overdue', rating: null, satisfied: null, comment: null, due_at: e.data.dueAt };
    return undefined;
  },
};
