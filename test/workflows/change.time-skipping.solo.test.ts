import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalRules } from '../../src/domain/approval/rules';
import type { Actor } from '../../src/domain/process';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import type { RecordedEvent } from '../../src/events/envelope';
import { changeProcess } from '../../src/processes/change';
import type { ChangeEvent } from '../../src/processes/change/schemas';
import { registered } from '../support/events';
import { recordHistory } from '../support/histories';
import { startWorkerStack, type WorkerStack } from '../support/temporal';

/**
 * A change request on the kernel under the DEFAULT policy, on the time-skipping server whose clock starts on Wednesday
 * 30 September 2026 just before 16:00 (Beijing time): the review's two working days run across the National Day
 * holiday (1–7 October) and its 调休 make-up Saturday; warnings, escalations and the inactivity rule of a stalled
 * implementation (2 weeks, 1 month, 3 months) each fire at the instant computed, to the second.
 */
const SUBMIT_AT = Date.parse('2026-09-30T16:00:00+08:00');

describe('change request workflow under the default policy (time-skipping, from 2026-09-30 16:00)', () => {
  let w: WorkerStack;
  const li: Actor = { actor: 'li.na', role: 'agent' };
  const customerId = 'C-TS-1';

  beforeAll(async () => {
    w = await startWorkerStack('time-skipping', { policy: DEFAULT_POLICY, startAt: new Date(SUBMIT_AT - 60_000).toISOString() });
    // The customer, registered before (its class is read from its own stream).
    await w.store.append(`customer-${customerId}`, [registered(customerId, { grade: 'B' })], { expectedRevision: 'no_stream' });
  });
  afterAll(async () => {
    await w?.close();
  });

  const events = async (id: string) => (await w.store.readStream(`change-${id}`)) as Array<RecordedEvent & ChangeEvent>;
  /** Within a second after the computed instant, never before. */
  const firedAt = (e: RecordedEvent, at: string, what: string) => {
    const late = Date.parse(e.metadata.occurredAt) - Date.parse(at);
    expect(late, `${what} fired at ${e.metadata.occurredAt}, computed ${at}`).toBeGreaterThanOrEqual(0);
    expect(late, `${what} fired at ${e.metadata.occurredAt}, computed ${at}`).toBeLessThan(1000);
  };
  // The hand-worked instants are whole minutes; the update itself may land a second after the clock reached 16:00.
  const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

  it('submitted on Wed 30 Sep at 16:00, the review is due Fri 9 Oct 16:00, warned at 11:30, escalated then and on the make-up Saturday', async () => {
    const now = await w.env.currentTimeMs();
    expect(now).toBeLessThan(SUBMIT_AT);
    await w.env.sleep(SUBMIT_AT - now);
    const { id } = await w.gateway.create(changeProcess, 'submit', { customerId, kind: 'delivery_date', description: '交付日期顺延两周', reason: '现场土建未完成', amount: 30_000, affects: '合同 HT-2026-031' }, li);
    await w.env.sleep('14 days');
    const all = await events(id);
    const submitted = all[0]!;
    if (submitted.type !== 'ChangeRequested') throw new Error(`first event is ${submitted.type}`);
    const at = submitted.data.submittedAt;
    expect(minute(at)).toBe(SUBMIT_AT / 60_000);
    // The test recomputes the deadline itself from the recorded instant, on the same policy and calendar …
    const expected = approvalRules(DEFAULT_POLICY).due('review', at);
    expect(submitted.data.review).toEqual(expected);
    // … and the calendar's answer is the one worked out by hand: 120 + 450 + 330 business minutes.
    expect(minute(expected.due)).toBe(minute('2026-10-09T16:00:00+08:00'));
    expect(minute(expected.warnAt!)).toBe(minute('2026-10-09T11:30:00+08:00'));
    expect(expected.escalations.map((e) => [e.level, e.role, minute(e.at)])).toEqual([
      [1, 'manager', minute('2026-10-09T16:00:00+08:00')],
      [2, 'general_manager', minute('2026-10-10T16:00:00+08:00')],
    ]);
    expect(submitted.data.basis).toMatchObject({ policy: 'default@5', calendar: { warnings: [] } });

    const fired = all.filter((e) => e.type === 'ChangeWarningIssued' || e.type === 'ChangeEscalated');
    expect(fired.map((e) => (e.type === 'ChangeEscalated' ? `L${e.data.level}:${e.data.role}` : 'warning'))).toEqual(['warning', 'L1:manager', 'L2:general_manager']);
    console.info(`change review: submitted ${at}; ${fired.map((e, i) => `${e.type === 'ChangeEscalated' ? `L${e.data.level}` : 'warning'} computed ${[expected.warnAt!, ...expected.escalations.map((x) => x.at)][i]} fired ${e.metadata.occurredAt}`).join('; ')}`);
    firedAt(fired[0]!, expected.warnAt!, 'warning');
    firedAt(fired[1]!, expected.escalations[0]!.at, 'level 1');
    firedAt(fired[2]!, expected.escalations[1]!.at, 'level 2');
    // Nothing else happened while it waited: the panels still owe their opinions.
    expect(all.filter((e) => (e.type as string) !== 'NotificationIssued').map((e) => e.type)).toEqual(['ChangeRequested', 'ChangeWarningIssued', 'ChangeEscalated', 'ChangeEscalated']);
    expect((await w.gateway.view(changeProcess, id)).state).toMatchObject({ status: 'reviewing', escalationLevel: 2 });
    await recordHistory(w.env.client, `change-${id}`, 'change-review-ladder');
  });

  it('a stalled implementation is reminded after 2 weeks, escalated after 1 month and shelved after 3 months', async () => {
    const { id } = await w.gateway.create(changeProcess, 'submit', { customerId, kind: 'service_plan', description: '巡检由每月一次改为每两周一次', reason: '设备负荷增加', amount: 8_000, affects: '服务合同 FW-2026-07' }, li);
    const as = (actor: string, role: Actor['role']): Actor => ({ actor, role });
    for (const who of [as('zhao.min', 'supervisor'), as('he.cai', 'finance'), as('lin.shi', 'marketing'), as('guo.zhuan', 'expert')]) await w.gateway.command(changeProcess, id, 'review', { opinion: 'agree' }, who);
    await w.gateway.command(changeProcess, id, 'approve', {}, as('qian.feng', 'manager'));
    await w.gateway.command(changeProcess, id, 'signOff', { documentRef: 'QZ-2026-201', signatory: '客户设备部 李工' }, li);
    await w.gateway.command(changeProcess, id, 'implement', { team: '运维一组', owner: 'wang.qiang' }, as('zhao.min', 'supervisor'));
    await w.env.sleep('100 days');
    const all = await events(id);
    const started = all.find((e) => e.type === 'ChangeImplementationStarted');
    if (started?.type !== 'ChangeImplementationStarted') throw new Error('not handed over');
    const i = started.data.inactivity;
    const since = started.metadata.occurredAt;
    expect(i.since).toBe(since);
    // Elapsed calendar time from the hand-over, in Beijing time.
    const rules = approvalRules(DEFAULT_POLICY).inactivity(since);
    expect(i).toEqual(rules);
    expect(Date.parse(i.remindAt) - Date.parse(since)).toBe(14 * 86_400_000);
    const local = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19);
    const plusMonths = (n: number) => {
      const d = new Date(Date.parse(since) + 8 * 3_600_000);
      d.setUTCMonth(d.getUTCMonth() + n);
      return d.toISOString().slice(0, 19);
    };
    expect(local(i.escalateAt)).toBe(plusMonths(1));
    expect(local(i.shelveAt)).toBe(plusMonths(3));

    const reminders = all.filter((e) => e.type === 'ChangeInactivityReminded' || e.type === 'ChangeShelved');
    expect(reminders.map((e) => (e.type === 'ChangeInactivityReminded' ? e.data.level : 'shelved'))).toEqual(['remind', 'escalate', 'shelved']);
    console.info(`inactivity: handed over ${since}; ${reminders.map((e, n) => `${e.type === 'ChangeShelved' ? 'shelved' : e.data.level} computed ${[i.remindAt, i.escalateAt, i.shelveAt][n]} fired ${e.metadata.occurredAt}`).join('; ')}`);
    firedAt(reminders[0]!, i.remindAt, 'reminder');
    firedAt(reminders[1]!, i.escalateAt, 'escalation');
    firedAt(reminders[2]!, i.shelveAt, 'shelving');
    // The reminder reaches the owner and their manager; the escalation the VP too.
    const notices = all.filter((e) => (e.type as string) === 'NotificationIssued').map((e) => (e.data as unknown as { recipient: string }).recipient);
    expect(notices).toEqual(expect.arrayContaining(['actor:wang.qiang', 'role:manager', 'role:sales_vp']));
    expect((await w.gateway.view(changeProcess, id)).state).toMatchObject({ status: 'shelved' });
  });
});
