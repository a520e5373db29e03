import { describe, expect, it } from 'vitest';
import { approvalRules } from '../../src/domain/approval/rules';
import { createBusinessCalendar } from '../../src/domain/calendar';
import { DomainError } from '../../src/domain/errors';
import { isNotification, type NotificationIssued } from '../../src/domain/notifications';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { decideWithNotifications, foldEntity, type Actor } from '../../src/domain/process';
import { parseOrThrow } from '../../src/domain/validation';
import { changeProcess } from '../../src/processes/change';
import { pendingChangeAlarms, type ChangeState, type OpenChange } from '../../src/processes/change/decider';
import type { ChangeEvent } from '../../src/processes/change/schemas';

const cn = (t: string) => `${t}+08:00`;
const rules = approvalRules(DEFAULT_POLICY);
const li = { actor: 'li.na', role: 'agent' as const };
const zhao = { actor: 'zhao.min', role: 'supervisor' as const };
const sun = { actor: 'sun.wei', role: 'supervisor' as const };
const he = { actor: 'he.cai', role: 'finance' as const };
const lin = { actor: 'lin.shi', role: 'marketing' as const };
const guo = { actor: 'guo.zhuan', role: 'expert' as const };
const qian = { actor: 'qian.feng', role: 'manager' as const };
const liu = { actor: 'liu.yang', role: 'sales_vp' as const };
const ma = { actor: 'ma.li', role: 'sales_vp' as const };
const zhou = { actor: 'zhou.hua', role: 'general_manager' as const };
const song = { actor: 'song.jue', role: 'committee' as const };

type Recorded = ChangeEvent | NotificationIssued;

/**
 * A change request driven the way the workflow drives it: input parsed with the command's schema, the command built by
 * its `toCommand` on the default policy's rules, decided with notifications, folded.
 */
function request(customerClass: 'key' | 'ordinary' = 'ordinary') {
  const events: Recorded[] = [];
  const state = () => foldEntity(changeProcess, events) as ChangeState;
  const run = (action: string, input: Record<string, unknown>, by: Actor, now: string): Recorded[] => {
    const spec = changeProcess.commands[action]!;
    const parsed = parseOrThrow(spec.input, input) as Record<string, unknown>;
    const command = spec.toCommand(spec.creates ? { ...parsed, customerClass } : parsed, { id: 'B1', now, by, state: state(), rules, patched: () => true });
    const out = decideWithNotifications(changeProcess, 'change-B1', command, state(), events.filter(isNotification).length);
    events.push(...(out as Recorded[]));
    return out as Recorded[];
  };
  const refused = (action: string, input: Record<string, unknown>, by: Actor, now: string): DomainError => {
    const before = events.length;
    let err: unknown;
    try {
      run(action, input, by, now);
    } catch (e) {
      err = e;
    }
    expect(err, `${action} by ${by.actor} should be refused`).toBeInstanceOf(DomainError);
    expect(events).toHaveLength(before);
    return err as DomainError;
  };
  const open = () => state() as OpenChange;
  const types = (out: Recorded[]) => out.filter((e) => !isNotification(e)).map((e) => e.type);
  return { events, state, open, run, refused, types };
}

const form = (amount: number, extra: Record<string, unknown> = {}) => ({
  changeId: 'B1',
  customerId: 'C1',
  kind: 'delivery_date',
  description: '交付日期由 10 月 20 日改为 11 月 5 日',
  reason: '客户现场未具备安装条件',
  amount,
  affects: '合同 HT-2026-031',
  wantedBy: '2026-10-15',
  ...extra,
});

const T0 = cn('2026-09-30T16:00:00');

function reviewed(amount: number, customerClass: 'key' | 'ordinary' = 'ordinary', extra: Record<string, unknown> = {}) {
  const r = request(customerClass);
  r.run('submit', form(amount, extra), li, T0);
  r.run('review', { opinion: 'agree' }, zhao, cn('2026-10-08T09:30:00'));
  r.run('review', { opinion: 'agree' }, he, cn('2026-10-08T10:00:00'));
  r.run('review', { opinion: 'conditional', comment: '需补充费用测算' }, lin, cn('2026-10-08T10:30:00'));
  r.run('review', { opinion: 'agree' }, guo, cn('2026-10-08T11:00:00'));
  return r;
}

