import { describe, expect, it } from 'vitest';
import { complaintsLedger, followUpsLedger } from '../../src/processes/complaint/ledger';
import { customersLedger } from '../../src/processes/customer/ledger';
import { enquiriesLedger } from '../../src/processes/enquiry/ledger';
import { LEDGERS } from '../../src/projections/ledgers';
import { given, recorded } from '../support/rows';

/** Every ledger projection as a specification: given these events, exactly these rows. */
const cn = (t: string) => `${t}+08:00`;
const deadline = (kind: string, due: string) => ({ kind, due, targetMinutes: 120, warnAt: null, escalations: [] });
const basis = { policy: 'default@3', calendar: { source: 'chinese-days@1.5.7 (data 2004–2026)', warnings: [] } };

const complaint = (revision: number, type: string, data: Record<string, unknown>, at = '2026-10-09T01:00:00.000Z', actor = 'li.na') =>
  recorded('complaint-K1', revision, type, { complaintId: 'K1', ...data }, { occurredAt: at, actor });
const receivedK1 = complaint(0, 'ComplaintReceived', {
  customerId: 'C1',
  channel: 'phone',
  category: 'delivery',
  severity: 'normal',
  summary: '送货延迟',
  owner: 'li.na',
  customerClass: 'ordinary',
  receivedAt: cn('2026-10-09T09:00:00'),
  firstResponse: deadline('first_response', cn('2026-10-09T11:00:00')),
  resolution: deadline('resolution', cn('2026-10-12T17:00:00')),
  basis,
  notifyAtOnce: [],
});

