import type { NotificationIssued } from '../../src/domain/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalGateway } from '../../src/api/gateway';
import type { ComplaintEvent } from '../../src/processes/complaint/schemas';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { computeDeadlines } from '../../src/processes/complaint/sla';
import type { RecordedEvent } from '../../src/events/envelope';
import { recordHistory } from '../support/histories';
import { startWorkerStack, type WorkerStack } from '../support/temporal';

/**
 * The DEFAULT policy (real working hours, Chinese holidays, 调休) on the time-skipping server: days of business time
 * pass in seconds, and every warning and escalation happens at exactly the instant the calendar computes.
 */
const START_AT = '2026-10-12T08:00:00+08:00';

describe('complaintWorkflow under the default policy (time-skipping)', () => {
  let w: WorkerStack;
  let env: WorkerStack['env'];
  let s: { store: WorkerStack['store'] };
  let gateway: WorkerStack['gateway'];
  const agent = { actor: 'li', role: 'agent' as const };

  beforeAll(async () => {
    // A fixed day, so the instants (and the paused business time) never depend on the hour the suite happens to run at.
    w = await startWorkerStack('time-skipping', { startAt: START_AT });
    ({ env, gateway } = w);
    s = w;
  });
  afterAll(async () => {
    await w?.close();
  });

  const receive = (severity: 'major' | 'normal' | 'minor', customerClass: 'key' | 'ordinary') =>
    gateway.receiveComplaint(
      { customerId: 'C1', channel: 'phone', category: 'delivery', severity, summary: '交付延迟' },
      agent,
      { policy: DEFAULT_POLICY, customerClass },
    );
  const events = async (complaintId: string) => (await s.store.readStream(`complaint-${complaintId}`)) as Array<RecordedEvent & (ComplaintEvent | NotificationIssued)>;

  it('a normal complaint left untouched climbs the whole ladder, each step at the computed instant to the second', async () => {
    const { complaintId } = await receive('normal', 'ordinary');
    await env.sleep('20 days');
    const all = await events(complaintId);
    const received = all[0]!;
    expect(received.type).toBe('ComplaintReceived');
    if (received.type !== 'ComplaintReceived') throw new Error('unreachable');
    // The test computes the deadlines itself from the receipt instant, on the same calendar and policy.
    const expected = computeDeadlines({ receivedAt: received.data.receivedAt, severity: 'normal', customerClass: 'ordinary' }, DEFAULT_POLICY);
    expect(received.data.firstResponse.due).toBe(expected.firstResponseDue);
    expect(received.data.resolution.due).toBe(expected.resolutionDue);

    const fired = all.filter((e) => e.type === 'ComplaintEscalated' || e.type === 'DeadlineWarningIssued');
    const got = fired.map((e) =>
      e.type === 'ComplaintEscalated' ? { what: `${e.data.deadline}:L${e.data.level}:${e.data.role}`, at: e.metadata.occurredAt } : { what: `${e.data.deadline}:warning`, at: e.metadata.occurredAt },
    );
    const want = [expected.firstResponse, expected.resolution].flatMap((d) => [
      { what: `${d.kind}:warning`, at: d.warnAt! },
      ...d.escalations.map((x) => ({ what: `${d.kind}:L${x.level}:${x.role}`, at: x.at })),
    ]);
    // The ladder: warning, 客服主管, 部门经理, 总经理, for both deadlines.
    expect(got.map((g) => g.what).sort()).toEqual(want.map((w) => w.what).sort());
    expect(want.filter((w) => w.what.startsWith('resolution:L')).map((w) => w.what)).toEqual(['resolution:L1:supervisor', 'resolution:L2:manager', 'resolution:L3:general_manager']);
    for (const w of want) {
      // To the second, and never before: 0 ≤ fired − computed < 1 s.
      const g = got.find((x) => x.what === w.what)!;
      const late = Date.parse(g.at) - Date.parse(w.at);
      expect(late, `${w.what} fired at ${g.at}, computed ${w.at}`).toBeGreaterThanOrEqual(0);
      expect(late, `${w.what} fired at ${g.at}, computed ${w.at}`).toBeLessThan(1000);
    }
    // Each escalation was announced once, to its role.
    const notices = all.filter((e) => e.type === 'NotificationIssued');
    expect(notices.filter((n) => n.type === 'NotificationIssued' && n.data.recipient === 'role:general_manager')).toHaveLength(2);
    expect(new Set(notices.map((n) => (n.type === 'NotificationIssued' ? n.data.key : ''))).size).toBe(notices.length);
    const view = await gateway.complaint(complaintId);
    expect(view.state).toMatchObject({ escalationLevel: 3, breached: true });
    await recordHistory(env.client, `complaint-${complaintId}`, 'complaint-untouched-ladder');
  });

  it('a complaint handled in time never escalates', async () => {
    const { complaintId } = await receive('normal', 'ordinary');
    const policy = { policy: DEFAULT_POLICY };
    await gateway.complaintCommand(complaintId, 'acknowledge', { note: '已联系客户' }, agent, policy);
    await gateway.complaintCommand(complaintId, 'verify', { findings: '属实', departments: ['物流部'] }, agent, policy);
    await gateway.complaintCommand(complaintId, 'propose', { plan: '补发' }, agent, policy);
    await gateway.complaintCommand(complaintId, 'notify', { result: '已补发' }, agent, policy);
    await env.sleep('2 days');
    const all = await events(complaintId);
    expect(all.filter((e) => e.type === 'ComplaintEscalated' || e.type === 'DeadlineWarningIssued')).toEqual([]);
    expect(all.find((e) => e.type === 'ComplaintAcknowledged')!.data).toMatchObject({ onTime: true });
    await recordHistory(env.client, `complaint-${complaintId}`, 'complaint-handled-in-time');
  });

  it('the whole process: pause and resume, a negative follow-up reopens, then a satisfied one closes it', async () => {
    // Tuesday 10 November 2026, 08:00 Beijing time, before the working day begins (the earlier tests slept 22 days).
    const at = Date.parse('2026-11-10T08:00:00+08:00');
    const now = await env.currentTimeMs();
    expect(now).toBeLessThan(at);
    await env.sleep(at - now);
    const { complaintId } = await receive('minor', 'ordinary');
    const policy = { policy: DEFAULT_POLICY };
    const cmd = (action: Parameters<TemporalGateway['complaintCommand']>[1], data: unknown, by = agent) => gateway.complaintCommand(complaintId, action, data, by, policy);
    await cmd('pause', { reason: '等待客户补充材料' });
    await env.sleep('3 hours');
    await cmd('resume', {});
    await cmd('acknowledge', {});
    await cmd('verify', { findings: '属实', departments: [] });
    await cmd('propose', { plan: '更换' });
    await cmd('notify', { result: '已更换' });
    await cmd('followUp', { rating: 1, comment: '仍有问题' });
    await cmd('verify', { findings: '复查属实', departments: ['质检部'] });
    await cmd('propose', { plan: '退款' });
    await cmd('notify', { result: '已退款' });
    await cmd('followUp', { rating: 5 });
    await cmd('close', {});
    const all = await events(complaintId);
    expect(all.map((e) => e.type).filter((t) => t !== 'NotificationIssued' && t !== 'DeadlineWarningIssued' && t !== 'ComplaintEscalated')).toEqual([
      'ComplaintReceived',
      'ComplaintPaused',
      'ComplaintResumed',
      'ComplaintAcknowledged',
      'ComplaintVerified',
      'ResolutionProposed',
      'CustomerNotified',
      'FollowUpRecorded',
      'ComplaintReopened',
      'ComplaintVerified',
      'ResolutionProposed',
      'CustomerNotified',
      'FollowUpRecorded',
      'ComplaintClosed',
    ]);
    const resumed = all.find((e) => e.type === 'ComplaintResumed')!;
    if (resumed.type !== 'ComplaintResumed') throw new Error('unreachable');
    // Paused from just after 08:00 for 3 hours: the clock stood still for the 2 working hours from 09:00 to 11:00.
    expect(resumed.data.pausedBusinessMinutes).toBeCloseTo(120, 1);
    // The workflow ends with the complaint; a closed complaint can still be reopened (a new run reloads the stream).
    await env.client.workflow.getHandle(`complaint-${complaintId}`).result();
    await recordHistory(env.client, `complaint-${complaintId}`, 'complaint-full-process');
    await gateway.complaintCommand(complaintId, 'reopen', { reason: '客户再次投诉' }, { actor: 'zhao', role: 'supervisor' }, policy);
    const view = await gateway.complaint(complaintId);
    expect(view.state).toMatchObject({ status: 'acknowledged', reopenCount: 2 });
  });

  it('a key customer climbs on the halved targets', async () => {
    const { complaintId } = await receive('normal', 'key');
    await env.sleep('10 days');
    const all = await events(complaintId);
    const received = all[0]!;
    if (received.type !== 'ComplaintReceived') throw new Error('unreachable');
    const key = computeDeadlines({ receivedAt: received.data.receivedAt, severity: 'normal', customerClass: 'key' }, DEFAULT_POLICY);
    const ordinary = computeDeadlines({ receivedAt: received.data.receivedAt, severity: 'normal', customerClass: 'ordinary' }, DEFAULT_POLICY);
    expect(key.firstResponse.targetMinutes).toBe(ordinary.firstResponse.targetMinutes / 2);
    expect(key.resolution.targetMinutes).toBe(ordinary.resolution.targetMinutes / 2);
    const first = all.find((e) => e.type === 'ComplaintEscalated' && e.data.deadline === 'resolution' && e.data.level === 1)!;
    const late = Date.parse(first.metadata.occurredAt) - Date.parse(key.resolutionDue);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1000);
    expect(all.filter((e) => e.type === 'ComplaintEscalated')).toHaveLength(6);
  });
});
