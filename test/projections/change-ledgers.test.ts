import { describe, expect, it } from 'vitest';
import type { LedgerRow, ProjectedEvent } from '../../src/domain/ledger';
import { changeStepsLedger, changesLedger } from '../../src/processes/change/ledger';
import { changeEventSchemas } from '../../src/processes/change/schemas';
import { LEDGERS } from '../../src/projections/ledgers';
import { given, recorded } from '../support/rows';

/**
 * 变更台账 (`changes`) and 变更环节 (`change_steps`) as specifications: given these events of one change request,
 * exactly these rows. Every event's data is parsed with its own schema first, so the specifications use the shapes the
 * workflow records.
 */

type EventType = keyof typeof changeEventSchemas;
interface By {
  actor: string;
  role: string;
}

const li: By = { actor: 'li.na', role: 'agent' };
const zhao: By = { actor: 'zhao.min', role: 'supervisor' };
const he: By = { actor: 'he.cai', role: 'finance' };
const lin: By = { actor: 'lin.shi', role: 'marketing' };
const guo: By = { actor: 'guo.zhuan', role: 'expert' };
const qian: By = { actor: 'qian.feng', role: 'manager' };
const liu: By = { actor: 'liu.yang', role: 'sales_vp' };
const ma: By = { actor: 'ma.li', role: 'sales_vp' };
const zhou: By = { actor: 'zhou.hua', role: 'general_manager' };
const song: By = { actor: 'song.jue', role: 'committee' };
const wang: By = { actor: 'wang.qiang', role: 'agent' };
const system: By = { actor: 'taizhang', role: 'system' };

const basis = { policy: 'default@4', calendar: { source: 'chinese-days@1.5.7 (data 2004–2026)', warnings: [] } };
const deadline = (kind: string, due: string) => ({ kind, due, targetMinutes: 900, warnAt: null, escalations: [] });
const tracked = (kind: string, due: string) => ({ ...deadline(kind, due), met: false, onTime: null, warned: false, firedLevels: [] });
const panels = [
  { panel: 'service', label: '客服部', role: 'supervisor' },
  { panel: 'finance', label: '财务部', role: 'finance' },
  { panel: 'marketing', label: '市场部', role: 'marketing' },
  { panel: 'expert', label: '专家组', role: 'expert' },
];
const TIERS = {
  department: { name: 'department', label: '部门经理', role: 'manager', quorum: 1 },
  vpKey: { name: 'vp', label: '销售主管VP', role: 'sales_vp', quorum: 2 },
  committee: { name: 'committee', label: '决策委员会', role: 'committee', quorum: 1 },
};
const approvalStep = (tier: { role: string; quorum: number }, due: string, step = 'approval', maker = 'li.na') => ({
  step,
  roles: [tier.role],
  quorum: tier.quorum,
  maker,
  decisions: [],
  outcome: 'pending',
  deadline: tracked(step, due),
});
const inactivity = (since: string, remindAt: string, escalateAt: string, shelveAt: string) => ({ since, remindAt, escalateAt, shelveAt, escalateTo: 'sales_vp' });

/**
 * The events of one change request, numbered as its stream numbers them. `reason` is recorded in the metadata too,
 * as the workflow records a command's `reason`.
 */