describe('ledger projections as specifications', () => {
  it('customers: a registration, then a contact change of one field', () => {
    const rows = given([
      recorded('customer-C1', 0, 'CustomerRegistered', { customerId: 'C1', name: '上海某物业', phone: '13800138000', type: 'owner', importance: 'ordinary', grade: 'A' }, { occurredAt: '2026-10-09T01:00:00.000Z', actor: 'li.na' }),
      recorded('customer-C1', 1, 'CustomerContactUpdated', { customerId: 'C1', changes: { email: 'wy@example.com' } }, { occurredAt: '2026-10-09T02:00:00.000Z' }),
    ]).rows(customersLedger);
    expect(rows).toEqual([
      {
        customer_id: 'C1',
        name: '上海某物业',
        contact_person: null,
        phone: '13800138000',
        email: 'wy@example.com',
        address: null,
        type: 'owner',
        importance: 'ordinary',
        grade: 'A',
        customer_class: 'key',
        account_manager: null,
        registered_at: '2026-10-09T01:00:00.000Z',
        registered_by: 'li.na',
        updated_at: '2026-10-09T02:00:00.000Z',
        revision: 1,
      },
    ]);
  });

  it('complaints: received, acknowledged late, escalated, resolved, reopened by a negative visit', () => {
    const rows = given([
      receivedK1,
      complaint(1, 'ComplaintEscalated', { deadline: 'first_response', level: 1, role: 'supervisor', dueAt: cn('2026-10-09T11:00:00'), escalateAt: cn('2026-10-09T11:00:00'), reason: 'x' }, '2026-10-09T03:00:00.000Z', 'taizhang'),
      complaint(2, 'ComplaintAcknowledged', { onTime: false }, '2026-10-09T03:10:00.000Z'),
      complaint(3, 'ComplaintVerified', { findings: '属实', departments: [] }, '2026-10-09T04:00:00.000Z'),
      complaint(4, 'ResolutionProposed', { plan: '补发' }, '2026-10-09T05:00:00.000Z'),
      complaint(5, 'CustomerNotified', { result: '已补发', onTime: true, followUpDue: cn('2026-10-14T14:00:00') }, '2026-10-09T06:00:00.000Z'),
      complaint(6, 'FollowUpRecorded', { rating: 2, satisfied: false }, '2026-10-10T02:00:00.000Z'),
      complaint(7, 'ComplaintReopened', { reason: 'negative follow-up rating 2', resolution: deadline('resolution', cn('2026-10-14T10:00:00')), basis }, '2026-10-10T02:00:00.000Z'),
    ]).rows(complaintsLedger);
    expect(rows).toEqual([
      expect.objectContaining({
        complaint_id: 'K1',
        status: 'acknowledged',
        first_response_at: '2026-10-09T03:10:00.000Z',
        first_response_on_time: 0,
        breached: 1,
        escalation_level: 1,
        resolved_at: null,
        resolution_on_time: null,
        resolution_due: cn('2026-10-14T10:00:00'),
        follow_up_due: null,
        rating: 2,
        reopen_count: 1,
        closed_at: null,
        policy: 'default@3',
        revision: 7,
      }),
    ]);
  });

  it('complaints: the status is the decider’s (a satisfied visit, then close)', () => {
    const rows = given([
      receivedK1,
      complaint(1, 'ComplaintAcknowledged', { onTime: true }),
      complaint(2, 'ComplaintVerified', { findings: '属实', departments: [] }),
      complaint(3, 'ResolutionProposed', { plan: '致歉' }),
      complaint(4, 'CustomerNotified', { result: '已致歉', onTime: true, followUpDue: cn('2026-10-14T09:00:00') }),
      complaint(5, 'FollowUpRecorded', { rating: 5, satisfied: true }),
      complaint(6, 'ComplaintClosed', {}, '2026-10-12T01:00:00.000Z'),
    ]).rows(complaintsLedger);
    expect(rows[0]).toMatchObject({ status: 'closed', rating: 5, closed_at: '2026-10-12T01:00:00.000Z', breached: 0, first_response_on_time: 1, resolution_on_time: 1 });
  });

  it('follow-ups: one row per visit and per overdue visit', () => {
    const rows = given([
      complaint(5, 'FollowUpOverdue', { dueAt: cn('2026-10-14T09:00:00') }, '2026-10-14T01:00:00.000Z', 'taizhang'),
      complaint(6, 'FollowUpRecorded', { rating: 4, comment: '满意', satisfied: true }, '2026-10-14T02:00:00.000Z'),
    ]).rows(followUpsLedger);
    expect(rows).toEqual([
      { event_id: 'complaint-K1@5', complaint_id: 'K1', kind: 'overdue', rating: null, satisfied: null, comment: null, due_at: cn('2026-10-14T09:00:00'), recorded_at: '2026-10-14T01:00:00.000Z', recorded_by: 'taizhang' },
      { event_id: 'complaint-K1@6', complaint_id: 'K1', kind: 'visit', rating: 4, satisfied: 1, comment: '满意', due_at: null, recorded_at: '2026-10-14T02:00:00.000Z', recorded_by: 'li.na' },
    ]);
  });

  it('escalations: warnings and escalations of every process with deadlines, with their lateness', () => {
    const escalations = LEDGERS.find((l) => l.name === 'escalations')!;
    const rows = given([
      complaint(1, 'DeadlineWarningIssued', { deadline: 'first_response', dueAt: cn('2026-10-09T11:00:00'), warnAt: cn('2026-10-09T10:36:00') }, '2026-10-09T02:36:00.250Z', 'taizhang'),
      complaint(2, 'ComplaintEscalated', { deadline: 'first_response', level: 1, role: 'supervisor', dueAt: cn('2026-10-09T11:00:00'), escalateAt: cn('2026-10-09T11:00:00'), reason: 'missed' }, '2026-10-09T03:00:00.100Z', 'taizhang'),
    ]).rows(escalations);
    expect(rows).toEqual([
      { event_id: 'complaint-K1@1', process: 'complaint', subject_id: 'K1', kind: 'warning', deadline: 'first_response', level: 0, target_role: 'owner', reason: 'first_response deadline approaching', due_at: cn('2026-10-09T11:00:00'), scheduled_at: cn('2026-10-09T10:36:00'), fired_at: '2026-10-09T02:36:00.250Z', lateness_ms: 250 },
      { event_id: 'complaint-K1@2', process: 'complaint', subject_id: 'K1', kind: 'escalation', deadline: 'first_response', level: 1, target_role: 'supervisor', reason: 'missed', due_at: cn('2026-10-09T11:00:00'), scheduled_at: cn('2026-10-09T11:00:00'), fired_at: '2026-10-09T03:00:00.100Z', lateness_ms: 100 },
    ]);
  });

  it('enquiries: taken by one, handed to a department, answered there late, closed', () => {
    const enquiry = (revision: number, type: string, data: Record<string, unknown>, at: string, actor = 'li.na') => recorded('enquiry-E1', revision, type, { enquiryId: 'E1', ...data }, { occurredAt: at, actor });
    const rows = given([
      enquiry(0, 'EnquiryReceived', { channel: 'phone', topic: '发票如何开具', major: false, owner: 'li.na', receivedAt: cn('2026-10-09T09:00:00'), answer: deadline('answer', cn('2026-10-09T09:10:00')), basis }, '2026-10-09T01:00:00.000Z'),
      enquiry(1, 'EnquiryTransferred', { from: 'li.na', department: '财务部', to: 'chen.jing', reason: '开票属财务部' }, '2026-10-09T01:02:00.000Z'),
      enquiry(2, 'EnquiryEscalated', { deadline: 'answer', level: 1, role: 'supervisor', dueAt: cn('2026-10-09T09:10:00'), escalateAt: cn('2026-10-09T09:10:00'), reason: 'x' }, '2026-10-09T01:10:00.000Z', 'taizhang'),
      enquiry(3, 'EnquiryAnswered', { answer: '已开具', answeredBy: 'chen.jing', onTime: false, firstContact: false }, '2026-10-09T01:12:00.000Z', 'chen.jing'),
      enquiry(4, 'EnquiryClosed', {}, '2026-10-09T01:20:00.000Z'),
    ]).rows(enquiriesLedger);
    expect(rows).toEqual([
      {
        enquiry_id: 'E1',
        customer_id: null,
        status: 'closed',
        channel: 'phone',
        topic: '发票如何开具',
        major: 0,
        owner: 'li.na',
        handler: 'chen.jing',
        department: '财务部',
        transfers: 1,
        received_at: cn('2026-10-09T09:00:00'),
        answer_due: cn('2026-10-09T09:10:00'),
        answered_at: '2026-10-09T01:12:00.000Z',
        answered_by: 'chen.jing',
        answered_on_time: 0,
        first_contact: 0,
        escalation_level: 1,
        closed_at: '2026-10-09T01:20:00.000Z',
        policy: 'default@3',
        updated_at: '2026-10-09T01:20:00.000Z',
        revision: 4,
      },
    ]);
    // Its escalations share the escalations ledger with the complaints'.
    const escalations = LEDGERS.find((l) => l.name === 'escalations')!;
    expect(given([enquiry(2, 'EnquiryEscalated', { deadline: 'answer', level: 1, role: 'supervisor', dueAt: cn('2026-10-09T09:10:00'), escalateAt: cn('2026-10-09T09:10:00'), reason: 'x' }, '2026-10-09T01:10:00.000Z', 'taizhang')]).rows(escalations)).toEqual([
      expect.objectContaining({ process: 'enquiry', subject_id: 'E1', kind: 'escalation', deadline: 'answer', level: 1, lateness_ms: 0 }),
    ]);
  });

  it('every ledger the projector keeps has a specification here', () => {
    const specified = ['customers', 'complaints', 'follow_ups', 'escalations', 'enquiries'];
    expect(LEDGERS.map((l) => l.name).filter((n) => !specified.includes(n))).toEqual([]);
  });
});
