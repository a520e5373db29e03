import { CUSTOMER_LOOKUP, columnsOf, entityLedger, flag, type LedgerProjection, type ProjectedEvent } from '../../domain/ledger';
import { statusAfter, type ComplaintStatus } from './decider';
import { complaintEventSchemas, type ComplaintEvent } from './schemas';

/** Node side: the complaints (投诉台账) and follow-up (回访台账) ledgers. */

const asComplaint = (e: ProjectedEvent) => e as unknown as ProjectedEvent & ComplaintEvent;

/** 投诉台账: one row per complaint, with its deadlines, whether they were met, and how far it was escalated. */
export const complaintsLedger = entityLedger<ComplaintEvent>({
  name: 'complaints',
  // 2: deadlines re-planned on new holiday data move the due columns.
  version: 2,
  title: { zh: '投诉台账', en: 'Complaints' },
  key: 'complaint_id',
  orderBy: 'received_at, complaint_id',
  columns: [
    ...['complaint_id', 'customer_id', 'status', 'severity', 'category', 'channel', 'customer_class', 'owner', 'summary', 'received_at'],
    ...['first_response_due', 'first_response_at', 'first_response_on_time', 'resolution_due', 'resolved_at', 'resolution_on_time'],
    ...['breached', 'escalation_level', 'paused', 'follow_up_due', 'rating', 'reopen_count', 'closed_at', 'policy', 'calendar_source'],
    ...['updated_at', 'revision'],
  ],
  indexed: ['customer_id', 'status', 'severity', 'owner', 'received_at'],
  // The customer's name as the customers ledger has it when read (the projector still writes one row per event).
  lookups: [CUSTOMER_LOOKUP],
  handles: Object.keys(complaintEventSchemas),
  // The status comes from the domain's own transitions; the rest are the ledger's columns.
  status: (status, e) => statusAfter(status as ComplaintStatus | null, e),
  replanned: { process: 'complaint', dueColumns: { firstResponse: 'first_response_due', resolution: 'resolution_due' } },
  created(e) {
    if (e.type !== 'ComplaintReceived') return undefined;
    const d = e.data;
    return {
      complaint_id: d.complaintId,
      customer_id: d.customerId,
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
    };
  },
  changed(row, e) {
    const at = e.metadata.occurredAt;
    switch (e.type) {
      case 'ComplaintAcknowledged':
        return { first_response_at: at, first_response_on_time: flag(e.data.onTime), breached: flag(Boolean(row.breached) || !e.data.onTime) };
      case 'ComplaintAssigned':
        return { owner: e.data.to };
      case 'CustomerNotified':
        return {
          resolved_at: at,
          resolution_on_time: flag(e.data.onTime),
          first_response_at: row.first_response_at ?? at,
          first_response_on_time: row.first_response_on_time ?? flag(e.data.onTime),
          follow_up_due: e.data.followUpDue,
          breached: flag(Boolean(row.breached) || !e.data.onTime),
        };
      case 'FollowUpRecorded':
        return { rating: e.data.rating };
      case 'ComplaintClosed':
      case 'ComplaintWithdrawn':
        return { closed_at: at, paused: 0 };
      case 'ComplaintReopened':
        return { resolution_due: e.data.resolution.due, resolved_at: null, resolution_on_time: null, follow_up_due: null, reopen_count: Number(row.reopen_count ?? 0) + 1, closed_at: null };
      case 'ComplaintPaused':
        return { paused: 1 };
      case 'ComplaintResumed':
        return { paused: 0, ...(e.data.firstResponse ? { first_response_due: e.data.firstResponse.due } : {}), ...(e.data.resolution ? { resolution_due: e.data.resolution.due } : {}) };
      case 'ComplaintEscalated':
        return { breached: 1, escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
      default:
        return undefined;
    }
  },
});

/**
 * 回访台账: one row per follow-up visit recorded, and one per follow-up that fell due unrecorded, each with the instant
 * the visit was due (a visit recorded by earlier code did not record it: blank there).
 */
export const followUpsLedger: LedgerProjection = {
  name: 'follow_ups',
  version: 2,
  title: { zh: '回访台账', en: 'Follow-up visits' },
  key: ['event_id'],
  orderBy: 'recorded_at, event_id',
  columns: columnsOf(
    'follow_ups',
    [
      'event_id', 'complaint_id', 'kind', 'rating', 'satisfied', 'comment', 'due_at', 'recorded_at', 'recorded_by'
    ],
    { indexed: ['complaint_id', 'recorded_at'] },
  ),
  handles: ['FollowUpRecorded', 'FollowUpOverdue'],
  rowKey: (e) => ({ event_id: e.id }),
  evolve(_row, raw) {
    const e = asComplaint(raw);
    const common = { event_id: e.id, recorded_at: e.metadata.occurredAt, recorded_by: e.metadata.actor };
    if (e.type === 'FollowUpRecorded')
      return { ...common, complaint_id: e.data.complaintId, kind: 'visit', rating: e.data.rating, satisfied: flag(e.data.satisfied), comment: e.data.comment ?? null, due_at: e.data.dueAt ?? null };
    if (e.type === 'FollowUpOverdue') return { ...common, complaint_id: e.data.complaintId, kind: 'overdue', rating: null, satisfied: null, comment: null, due_at: e.data.dueAt };
    return undefined;
  },
};

/**
 * 处理结果记录 (`resolutions`): one row per resolution (the customer told the result) and per close of a complaint, kept
 * when the complaint is reopened. The KPI views count resolutions and closes from here, so a reopening never takes an
 * earlier resolution or close out of its period (see src/projections/ledgers/kpi.ts).
 */
export const resolutionsLedger: LedgerProjection = {
  name: 'resolutions',
  version: 1,
  title: { zh: '处理结果记录', en: 'Resolutions and closes' },
  key: ['event_id'],
  orderBy: 'at, event_id',
  columns: columnsOf('resolutions', ['event_id', 'complaint_id', 'kind', 'at', 'on_time', 'recorded_by'], { indexed: ['complaint_id', 'at'] }),
  handles: ['CustomerNotified', 'ComplaintClosed'],
  rowKey: (e) => ({ event_id: e.id }),
  evolve(_row, raw) {
    const e = asComplaint(raw);
    const common = { event_id: e.id, at: e.metadata.occurredAt, recorded_by: e.metadata.actor };
    if (e.type === 'CustomerNotified') return { ...common, complaint_id: e.data.complaintId, kind: 'resolution', on_time: flag(e.data.onTime) };
    if (e.type === 'ComplaintClosed') return { ...common, complaint_id: e.data.complaintId, kind: 'closure', on_time: null };
    return undefined;
  },
};