function stream(changeId: string) {
  let revision = 0;
  const events: ProjectedEvent[] = [];
  const add = (type: EventType, data: Record<string, unknown>, at: string, by: By, reason?: string) => {
    const parsed: unknown = changeEventSchemas[type].parse({ changeId, ...data });
    events.push(recorded(`change-${changeId}`, revision++, type, parsed, { occurredAt: at, actor: by.actor, role: by.role, ...(reason ? { reason } : {}) }));
    return events;
  };
  /** Submitted and reviewed by all four panels (the last with a condition), sent for approval at `tier`. */
  const reviewed = (o: { amount: number; customerClass: 'key' | 'ordinary'; tier: (typeof TIERS)[keyof typeof TIERS]; approvalDue: string }) => {
    add(
      'ChangeRequested',
      {
        customerId: 'C1',
        kind: 'delivery_date',
        description: '交付日期由 10 月 20 日改为 11 月 5 日',
        reason: '客户现场未具备安装条件',
        amount: o.amount,
        affects: '合同 HT-2026-031',
        wantedBy: '2026-10-15',
        changesApprovedPlan: false,
        requester: 'li.na',
        submittedBy: 'li.na',
        customerClass: o.customerClass,
        submittedAt: '2026-10-08T01:00:00.000Z',
        panels,
        review: deadline('review', '2026-10-09T08:00:00.000Z'),
        tier: o.tier,
        basis,
      },
      '2026-10-08T01:00:00.000Z',
      li,
      '客户现场未具备安装条件',
    );
    const given = new Set<string>();
    const review = (panel: string, opinion: string, by: By, at: string, comment?: string) => {
      given.add(panel);
      const outstanding = panels.filter((p) => !given.has(p.panel)).map((p) => p.label);
      add('ChangeReviewed', { panel, opinion, ...(comment ? { comment } : {}), reviewer: by.actor, role: by.role, at, onTime: true, outstanding }, at, by);
    };
    review('service', 'agree', zhao, '2026-10-08T01:30:00.000Z');
    review('finance', 'agree', he, '2026-10-08T02:00:00.000Z');
    review('marketing', 'conditional', lin, '2026-10-08T02:30:00.000Z', '需补充费用测算');
    review('expert', 'agree', guo, '2026-10-08T03:00:00.000Z');
    add('ChangeSentForApproval', { round: 1, at: '2026-10-08T03:00:00.000Z', tier: o.tier, step: approvalStep(o.tier, o.approvalDue), basis }, '2026-10-08T03:00:00.000Z', guo);
  };
  const decision = (o: { step?: 'approval' | 'second_review'; round?: number; verdict: 'approve' | 'reject'; by: By; at: string; outcome: 'pending' | 'approved' | 'rejected'; approvals: string[]; quorum?: number; reason?: string }) =>
    add(
      'ChangeDecisionRecorded',
      { step: o.step ?? 'approval', round: o.round ?? 1, verdict: o.verdict, ...(o.reason ? { reason: o.reason } : {}), decidedBy: o.by.actor, role: o.by.role, at: o.at, outcome: o.outcome, approvals: o.approvals, quorum: o.quorum ?? 1, onTime: true },
      o.at,
      o.by,
      o.reason,
    );
  return { events, add, reviewed, decision };
}

/** The rows in the order of their stream (event ids sort as strings: `@10` before `@2`). */
const inStreamOrder = (rows: LedgerRow[]) => [...rows].sort((a, b) => Number(String(a.event_id).split('@')[1]) - Number(String(b.event_id).split('@')[1]));
const stepColumns = (rows: LedgerRow[]) => inStreamOrder(rows).map(({ event_id: _, change_id: __, ...r }) => r);
/** The row after the first `n` events only. */
const after = (events: ProjectedEvent[], n: number) => given(events.slice(0, n)).rows(changesLedger)[0];

