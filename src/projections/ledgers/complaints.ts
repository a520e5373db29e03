import type { ComplaintEvent } from '../../domain/complaint/model';
import type { RecordedEvent } from '../../events/envelope';
import { streamKey } from '../../events/streams';
import type { LedgerProjection, LedgerRow } from '../projection';

const COMPLAINT_EVENTS = [
  'ComplaintReceived',
  'ComplaintAcknowledged',
  'ComplaintVerified',
  'ComplaintAssigned',
  'ResolutionProposed',
  'CustomerNotified',
  'FollowUpRecorded',
  'FollowUpOverdue',
  'ComplaintClosed',
  'ComplaintReopened',
  'ComplaintPaused',
  'ComplaintResumed',
  'ComplaintWithdrawn',
  'DeadlineWarningIssued',
  'ComplaintEscalated',
] as const;

const asComplaint = (e: RecordedEvent) => e as unknown as RecordedEvent & ComplaintEvent;
const flag = (b: boolean) => (b ? 1 : 0);

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
  handles: COMPLAINT_EVENTS,
  rowKey: (e) => ({ complaint_id: streamKey(e.streamName) }),
  evolve(row, raw) {
    const e = asComplaint(raw);
    const at = e.metadata.occurredAt;
    if (e.type === 'ComplaintReceived') {
      const d = e.data;
      return {
        complaint_id: d.complaintId,
        customer_id: d.customerId,
        status: 'received',
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
    const next: LedgerRow = { ...row, updated_at: at, revision: e.revision };
    switch (e.type) {
      case 'ComplaintAcknowledged':
        return { ...next, status: 'acknowledged', first_response_at: at, first_response_on_time: flag(e.data.onTime), breached: flag(Boolean(row.breached) || !e.data.onTime) };
      case 'ComplaintVerified':
        return { ...next, status: 'verified' };
      case 'ComplaintAssigned':
        return { ...next, owner: e.data.to };
      case 'ResolutionProposed':
        return { ...next, status: 'resolution_proposed' };
      case 'CustomerNotified':
        return {
          ...next,
          status: 'customer_notified',
          resolved_at: at,
          resolution_on_time: flag(e.data.onTime),
          first_response_at: row.first_response_at ?? at,
          first_response_on_time: row.first_response_on_time ?? flag(e.data.onTime),
          follow_up_due: e.data.followUpDue,
          breached: flag(Boolean(row.breached) || !e.data.onTime),
        };
      case 'FollowUpRecorded':
        return { ...next, rating: e.data.rating, status: e.data.satisfied ? 'followed_up' : (row.status ?? null) };
      case 'FollowUpOverdue':
        return next;
      case 'ComplaintClosed':
        return { ...next, status: 'closed', closed_at: at, paused: 0 };
      case 'ComplaintReopened':
        return { ...next, status: 'acknowledged', resolution_due: e.data.resolution.due, resolved_at: null, resolution_on_time: null, follow_up_due: null, reopen_count: Number(row.reopen_count ?? 0) + 1, closed_at: null };
      case 'ComplaintPaused':
        return { ...next, paused: 1 };
      case 'ComplaintResumed':
        return {
          ...next,
          paused: 0,
          ...(e.data.firstResponse ? { first_response_due: e.data.firstResponse.due } : {}),
          ...(e.data.resolution ? { resolution_due: e.data.resolution.due } : {}),
        };
      case 'ComplaintWithdrawn':
        return { ...next, status: 'withdrawn', closed_at: at, paused: 0 };
      case 'DeadlineWarningIssued':
        return next;
      case 'ComplaintEscalated':
        return { ...next, breached: 1, escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
      default:
        return undefined;
    }
  },
};

/** One row per warning or escalation: level, target, reason, when it was due and when it fired. */
export const escalationsLedger: LedgerProjection = {
  name: 'escalations',
  version: 1,
  title: { zh: '升级台账', en: 'Escalations' },
  key: ['event_id'],
  orderBy: 'fired_at, event_id',
  columns: [
    { name: 'event_id', type: 'TEXT', label: { zh: '事件编号', en: 'Event ID' } },
    { name: 'complaint_id', type: 'TEXT', label: { zh: '投诉编号', en: 'Complaint ID' }, indexed: true },
    { name: 'kind', type: 'TEXT', label: { zh: '类型', en: 'Kind' } },
    { name: 'deadline', type: 'TEXT', label: { zh: '期限', en: 'Deadline' } },
    { name: 'level', type: 'INTEGER', label: { zh: '级别', en: 'Level' } },
    { name: 'target_role', type: 'TEXT', label: { zh: '通知对象', en: 'Target' } },
    { name: 'reason', type: 'TEXT', label: { zh: '原因', en: 'Reason' } },
    { name: 'due_at', type: 'TEXT', label: { zh: '期限时间', en: 'Due at' }, instant: true },
    { name: 'scheduled_at', type: 'TEXT', label: { zh: '计划时间', en: 'Scheduled at' }, instant: true },
    { name: 'fired_at', type: 'TEXT', label: { zh: '触发时间', en: 'Fired at' }, instant: true, indexed: true },
    { name: 'lateness_ms', type: 'INTEGER', label: { zh: '延迟(毫秒)', en: 'Lateness (ms)' } },
  ],
  handles: ['DeadlineWarningIssued', 'ComplaintEscalated'],
  rowKey: (e) => ({ event_id: e.id }),
  evolve(_row, raw) {
    const e = asComplaint(raw);
    const firedAt = e.metadata.occurredAt;
    if (e.type === 'DeadlineWarningIssued') {
      return {
        event_id: e.id,
        complaint_id: e.data.complaintId,
        kind: 'warning',
        deadline: e.data.deadline,
        level: 0,
        target_role: 'owner',
        reason: e.metadata.reason ?? `${e.data.deadline} deadline approaching`,
        due_at: e.data.dueAt,
        scheduled_at: e.data.warnAt,
        fired_at: firedAt,
        lateness_ms: Date.parse(firedAt) - Date.parse(e.data.warnAt),
      };
    }
    if (e.type === 'ComplaintEscalated') {
      return {
        event_id: e.id,
        complaint_id: e.data.complaintId,
        kind: 'escalation',
        deadline: e.data.deadline,
        level: e.data.level,
        target_role: e.data.role,
        reason: e.data.reason,
        due_at: e.data.dueAt,
        scheduled_at: e.data.escalateAt,
        fired_at: firedAt,
        lateness_ms: Date.parse(firedAt) - Date.parse(e.data.escalateAt),
      };
    }
    return undefined;
  },
};