describe('change request decider (客户变更申请书, seeds 000, 002, 004)', () => {
  it('the form asks every panel at once; its review deadline is two working days across the National Day holiday', () => {
    const r = request();
    const out = r.run('submit', form(30_000), li, T0);
    expect(r.types(out)).toEqual(['ChangeRequested']);
    // Each panel's role hears of it.
    expect(out.filter(isNotification).map((n) => n.data.recipient)).toEqual(['role:supervisor', 'role:finance', 'role:marketing', 'role:expert']);
    const s = r.open();
    expect(s).toMatchObject({ status: 'reviewing', requester: 'li.na', tier: { name: 'department', role: 'manager', quorum: 1 }, basis: { policy: 'default@5' } });
    // 16:00–18:00 on 30 Sep (120 min), 1–7 Oct off, 8 Oct in full (450), 330 min of 9 Oct: due 9 Oct 16:00.
    expect(s.review.due).toBe(cn('2026-10-09T16:00:00'));
    expect(s.review.warnAt).toBe(cn('2026-10-09T11:30:00'));
    // Level 2 at breach + 50 %: 1350 business minutes, which runs into Saturday 10 Oct, a 调休 make-up working day.
    expect(s.review.escalations).toEqual([
      { level: 1, role: 'manager', at: cn('2026-10-09T16:00:00') },
      { level: 2, role: 'general_manager', at: cn('2026-10-10T16:00:00') },
    ]);
    const calendar = createBusinessCalendar(DEFAULT_POLICY.calendar);
    expect(calendar.dayInfo('2026-10-05').kind).toBe('public_holiday');
    expect(calendar.dayInfo('2026-10-10')).toMatchObject({ weekday: 6, kind: 'makeup_workday', working: true });
    expect(pendingChangeAlarms(s).map((a) => `${a.kind}@${a.at}`)).toEqual([
      `warning@${cn('2026-10-09T11:30:00')}`,
      `escalation@${cn('2026-10-09T16:00:00')}`,
      `escalation@${cn('2026-10-10T16:00:00')}`,
    ]);
  });

  it('routes by amount and customer class: department, VP (two VPs for a key account), committee; an approved plan goes to the committee', () => {
    const route = (amount: number, customerClass: 'key' | 'ordinary', extra: Record<string, unknown> = {}) => {
      const r = request(customerClass);
      r.run('submit', form(amount, extra), li, T0);
      return r.open().tier;
    };
    expect(route(50_000, 'ordinary')).toEqual({ name: 'department', label: '部门经理', role: 'manager', quorum: 1 });
    expect(route(50_000.01, 'ordinary')).toEqual({ name: 'vp', label: '销售主管VP', role: 'sales_vp', quorum: 1 });
    expect(route(600_000, 'key')).toEqual({ name: 'vp', label: '销售主管VP', role: 'sales_vp', quorum: 2 });
    expect(route(1_000_001, 'ordinary')).toEqual({ name: 'committee', label: '决策委员会', role: 'committee', quorum: 1 });
    expect(route(1_000, 'ordinary', { changesApprovedPlan: true })).toEqual({ name: 'committee', label: '决策委员会', role: 'committee', quorum: 1 });
  });

  it('each panel gives one opinion, by a holder of its role who did not ask for the change; the last opinion sends it for approval', () => {
    const r = request();
    r.run('submit', form(30_000), li, T0);
    expect(r.refused('review', { opinion: 'agree' }, qian, cn('2026-10-08T09:00:00'))).toMatchObject({ kind: 'forbidden', code: 'approval.wrong_role' });
    expect(() => r.run('review', { opinion: 'disagree' }, he, cn('2026-10-08T09:00:00'))).toThrow(/comment: is required when the opinion is disagree/);
    r.run('review', { opinion: 'disagree', comment: '费用未列明' }, he, cn('2026-10-08T09:00:00'));
    expect(r.refused('review', { opinion: 'agree' }, { actor: 'other.finance', role: 'finance' }, cn('2026-10-08T09:10:00'))).toMatchObject({ kind: 'illegal_state', code: 'approval.already_decided' });
    r.run('review', { opinion: 'agree' }, zhao, cn('2026-10-08T09:20:00'));
    r.run('review', { opinion: 'agree' }, lin, cn('2026-10-08T09:30:00'));
    expect(r.open().status).toBe('reviewing');
    const out = r.run('review', { opinion: 'agree' }, guo, cn('2026-10-08T09:40:00'));
    expect(r.types(out)).toEqual(['ChangeReviewed', 'ChangeSentForApproval']);
    const s = r.open();
    expect(s).toMatchObject({ status: 'approving', review: { met: true, onTime: true }, approval: { step: 'approval', roles: ['manager'], quorum: 1, outcome: 'pending' } });
    // The approval's own time limit counts from the moment it was sent: two working days from Thursday 8 Oct is
    // Saturday 10 Oct, a 调休 make-up working day.
    expect(s.approval!.deadline!.due).toBe(cn('2026-10-10T09:40:00'));
    expect(out.filter(isNotification).map((n) => n.data.recipient)).toEqual(['role:manager']);
  });

  it('a small change: the department manager approves, the written sign-off, a named team implements, someone else verifies, closed', () => {
    const r = reviewed(30_000);
    r.run('approve', { reason: '同意调整' }, qian, cn('2026-10-08T14:00:00'));
    expect(r.open()).toMatchObject({ status: 'approved', wasApproved: true, signOffDue: { due: cn('2026-10-10T14:00:00') } });
    r.run('signOff', { documentRef: 'QZ-2026-118', signatory: '客户项目经理 王先生' }, li, cn('2026-10-09T10:00:00'));
    expect(r.open().signOff).toEqual({ documentRef: 'QZ-2026-118', signatory: '客户项目经理 王先生', signedOn: '2026-10-09', recordedBy: 'li.na' });
    r.run('implement', { team: '交付二组', owner: 'wang.qiang' }, zhao, cn('2026-10-09T11:00:00'));
    expect(r.open().implementation!.inactivity).toMatchObject({ remindAt: cn('2026-10-23T11:00:00'), escalateAt: cn('2026-11-09T11:00:00'), shelveAt: cn('2027-01-09T11:00:00') });
    expect(r.refused('progress', { note: '已备货' }, li, cn('2026-10-10T09:00:00'))).toMatchObject({ kind: 'forbidden', code: 'change.not_implementer' });
    r.run('progress', { note: '已备货' }, { actor: 'wang.qiang', role: 'agent' }, cn('2026-10-12T09:00:00'));
    r.run('complete', { note: '已按新日期交付' }, { actor: 'wang.qiang', role: 'agent' }, cn('2026-11-05T17:00:00'));
    expect(r.refused('verify', { passed: true, note: '自检' }, { actor: 'wang.qiang', role: 'agent' }, cn('2026-11-06T09:00:00'))).toMatchObject({ kind: 'forbidden', code: 'change.verify_own_work' });
    r.run('verify', { passed: true, note: '客户签收单已核对' }, li, cn('2026-11-06T10:00:00'));
    const closed = r.run('close', {}, li, cn('2026-11-06T10:05:00'));
    expect(closed.filter(isNotification).map((n) => n.data.recipient)).toEqual(['customer:C1']);
    expect(r.open().status).toBe('closed');
    expect(changeProcess.isFinal!(r.state())).toBe(true);
  });

  it('a key account at the VP tier needs two different VPs: the same VP twice is refused and counts once', () => {
    const r = reviewed(600_000, 'key');
    const first = r.run('approve', {}, liu, cn('2026-10-08T14:00:00'));
    expect(r.types(first)).toEqual(['ChangeDecisionRecorded']);
    expect(r.open()).toMatchObject({ status: 'approving', approval: { outcome: 'pending' } });
    const twice = r.refused('approve', {}, liu, cn('2026-10-08T14:05:00'));
    expect(twice).toMatchObject({ kind: 'illegal_state', code: 'approval.already_decided_by_you' });
    expect(twice.message).toMatch(/it needs 2 different people/);
    const second = r.run('approve', {}, ma, cn('2026-10-08T15:00:00'));
    expect(r.types(second)).toEqual(['ChangeDecisionRecorded', 'ChangeApproved']);
    expect(second[1]!.data).toMatchObject({ approvers: ['liu.yang', 'ma.li'] });
    // A decided step is closed: whoever comes next is told who decided.
    expect(r.refused('approve', {}, { actor: 'third.vp', role: 'sales_vp' }, cn('2026-10-08T15:01:00'))).toMatchObject({ kind: 'illegal_state', code: 'approval.already_decided' });
  });

  it('the maker never approves: a manager who asked for the change gets a 403 on their own request', () => {
    const r = request();
    r.run('submit', form(10_000, { requester: 'qian.feng' }), li, T0);
    for (const [who, opinion] of [[zhao, 'agree'], [he, 'agree'], [lin, 'agree'], [guo, 'agree']] as const) r.run('review', { opinion }, who, cn('2026-10-08T09:00:00'));
    const own = r.refused('approve', {}, qian, cn('2026-10-08T10:00:00'));
    expect(own).toMatchObject({ kind: 'forbidden', code: 'approval.own_submission' });
    expect(own.message).toMatch(/maker-checker needs a different person/);
    expect(r.refused('approve', {}, li, cn('2026-10-08T10:00:00'))).toMatchObject({ kind: 'forbidden', code: 'approval.wrong_role' });
  });

  it('a rejection states its reason; the requester alone may ask the general manager for one second review', () => {
    const r = reviewed(30_000);
    expect(() => r.run('reject', {}, qian, cn('2026-10-08T14:00:00'))).toThrow(/reason: is required/);
    const out = r.run('reject', { reason: '超出年度预算' }, qian, cn('2026-10-08T14:00:00'));
    expect(r.types(out)).toEqual(['ChangeDecisionRecorded', 'ChangeRejected']);
    expect(out.find(isNotification)!.data).toMatchObject({ recipient: 'actor:li.na' });
    expect(r.open().status).toBe('rejected');
    expect(changeProcess.isFinal!(r.state())).toBe(false);
    expect(r.refused('secondReview', { reason: '客户愿承担费用' }, zhao, cn('2026-10-08T15:00:00'))).toMatchObject({ kind: 'forbidden', code: 'change.not_requester' });
    r.run('secondReview', { reason: '客户愿承担费用' }, li, cn('2026-10-08T15:00:00'));
    expect(r.open()).toMatchObject({ status: 'second_review', secondReview: { roles: ['general_manager'], quorum: 1, deadline: { due: cn('2026-10-10T15:00:00') } } });
    expect(r.refused('approve', {}, qian, cn('2026-10-08T16:00:00'))).toMatchObject({ code: 'approval.wrong_role' });
    const approved = r.run('approve', { reason: '费用由客户承担，同意' }, zhou, cn('2026-10-09T09:00:00'));
    expect(r.types(approved)).toEqual(['ChangeDecisionRecorded', 'ChangeApproved']);
    expect(r.open().status).toBe('approved');
  });

  it('a second review that also rejects is final; a second one is not offered', () => {
    const r = reviewed(30_000);
    r.run('reject', { reason: '超出年度预算' }, qian, cn('2026-10-08T14:00:00'));
    r.run('secondReview', { reason: '请总经理复核' }, li, cn('2026-10-08T15:00:00'));
    r.run('reject', { reason: '维持原决定' }, zhou, cn('2026-10-09T09:00:00'));
    expect(changeProcess.isFinal!(r.state())).toBe(true);
    expect(r.refused('secondReview', { reason: '再申请' }, li, cn('2026-10-09T10:00:00'))).toMatchObject({ code: 'change.second_review_used' });
  });

  it('amending an approved change sends it back through approval, to the decision committee, and voids the sign-off', () => {
    const r = reviewed(30_000);
    r.run('approve', {}, qian, cn('2026-10-08T14:00:00'));
    r.run('signOff', { documentRef: 'QZ-1', signatory: '王先生' }, li, cn('2026-10-09T10:00:00'));
    const out = r.run('amend', { amount: 45_000, reason: '客户追加安装调试' }, li, cn('2026-10-12T10:00:00'));
    expect(r.types(out)).toEqual(['ChangeAmended']);
    expect(out.find(isNotification)!.data).toMatchObject({ recipient: 'role:committee' });
    expect(r.open()).toMatchObject({ status: 'approving', round: 2, amount: 45_000, tier: { name: 'committee' }, signOff: null, approval: { roles: ['committee'], decisions: [] } });
    expect(r.refused('approve', {}, qian, cn('2026-10-12T11:00:00'))).toMatchObject({ code: 'approval.wrong_role' });
    r.run('approve', {}, song, cn('2026-10-12T14:00:00'));
    expect(r.open().status).toBe('approved');
  });

  it('still in review it cannot be amended; cancelled, it takes nothing more and its alarms stop', () => {
    const r = request();
    r.run('submit', form(30_000), li, T0);
    expect(r.refused('amend', { amount: 1, reason: 'x' }, li, cn('2026-10-08T09:00:00'))).toMatchObject({ code: 'change.wrong_state' });
    expect(r.refused('cancel', { reason: '客户撤回' }, { actor: 'wang.qiang', role: 'agent' }, cn('2026-10-08T09:00:00'))).toMatchObject({ code: 'change.not_yours' });
    r.run('cancel', { reason: '客户撤回' }, li, cn('2026-10-08T09:00:00'));
    expect(pendingChangeAlarms(r.state())).toEqual([]);
    expect(changeProcess.isFinal!(r.state())).toBe(true);
    expect(r.refused('review', { opinion: 'agree' }, he, cn('2026-10-08T09:10:00'))).toMatchObject({ code: 'change.wrong_state' });
  });

  it('a stalled implementation: reminded (owner and their manager), escalated to the VP, then shelved; progress resumes it', () => {
    const r = reviewed(30_000);
    r.run('approve', {}, qian, cn('2026-10-08T14:00:00'));
    r.run('signOff', { documentRef: 'QZ-2', signatory: '王先生' }, li, cn('2026-10-09T10:00:00'));
    r.run('implement', { team: '交付二组', owner: 'wang.qiang' }, zhao, cn('2026-10-09T11:00:00'));
    const fire = () => {
      const [alarm] = pendingChangeAlarms(r.state());
      const out = decideWithNotifications(changeProcess, 'change-B1', { type: 'FireAlarm', now: alarm!.at, alarm: alarm! }, r.state(), r.events.filter(isNotification).length);
      r.events.push(...(out as Recorded[]));
      return out;
    };
    const remind = fire();
    expect(remind[0]).toMatchObject({ type: 'ChangeInactivityReminded', data: { level: 'remind', at: cn('2026-10-23T11:00:00') } });
    expect(remind.filter(isNotification).map((n) => [n.data.recipient, n.data.chainOf])).toEqual([['actor:wang.qiang', undefined], ['role:manager', 'wang.qiang']]);
    const escalate = fire();
    expect(escalate[0]).toMatchObject({ type: 'ChangeInactivityReminded', data: { level: 'escalate', at: cn('2026-11-09T11:00:00'), escalateTo: 'sales_vp' } });
    expect(escalate.filter(isNotification).map((n) => n.data.recipient)).toContain('role:sales_vp');
    const shelve = fire();
    expect(shelve[0]).toMatchObject({ type: 'ChangeShelved', data: { at: cn('2027-01-09T11:00:00') } });
    expect(r.open().status).toBe('shelved');
    expect(pendingChangeAlarms(r.state())).toEqual([]);
    r.run('progress', { note: '客户现场已具备条件，恢复实施' }, { actor: 'wang.qiang', role: 'agent' }, cn('2027-02-01T09:00:00'));
    expect(r.open()).toMatchObject({ status: 'implementing', implementation: { fired: [], inactivity: { remindAt: cn('2027-02-15T09:00:00') } } });
  });

  it('approval steps warn and escalate on their deadline; a decision cancels what is still to come', () => {
    const r = reviewed(30_000);
    const alarms = pendingChangeAlarms(r.state());
    expect(alarms.map((a) => a.kind)).toEqual(['warning', 'escalation', 'escalation']);
    const esc = alarms[1]!;
    const out = decideWithNotifications(changeProcess, 'change-B1', { type: 'FireAlarm', now: esc.at, alarm: esc }, r.state(), 0);
    expect(out[0]).toMatchObject({ type: 'ChangeEscalated', data: { deadline: 'approval', level: 1, role: 'manager' } });
    r.events.push(...(out as Recorded[]));
    r.run('approve', {}, qian, cn('2026-10-13T09:00:00'));
    expect(r.open().approval).toMatchObject({ outcome: 'approved', deadline: { met: true, onTime: false } });
    // Now only the sign-off's own deadline is pending.
    expect(new Set(pendingChangeAlarms(r.state()).map((a) => (a as { deadline?: string }).deadline))).toEqual(new Set(['signoff']));
  });
});