describe('change request ledgers as specifications', () => {
  it('are the ledgers the projector keeps', () => {
    expect(LEDGERS).toContain(changesLedger);
    expect(LEDGERS).toContain(changeStepsLedger);
  });

  it('a key account: reviewed, approved by two different VPs, signed off, implemented, verified, closed', () => {
    const b = stream('B1');
    b.reviewed({ amount: 600_000, customerClass: 'key', tier: TIERS.vpKey, approvalDue: '2026-10-10T03:00:00.000Z' });
    b.decision({ verdict: 'approve', by: liu, at: '2026-10-08T06:00:00.000Z', outcome: 'pending', approvals: ['liu.yang'], quorum: 2, reason: '同意' });
    b.decision({ verdict: 'approve', by: ma, at: '2026-10-08T07:00:00.000Z', outcome: 'approved', approvals: ['liu.yang', 'ma.li'], quorum: 2 });
    b.add('ChangeApproved', { round: 1, step: 'approval', approvers: ['liu.yang', 'ma.li'], signOff: deadline('signoff', '2026-10-10T07:00:00.000Z') }, '2026-10-08T07:00:00.000Z', ma);
    b.add('ChangeSignedOff', { documentRef: 'QZ-2026-118', signatory: '客户项目经理 王先生', signedOn: '2026-10-09', recordedBy: 'li.na', onTime: true }, '2026-10-09T02:00:00.000Z', li);
    b.add(
      'ChangeImplementationStarted',
      { team: '交付二组', owner: 'wang.qiang', inactivity: inactivity('2026-10-09T03:00:00.000Z', '2026-10-23T03:00:00.000Z', '2026-11-09T03:00:00.000Z', '2027-01-09T03:00:00.000Z') },
      '2026-10-09T03:00:00.000Z',
      zhao,
    );
    b.add(
      'ChangeImplementationUpdated',
      { note: '已备货', by: 'wang.qiang', resumed: false, inactivity: inactivity('2026-10-12T01:00:00.000Z', '2026-10-26T01:00:00.000Z', '2026-11-12T01:00:00.000Z', '2027-01-12T01:00:00.000Z') },
      '2026-10-12T01:00:00.000Z',
      wang,
    );
    b.add('ChangeImplemented', { note: '已按新日期交付', by: 'wang.qiang', verify: deadline('verify', '2026-11-09T09:00:00.000Z') }, '2026-11-05T09:00:00.000Z', wang);
    b.add('ChangeVerified', { passed: true, note: '客户签收单已核对', verifiedBy: 'li.na', onTime: true }, '2026-11-06T02:00:00.000Z', li);
    b.add('ChangeClosed', {}, '2026-11-06T02:05:00.000Z', li);
    const events = b.events;

    // Just submitted: waiting for the four panels until the review's due time.
    expect(after(events, 1)).toEqual({
      change_id: 'B1',
      customer_id: 'C1',
      customer_class: 'key',
      kind: 'delivery_date',
      amount: 600_000,
      affects: '合同 HT-2026-031',
      wanted_by: '2026-10-15',
      changes_approved_plan: 0,
      requester: 'li.na',
      submitted_at: '2026-10-08T01:00:00.000Z',
      status: 'reviewing',
      step: 'review 0/4',
      waiting_for: '客服部、财务部、市场部、专家组',
      step_due: '2026-10-09T08:00:00.000Z',
      tier: 'vp',
      round: 1,
      reviews: null,
      approvers: null,
      rejected_reason: null,
      second_review: null,
      sign_off_ref: null,
      team: null,
      implementer: null,
      last_progress_at: null,
      remind_at: null,
      shelve_at: null,
      escalation_level: 0,
      closed_at: null,
      policy: 'default@4',
      updated_at: '2026-10-08T01:00:00.000Z',
      revision: 0,
    });
    const key = ({ status, step, waiting_for, step_due, tier, reviews, approvers, sign_off_ref, team, implementer, last_progress_at, remind_at, closed_at, revision }: LedgerRow) => ({
      status,
      step,
      waiting_for,
      step_due,
      tier,
      reviews,
      approvers,
      sign_off_ref,
      team,
      implementer,
      last_progress_at,
      remind_at,
      closed_at,
      revision,
    });
    const none = { sign_off_ref: null, team: null, implementer: null, last_progress_at: null, remind_at: null, closed_at: null };
    expect(key(after(events, 3)!)).toEqual({ status: 'reviewing', step: 'review 2/4', waiting_for: '市场部、专家组', step_due: '2026-10-09T08:00:00.000Z', tier: 'vp', reviews: 'service:agree,finance:agree', approvers: null, ...none, revision: 2 });
    const reviews = 'service:agree,finance:agree,marketing:conditional,expert:agree';
    // Sent for approval: the VP tier of a key account, 0 of 2 approvals.
    expect(key(after(events, 6)!)).toEqual({ status: 'approving', step: 'approval: vp 0/2', waiting_for: '销售主管VP', step_due: '2026-10-10T03:00:00.000Z', tier: 'vp', reviews, approvers: null, ...none, revision: 5 });
    expect(key(after(events, 7)!)).toEqual({ status: 'approving', step: 'approval: vp 1/2', waiting_for: '销售主管VP', step_due: '2026-10-10T03:00:00.000Z', tier: 'vp', reviews, approvers: 'liu.yang', ...none, revision: 6 });
    // The second VP decides it: it waits for the requester's written sign-off.
    expect(key(after(events, 9)!)).toEqual({ status: 'approved', step: 'signoff', waiting_for: 'li.na', step_due: '2026-10-10T07:00:00.000Z', tier: 'vp', reviews, approvers: 'liu.yang,ma.li', ...none, revision: 8 });
    expect(key(after(events, 10)!)).toEqual({ status: 'signed_off', step: 'implementation', waiting_for: null, step_due: null, tier: 'vp', reviews, approvers: 'liu.yang,ma.li', ...none, sign_off_ref: 'QZ-2026-118', revision: 9 });
    // Implementing: its owner, and the inactivity reminder counted from the last update.
    expect(key(after(events, 12)!)).toEqual({
      status: 'implementing',
      step: 'implementation',
      waiting_for: 'wang.qiang',
      step_due: '2026-10-26T01:00:00.000Z',
      tier: 'vp',
      reviews,
      approvers: 'liu.yang,ma.li',
      sign_off_ref: 'QZ-2026-118',
      team: '交付二组',
      implementer: 'wang.qiang',
      last_progress_at: '2026-10-12T01:00:00.000Z',
      remind_at: '2026-10-26T01:00:00.000Z',
      closed_at: null,
      revision: 11,
    });
    expect(after(events, 12)).toMatchObject({ shelve_at: '2027-01-12T01:00:00.000Z' });
    // Done: verification is the requester's, by its due time.
    expect(after(events, 13)).toMatchObject({ status: 'verifying', step: 'verify', waiting_for: 'li.na', step_due: '2026-11-09T09:00:00.000Z', last_progress_at: '2026-11-05T09:00:00.000Z' });
    expect(after(events, 14)).toMatchObject({ status: 'verified', step: 'close', waiting_for: 'li.na', step_due: null });

    const rows = given(events).rows(changesLedger);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      change_id: 'B1',
      customer_class: 'key',
      amount: 600_000,
      status: 'closed',
      step: 'closed',
      waiting_for: null,
      step_due: null,
      tier: 'vp',
      round: 1,
      reviews,
      approvers: 'liu.yang,ma.li',
      rejected_reason: null,
      second_review: null,
      sign_off_ref: 'QZ-2026-118',
      team: '交付二组',
      implementer: 'wang.qiang',
      last_progress_at: '2026-11-05T09:00:00.000Z',
      escalation_level: 0,
      closed_at: '2026-11-06T02:05:00.000Z',
      policy: 'default@4',
      updated_at: '2026-11-06T02:05:00.000Z',
      revision: 14,
    });

    // One step row per opinion, decision, sign-off and every later step, with who, when and why.
    expect(stepColumns(given(events).rows(changeStepsLedger))).toEqual([
      { step: 'submit', round: 1, verdict: null, actor: 'li.na', role: 'agent', at: '2026-10-08T01:00:00.000Z', reason: '客户现场未具备安装条件', document_ref: null },
      { step: 'review:service', round: null, verdict: 'agree', actor: 'zhao.min', role: 'supervisor', at: '2026-10-08T01:30:00.000Z', reason: null, document_ref: null },
      { step: 'review:finance', round: null, verdict: 'agree', actor: 'he.cai', role: 'finance', at: '2026-10-08T02:00:00.000Z', reason: null, document_ref: null },
      { step: 'review:marketing', round: null, verdict: 'conditional', actor: 'lin.shi', role: 'marketing', at: '2026-10-08T02:30:00.000Z', reason: '需补充费用测算', document_ref: null },
      { step: 'review:expert', round: null, verdict: 'agree', actor: 'guo.zhuan', role: 'expert', at: '2026-10-08T03:00:00.000Z', reason: null, document_ref: null },
      { step: 'approval', round: 1, verdict: 'approve', actor: 'liu.yang', role: 'sales_vp', at: '2026-10-08T06:00:00.000Z', reason: '同意', document_ref: null },
      { step: 'approval', round: 1, verdict: 'approve', actor: 'ma.li', role: 'sales_vp', at: '2026-10-08T07:00:00.000Z', reason: null, document_ref: null },
      { step: 'signoff', round: null, verdict: null, actor: 'li.na', role: 'agent', at: '2026-10-09T02:00:00.000Z', reason: 'signed by 客户项目经理 王先生 on 2026-10-09', document_ref: 'QZ-2026-118' },
      { step: 'implementation_started', round: null, verdict: null, actor: 'zhao.min', role: 'supervisor', at: '2026-10-09T03:00:00.000Z', reason: 'team 交付二组, owner wang.qiang', document_ref: null },
      { step: 'implementation_progress', round: null, verdict: null, actor: 'wang.qiang', role: 'agent', at: '2026-10-12T01:00:00.000Z', reason: '已备货', document_ref: null },
      { step: 'implemented', round: null, verdict: null, actor: 'wang.qiang', role: 'agent', at: '2026-11-05T09:00:00.000Z', reason: '已按新日期交付', document_ref: null },
      { step: 'verify', round: null, verdict: 'passed', actor: 'li.na', role: 'agent', at: '2026-11-06T02:00:00.000Z', reason: '客户签收单已核对', document_ref: null },
      { step: 'close', round: null, verdict: null, actor: 'li.na', role: 'agent', at: '2026-11-06T02:05:00.000Z', reason: null, document_ref: null },
    ]);
    // The events that are not a step of their own (sent for approval, approved) have no row; each row is its event.
    expect(inStreamOrder(given(events).rows(changeStepsLedger)).map((r) => r.event_id)).toEqual(
      [0, 1, 2, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14].map((n) => `change-B1@${n}`),
    );
  });

  it('rejected with its reason, then approved on the general manager’s second review', () => {
    const b = stream('B2');
    b.reviewed({ amount: 30_000, customerClass: 'ordinary', tier: TIERS.department, approvalDue: '2026-10-10T03:00:00.000Z' });
    b.decision({ verdict: 'reject', by: qian, at: '2026-10-08T06:00:00.000Z', outcome: 'rejected', approvals: [], reason: '超出年度预算' });
    b.add('ChangeRejected', { round: 1, step: 'approval', rejectedBy: 'qian.feng', reason: '超出年度预算', secondReviewOpen: true }, '2026-10-08T06:00:00.000Z', qian, '超出年度预算');
    const rejected = b.events.length;
    b.add('ChangeSecondReviewRequested', { round: 1, reason: '客户愿承担费用', requestedBy: 'li.na', step: approvalStep({ role: 'general_manager', quorum: 1 }, '2026-10-10T07:00:00.000Z', 'second_review') }, '2026-10-08T07:00:00.000Z', li, '客户愿承担费用');
    const requested = b.events.length;
    b.decision({ step: 'second_review', verdict: 'approve', by: zhou, at: '2026-10-09T01:00:00.000Z', outcome: 'approved', approvals: ['zhou.hua'], reason: '费用由客户承担，同意' });
    b.add('ChangeApproved', { round: 1, step: 'second_review', approvers: ['zhou.hua'], signOff: deadline('signoff', '2026-10-13T01:00:00.000Z') }, '2026-10-09T01:00:00.000Z', zhou, '费用由客户承担，同意');
    const events = b.events;

    const key = ({ status, step, waiting_for, step_due, tier, round, approvers, rejected_reason, second_review, revision }: LedgerRow) => ({ status, step, waiting_for, step_due, tier, round, approvers, rejected_reason, second_review, revision });
    expect(key(after(events, rejected)!)).toEqual({
      status: 'rejected',
      step: 'rejected (second review possible)',
      waiting_for: 'li.na',
      step_due: null,
      tier: 'department',
      round: 1,
      approvers: null,
      rejected_reason: '超出年度预算',
      second_review: null,
      revision: 7,
    });
    expect(key(after(events, requested)!)).toEqual({
      status: 'second_review',
      step: 'second_review',
      waiting_for: 'general_manager',
      step_due: '2026-10-10T07:00:00.000Z',
      tier: 'department',
      round: 1,
      approvers: null,
      rejected_reason: '超出年度预算',
      second_review: 'requested',
      revision: 8,
    });
    // Approved on the second review: the rejection's reason stays on the row, next to who approved it in the end.
    expect(given(events).rows(changesLedger).map(key)).toEqual([
      { status: 'approved', step: 'signoff', waiting_for: 'li.na', step_due: '2026-10-13T01:00:00.000Z', tier: 'department', round: 1, approvers: 'zhou.hua', rejected_reason: '超出年度预算', second_review: 'approved', revision: 10 },
    ]);

    const steps = stepColumns(given(events).rows(changeStepsLedger));
    expect(steps.map((r) => r.step)).toEqual(['submit', 'review:service', 'review:finance', 'review:marketing', 'review:expert', 'approval', 'second_review_requested', 'second_review']);
    expect(steps.slice(5)).toEqual([
      { step: 'approval', round: 1, verdict: 'reject', actor: 'qian.feng', role: 'manager', at: '2026-10-08T06:00:00.000Z', reason: '超出年度预算', document_ref: null },
      { step: 'second_review_requested', round: 1, verdict: null, actor: 'li.na', role: 'agent', at: '2026-10-08T07:00:00.000Z', reason: '客户愿承担费用', document_ref: null },
      { step: 'second_review', round: 1, verdict: 'approve', actor: 'zhou.hua', role: 'general_manager', at: '2026-10-09T01:00:00.000Z', reason: '费用由客户承担，同意', document_ref: null },
    ]);
  });

  it('amended after approval and hand-over: round 2 at the decision committee, sign-off and implementation voided', () => {
    const b = stream('B3');
    b.reviewed({ amount: 30_000, customerClass: 'ordinary', tier: TIERS.department, approvalDue: '2026-10-10T03:00:00.000Z' });
    b.decision({ verdict: 'approve', by: qian, at: '2026-10-08T06:00:00.000Z', outcome: 'approved', approvals: ['qian.feng'] });
    b.add('ChangeApproved', { round: 1, step: 'approval', approvers: ['qian.feng'], signOff: deadline('signoff', '2026-10-10T06:00:00.000Z') }, '2026-10-08T06:00:00.000Z', qian);
    b.add('ChangeSignedOff', { documentRef: 'QZ-1', signatory: '王先生', signedOn: '2026-10-09', recordedBy: 'li.na', onTime: true }, '2026-10-09T02:00:00.000Z', li);
    b.add(
      'ChangeImplementationStarted',
      { team: '交付二组', owner: 'wang.qiang', inactivity: inactivity('2026-10-09T03:00:00.000Z', '2026-10-23T03:00:00.000Z', '2026-11-09T03:00:00.000Z', '2027-01-09T03:00:00.000Z') },
      '2026-10-09T03:00:00.000Z',
      zhao,
    );
    const before = after(b.events, b.events.length)!;
    expect(before).toMatchObject({ status: 'implementing', tier: 'department', round: 1, approvers: 'qian.feng', sign_off_ref: 'QZ-1', team: '交付二组', implementer: 'wang.qiang', remind_at: '2026-10-23T03:00:00.000Z' });
    b.add(
      'ChangeAmended',
      {
        round: 2,
        changes: { amount: 45_000, affects: '合同 HT-2026-031 及补充协议', wantedBy: '2026-11-20' },
        reason: '客户追加安装调试',
        amendedBy: 'li.na',
        from: 'implementing',
        tier: TIERS.committee,
        step: approvalStep(TIERS.committee, '2026-10-14T02:00:00.000Z'),
        basis,
      },
      '2026-10-12T02:00:00.000Z',
      li,
      '客户追加安装调试',
    );
    const amended = b.events.length;
    b.decision({ round: 2, verdict: 'approve', by: song, at: '2026-10-13T06:00:00.000Z', outcome: 'approved', approvals: ['song.jue'], reason: '同意追加' });
    b.add('ChangeApproved', { round: 2, step: 'approval', approvers: ['song.jue'], signOff: deadline('signoff', '2026-10-15T06:00:00.000Z') }, '2026-10-13T06:00:00.000Z', song, '同意追加');
    const events = b.events;

    // Amended: the amount, the contract affected and the wanted date are the amended ones; the committee decides round 2.
    const cols = ({ status, amount, affects, wanted_by, step, waiting_for, step_due, tier, round, approvers, sign_off_ref, team, implementer, remind_at, shelve_at, revision }: LedgerRow) => ({
      status,
      amount,
      affects,
      wanted_by,
      step,
      waiting_for,
      step_due,
      tier,
      round,
      approvers,
      sign_off_ref,
      team,
      implementer,
      remind_at,
      shelve_at,
      revision,
    });
    const amendedRow = {
      status: 'approving',
      amount: 45_000,
      affects: '合同 HT-2026-031 及补充协议',
      wanted_by: '2026-11-20',
      step: 'approval: committee 0/1',
      waiting_for: '决策委员会',
      step_due: '2026-10-14T02:00:00.000Z',
      tier: 'committee',
      round: 2,
      approvers: null,
      sign_off_ref: null,
      team: null,
      implementer: null,
      remind_at: null,
      shelve_at: null,
      revision: 10,
    };
    expect(cols(after(events, amended)!)).toEqual(amendedRow);
    expect(given(events).rows(changesLedger).map(cols)).toEqual([
      { ...amendedRow, status: 'approved', step: 'signoff', waiting_for: 'li.na', step_due: '2026-10-15T06:00:00.000Z', approvers: 'song.jue', revision: 12 },
    ]);

    const steps = stepColumns(given(events).rows(changeStepsLedger));
    expect(steps.slice(5)).toEqual([
      { step: 'approval', round: 1, verdict: 'approve', actor: 'qian.feng', role: 'manager', at: '2026-10-08T06:00:00.000Z', reason: null, document_ref: null },
      { step: 'signoff', round: null, verdict: null, actor: 'li.na', role: 'agent', at: '2026-10-09T02:00:00.000Z', reason: 'signed by 王先生 on 2026-10-09', document_ref: 'QZ-1' },
      { step: 'implementation_started', round: null, verdict: null, actor: 'zhao.min', role: 'supervisor', at: '2026-10-09T03:00:00.000Z', reason: 'team 交付二组, owner wang.qiang', document_ref: null },
      { step: 'amend', round: 2, verdict: null, actor: 'li.na', role: 'agent', at: '2026-10-12T02:00:00.000Z', reason: '客户追加安装调试', document_ref: null },
      { step: 'approval', round: 2, verdict: 'approve', actor: 'song.jue', role: 'committee', at: '2026-10-13T06:00:00.000Z', reason: '同意追加', document_ref: null },
    ]);
  });

  it('a stalled implementation: reminded, shelved and resumed rows; escalations raise the level; a cancellation closes it', () => {
    const b = stream('B4');
    b.reviewed({ amount: 30_000, customerClass: 'ordinary', tier: TIERS.department, approvalDue: '2026-10-10T03:00:00.000Z' });
    b.add('ChangeEscalated', { deadline: 'approval', level: 1, role: 'manager', dueAt: '2026-10-10T03:00:00.000Z', escalateAt: '2026-10-10T03:00:00.000Z', reason: 'approval deadline 2026-10-10T03:00:00.000Z missed; escalation level 1' }, '2026-10-10T03:00:00.000Z', system, 'approval deadline 2026-10-10T03:00:00.000Z missed: escalate to manager');
    b.decision({ verdict: 'approve', by: qian, at: '2026-10-12T01:00:00.000Z', outcome: 'approved', approvals: ['qian.feng'] });
    b.add('ChangeApproved', { round: 1, step: 'approval', approvers: ['qian.feng'], signOff: deadline('signoff', '2026-10-14T01:00:00.000Z') }, '2026-10-12T01:00:00.000Z', qian);
    b.add('ChangeSignedOff', { documentRef: 'QZ-2', signatory: '王先生', signedOn: '2026-10-12', recordedBy: 'li.na', onTime: true }, '2026-10-12T02:00:00.000Z', li);
    b.add(
      'ChangeImplementationStarted',
      { team: '交付二组', owner: 'wang.qiang', inactivity: inactivity('2026-10-12T03:00:00.000Z', '2026-10-26T03:00:00.000Z', '2026-11-12T03:00:00.000Z', '2027-01-12T03:00:00.000Z') },
      '2026-10-12T03:00:00.000Z',
      zhao,
    );
    b.add('ChangeInactivityReminded', { level: 'remind', since: '2026-10-12T03:00:00.000Z', at: '2026-10-26T03:00:00.000Z', owner: 'wang.qiang' }, '2026-10-26T03:00:00.000Z', system, 'implementation not updated since 2026-10-12T03:00:00.000Z: remind its owner and their manager');
    b.add('ChangeShelved', { since: '2026-10-12T03:00:00.000Z', at: '2027-01-12T03:00:00.000Z', owner: 'wang.qiang' }, '2027-01-12T03:00:00.000Z', system, 'implementation not updated since 2026-10-12T03:00:00.000Z: shelve it (搁置)');
    const shelved = b.events.length;
    b.add(
      'ChangeImplementationUpdated',
      { note: '客户现场已具备条件，恢复实施', by: 'wang.qiang', resumed: true, inactivity: inactivity('2027-02-01T01:00:00.000Z', '2027-02-15T01:00:00.000Z', '2027-03-01T01:00:00.000Z', '2027-05-01T01:00:00.000Z') },
      '2027-02-01T01:00:00.000Z',
      wang,
    );
    const resumed = b.events.length;
    b.add('ChangeCancelled', { reason: '客户撤回', cancelledBy: 'li.na', from: 'implementing' }, '2027-02-03T01:00:00.000Z', li, '客户撤回');
    const events = b.events;

    expect(after(events, shelved)).toMatchObject({ status: 'shelved', step: 'shelved', step_due: null, escalation_level: 1 });
    expect(after(events, resumed)).toMatchObject({ status: 'implementing', step: 'implementation', step_due: '2027-02-15T01:00:00.000Z', last_progress_at: '2027-02-01T01:00:00.000Z', remind_at: '2027-02-15T01:00:00.000Z', shelve_at: '2027-05-01T01:00:00.000Z' });
    expect(given(events).rows(changesLedger)).toEqual([expect.objectContaining({ status: 'cancelled', step: 'cancelled', waiting_for: null, step_due: null, closed_at: '2027-02-03T01:00:00.000Z', escalation_level: 1, revision: 14 })]);

    // A warning or escalation is in the escalations ledger, not a step; the engine's own steps say why.
    expect(stepColumns(given(events).rows(changeStepsLedger)).slice(6)).toEqual([
      { step: 'signoff', round: null, verdict: null, actor: 'li.na', role: 'agent', at: '2026-10-12T02:00:00.000Z', reason: 'signed by 王先生 on 2026-10-12', document_ref: 'QZ-2' },
      { step: 'implementation_started', round: null, verdict: null, actor: 'zhao.min', role: 'supervisor', at: '2026-10-12T03:00:00.000Z', reason: 'team 交付二组, owner wang.qiang', document_ref: null },
      { step: 'inactivity_remind', round: null, verdict: null, actor: 'taizhang', role: 'system', at: '2026-10-26T03:00:00.000Z', reason: 'implementation not updated since 2026-10-12T03:00:00.000Z: remind its owner and their manager', document_ref: null },
      { step: 'shelved', round: null, verdict: null, actor: 'taizhang', role: 'system', at: '2027-01-12T03:00:00.000Z', reason: 'implementation not updated since 2026-10-12T03:00:00.000Z: shelve it (搁置)', document_ref: null },
      { step: 'implementation_resumed', round: null, verdict: null, actor: 'wang.qiang', role: 'agent', at: '2027-02-01T01:00:00.000Z', reason: '客户现场已具备条件，恢复实施', document_ref: null },
      { step: 'cancel', round: null, verdict: null, actor: 'li.na', role: 'agent', at: '2027-02-03T01:00:00.000Z', reason: '客户撤回', document_ref: null },
    ]);
    const escalations = LEDGERS.find((l) => l.name === 'escalations')!;
    expect(given(events).rows(escalations)).toEqual([expect.objectContaining({ process: 'change', subject_id: 'B4', kind: 'escalation', deadline: 'approval', level: 1, target_role: 'manager' })]);
  });
});
