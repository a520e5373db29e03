import { describe, expect, it } from 'vitest';
import { complaintsLedger, followUpsLedger } from '../../src/processes/complaint/ledger';
import { customerChangesLedger, customersLedger } from '../../src/processes/customer/ledger';
import { enquiriesLedger } from '../../src/processes/enquiry/ledger';
import { LEDGERS } from '../../src/projections/ledgers';
import { complaintReceivedData } from '../support/events';
import { given, recorded } from '../support/rows';

/** Every ledger projection as a specification: given these events, exactly these rows. */
const cn = (t: string) => `${t}+08:00`;
const deadline = (kind: string, due: string) => ({ kind, due, targetMinutes: 120, warnAt: null, escalations: [] });
const basis = { policy: 'default@4', calendar: { source: 'chinese-days@1.5.7 (data 2004–2026)', warnings: [] } };

const complaint = (revision: number, type: string, data: Record<string, unknown>, at = '2026-10-09T01:00:00.000Z', actor = 'li.na') =>
  recorded('complaint-K1', revision, type, { complaintId: 'K1', ...data }, { occurredAt: at, actor });
const receivedK1 = complaint(0, 'ComplaintReceived', complaintReceivedData('K1', 'C1'));

describe('ledger projections as specifications', () => {
  it('customers: a registration from before maker-checker, then a contact change of one field', () => {
    const rows = given([
      recorded('customer-C1', 0, 'CustomerRegistered', { customerId: 'C1', name: '上海某物业', phone: '13800138000', type: 'owner', importance: 'ordinary', grade: 'A' }, { occurredAt: '2026-10-09T01:00:00.000Z', actor: 'li.na' }),
      recorded('customer-C1', 1, 'CustomerContactUpdated', { customerId: 'C1', changes: { email: 'wy@example.com' } }, { occurredAt: '2026-10-09T02:00:00.000Z' }),
    ]).rows(customersLedger);
    expect(rows).toEqual([
      {
        customer_id: 'C1',
        status: 'registered',
        name: '上海某物业',
        contact_person: null,
        phone: '13800138000',
        email: 'wy@example.com',
        address: null,
        type: 'owner',
        party: 'person', // an owner (业主) registered without a party of its own
        importance: 'ordinary',
        grade: 'A',
        customer_class: 'key',
        sla_class_reason: 'A 级', // key by grade A, though of ordinary importance
        account_manager: null,
        blacklisted: 0,
        repeated_claims: 0,
        pending_changes: 0,
        pending_summary: null,
        grade_scores: null,
        grade_history: null,
        registered_at: '2026-10-09T01:00:00.000Z',
        registered_by: 'li.na',
        approved_by: null,
        updated_at: '2026-10-09T02:00:00.000Z',
        revision: 1,
      },
    ]);
  });

  // Customer master data under maker-checker: every change submitted, then decided by someone else.
  const step = (roles: string[], quorum: number, due: string, kind = 'approval') => ({
    step: kind,
    roles,
    quorum,
    maker: 'li.na',
    decisions: [],
    outcome: 'pending',
    deadline: { kind, due, targetMinutes: 900, warnAt: null, escalations: [], met: false, onTime: null, warned: false, firedLevels: [] },
  });
  const cust = (id: string) => (revision: number, type: string, data: Record<string, unknown>, at: string, actor = 'li.na') => recorded(`customer-${id}`, revision, type, { customerId: id, ...data }, { occurredAt: at, actor });
  const c1 = cust('C1');
  const scores = { cooperationHistory: 4, payment: 4, reputation: 4, integrity: 5, demand: 3 };
  const submitted = (changeId: string, kind: string, fields: string[], extra: Record<string, unknown>, roles = ['checker', 'manager'], quorum = 1) => ({
    changeId,
    kind,
    fields,
    maker: 'li.na',
    ...extra,
    step: step(roles, quorum, cn('2026-10-13T09:00:00')),
    basis,
  });
  const decided = (changeId: string, kind: string, verdict: string, outcome: string, by: string, role: string, at: string, extra: Record<string, unknown> = {}) => ({
    changeId,
    kind,
    step: 'approval',
    verdict,
    decidedBy: by,
    role,
    at,
    outcome,
    approvals: verdict === 'approve' ? [by] : [],
    onTime: true,
    ...extra,
  });
  const makerChecker = [
    c1(0, 'CustomerChangeSubmitted', { ...submitted('C1-1', 'registration', ['name', 'phone', 'type', 'importance', 'grade'], { registration: { name: '上海某物业', phone: '13800138000', type: 'owner', importance: 'key', grade: 'C' } }), submittedAt: '2026-10-09T01:00:00.000Z' }, '2026-10-09T01:00:00.000Z'),
    c1(1, 'CustomerChangeSubmitted', { ...submitted('C1-2', 'key_account', ['importance'], { importance: { from: 'ordinary', to: 'key' } }, ['sales_vp'], 2), submittedAt: '2026-10-09T01:00:00.000Z' }, '2026-10-09T01:00:00.000Z'),
    c1(2, 'CustomerChangeDecided', decided('C1-1', 'registration', 'approve', 'approved', 'xu.he', 'checker', '2026-10-09T02:00:00.000Z'), '2026-10-09T02:00:00.000Z', 'xu.he'),
    c1(3, 'CustomerRegistered', { name: '上海某物业', phone: '13800138000', type: 'owner', importance: 'ordinary', grade: 'C' }, '2026-10-09T02:00:00.000Z', 'xu.he'),
    c1(4, 'CustomerChangeSubmitted', { ...submitted('C1-3', 'contact', ['phone'], { contact: { phone: '13900139000' } }), submittedAt: '2026-10-09T03:00:00.000Z' }, '2026-10-09T03:00:00.000Z'),
    c1(5, 'CustomerChangeSubmitted', { ...submitted('C1-4', 'grade', ['grade', 'scores'], { grade: { from: 'C', to: 'B', scores, total: 20 }, reason: '年度评级' }, ['manager', 'general_manager']), submittedAt: '2026-10-09T03:00:00.000Z' }, '2026-10-09T03:00:00.000Z'),
    c1(6, 'CustomerChangeDecided', decided('C1-2', 'key_account', 'approve', 'pending', 'liu.yang', 'sales_vp', '2026-10-09T04:00:00.000Z'), '2026-10-09T04:00:00.000Z', 'liu.yang'),
    c1(7, 'CustomerChangeDecided', decided('C1-4', 'grade', 'approve', 'approved', 'qian.feng', 'manager', '2026-10-09T05:00:00.000Z', { noticeRef: '客字12号' }), '2026-10-09T05:00:00.000Z', 'qian.feng'),
    c1(8, 'CustomerGradeChanged', { changeId: 'C1-4', from: 'C', to: 'B', scores, total: 20, noticeRef: '客字12号', approvedBy: ['qian.feng'], effectiveOn: '2026-10-09' }, '2026-10-09T05:00:00.000Z', 'qian.feng'),
    c1(9, 'CustomerChangeDecided', decided('C1-3', 'contact', 'reject', 'rejected', 'xu.he', 'checker', '2026-10-09T06:00:00.000Z', { reason: '号码无法接通' }), '2026-10-09T06:00:00.000Z', 'xu.he'),
    c1(10, 'CustomerSecondReviewRequested', { changeId: 'C1-3', kind: 'contact', reason: '客户书面确认', requestedBy: 'li.na', at: '2026-10-09T07:00:00.000Z', step: step(['general_manager'], 1, cn('2026-10-13T15:00:00'), 'second_review'), basis }, '2026-10-09T07:00:00.000Z'),
    c1(11, 'CustomerChangeSubmitted', { ...submitted('C1-5', 'flag', ['blacklist'], { flag: { flag: 'blacklist', set: true, reason: '恶意拖欠' }, reason: '恶意拖欠' }), submittedAt: '2026-10-09T07:30:00.000Z' }, '2026-10-09T07:30:00.000Z'),
    c1(12, 'CustomerChangeDecided', decided('C1-5', 'flag', 'approve', 'approved', 'xu.he', 'checker', '2026-10-09T08:00:00.000Z'), '2026-10-09T08:00:00.000Z', 'xu.he'),
    c1(13, 'CustomerFlagChanged', { changeId: 'C1-5', flag: 'blacklist', set: true, reason: '恶意拖欠' }, '2026-10-09T08:00:00.000Z', 'xu.he'),
    c1(14, 'CustomerApprovalEscalated', { changeId: 'C1-2', deadline: 'approval', level: 1, role: 'manager', dueAt: cn('2026-10-13T09:00:00'), escalateAt: cn('2026-10-13T09:00:00'), reason: 'x' }, '2026-10-13T01:00:00.000Z', 'taizhang'),
  ];

  it('customers under maker-checker: status, pending changes on the row, flags, the grade history with the written notice', () => {
    expect(given(makerChecker.slice(0, 2)).rows(customersLedger)).toEqual([
      expect.objectContaining({ customer_id: 'C1', status: 'pending', name: '上海某物业', importance: 'ordinary', customer_class: 'ordinary', pending_changes: 2, pending_summary: 'C1-1 registration; C1-2 importance ordinary→key', registered_at: null, registered_by: 'li.na' }),
    ]);
    expect(given(makerChecker).rows(customersLedger)).toEqual([
      {
        customer_id: 'C1',
        status: 'registered',
        name: '上海某物业',
        contact_person: null,
        phone: '13800138000',
        email: null,
        address: null,
        type: 'owner',
        party: 'person', // an owner (业主) registered without a party of its own
        importance: 'ordinary',
        grade: 'B',
        customer_class: 'ordinary',
        sla_class_reason: '普通客户，非 A 级',
        account_manager: null,
        blacklisted: 1,
        repeated_claims: 0,
        pending_changes: 2,
        pending_summary: 'C1-2 importance ordinary→key; C1-3 contact (second review)',
        grade_scores: '合作历史 4, 付款情况 4, 信誉度 4, 诚信度 5, 需求量 3 (20/25)',
        grade_history: 'C→B 2026-10-09 qian.feng 文号 客字12号',
        registered_at: '2026-10-09T02:00:00.000Z',
        registered_by: 'li.na',
        approved_by: 'xu.he',
        updated_at: '2026-10-09T08:00:00.000Z',
        revision: 13,
      },
    ]);
    // A rejected registration is no customer (and counts for no KPI: it was never registered).
    const c2 = cust('C2');
    const rejected = given([
      c2(0, 'CustomerChangeSubmitted', { ...submitted('C2-1', 'registration', ['name'], { registration: { name: '某公司', type: 'potential', importance: 'ordinary', grade: 'C' } }), submittedAt: '2026-10-09T01:00:00.000Z' }, '2026-10-09T01:00:00.000Z'),
      c2(1, 'CustomerChangeDecided', decided('C2-1', 'registration', 'reject', 'rejected', 'xu.he', 'checker', '2026-10-09T02:00:00.000Z', { reason: '重复登记' }), '2026-10-09T02:00:00.000Z', 'xu.he'),
    ]).rows(customersLedger);
    expect(rejected).toEqual([expect.objectContaining({ customer_id: 'C2', status: 'rejected', pending_changes: 0, pending_summary: null, registered_at: null })]);
  });

  it('customer_changes: one row per change, who submitted it, by when, who approved, who decided and why, the second review', () => {
    const rows = given(makerChecker).rows(customerChangesLedger);
    const common = { customer_id: 'C1', maker: 'li.na', proposed_contact_person: null, proposed_email: null, proposed_address: null };
    expect(rows).toEqual([
      {
        ...common,
        change_id: 'C1-1',
        kind: 'registration',
        fields: 'name, phone, type, importance, grade',
        summary: 'registration',
        status: 'approved',
        request_reason: null,
        submitted_at: '2026-10-09T01:00:00.000Z',
        due_at: cn('2026-10-13T09:00:00'),
        checkers: 'checker, manager',
        approvals: 'xu.he',
        decided_by: 'xu.he',
        decided_at: '2026-10-09T02:00:00.000Z',
        reason: null,
        notice_ref: null,
        second_review: null,
        escalation_level: 0,
        proposed_name: '上海某物业',
        party: 'person',
        proposed_phone: '13800138000',
        updated_at: '2026-10-09T02:00:00.000Z',
        revision: 2,
      },
      expect.objectContaining({ change_id: 'C1-2', kind: 'key_account', summary: 'importance ordinary→key', status: 'pending', checkers: 'sales_vp ×2', approvals: 'liu.yang', decided_by: null, escalation_level: 1, revision: 14 }),
      expect.objectContaining({
        change_id: 'C1-3',
        kind: 'contact',
        fields: 'phone',
        status: 'second_review',
        decided_by: 'xu.he',
        reason: '号码无法接通',
        due_at: cn('2026-10-13T15:00:00'),
        checkers: 'general_manager',
        second_review: 'requested by li.na at 2026-10-09T07:00:00.000Z: 客户书面确认',
        proposed_name: null,
        party: null,
        proposed_phone: '13900139000',
      }),
      expect.objectContaining({ change_id: 'C1-4', kind: 'grade', summary: 'grade C→B', status: 'approved', request_reason: '年度评级', checkers: 'manager, general_manager', decided_by: 'qian.feng', notice_ref: '客字12号' }),
      expect.objectContaining({ change_id: 'C1-5', kind: 'flag', summary: 'blacklist on', status: 'approved', request_reason: '恶意拖欠', decided_by: 'xu.he' }),
    ]);
    // Proposed contact values are personal data: only in columns marked as such.
    const pii = Object.fromEntries(customerChangesLedger.columns.filter((c) => c.pii).map((c) => [c.name, c.pii]));
    expect(pii).toEqual({ proposed_name: 'person_name', proposed_contact_person: 'person_name', proposed_phone: 'phone', proposed_email: 'email', proposed_address: 'address' });
    // Approval escalations of customers share the escalations ledger.
    const escalations = LEDGERS.find((l) => l.name === 'escalations')!;
    expect(given(makerChecker).rows(escalations)).toEqual([expect.objectContaining({ process: 'customer', subject_id: 'C1', kind: 'escalation', deadline: 'approval', level: 1, target_role: 'manager' })]);
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
        policy: 'default@4',
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
        policy: 'default@4',
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
    // surveys, survey_responses and corrective_actions: test/projections/survey-ledgers.test.ts; resolutions:
    // test/projections/kpi-reopen.test.ts
    const specified = ['changes', 'change_steps', 'customers', 'customer_changes', 'complaints', 'follow_ups', 'escalations', 'enquiries', 'surveys', 'survey_responses', 'corrective_actions', 'resolutions'];
    expect(LEDGERS.map((l) => l.name).filter((n) => !specified.includes(n))).toEqual([]);
  });
});
