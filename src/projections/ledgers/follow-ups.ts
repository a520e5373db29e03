import type { ComplaintEvent } from '../../domain/complaint/model';
import type { RecordedEvent } from '../../events/envelope';
import type { LedgerProjection } from '../projection';

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
    const e = raw as unknown as RecordedEvent & ComplaintEvent;
    const common = { event_id: e.id, recorded_at: e.metadata.occurredAt, recorded_by: e.metadata.actor };
    if (e.type === 'FollowUpRecorded')
      return { ...common, complaint_id: e.data.complaintId, kind: 'visit', rating: e.data.rating, satisfied: e.data.satisfied ? 1 : 0, comment: e.data.comment ?? null, due_at: null };
    if (e.type === 'FollowUpOverdue') return { ...common, complaint_id: e.data.complaintId, kind: 'overdue', rating: null, satisfied: null, comment: null, due_at: e.data.dueAt };
    return undefined;
  },
};
