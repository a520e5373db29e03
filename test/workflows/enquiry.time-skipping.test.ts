import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { enquiryProcess } from '../../src/processes/enquiry';
import { enquiryRules } from '../../src/processes/enquiry/rules';
import { recordHistory } from '../support/histories';
import { startWorkerStack, type WorkerStack } from '../support/temporal';

/**
 * An enquiry on the kernel, with the default policy on the time-skipping server: ten business minutes to answer, the
 * warning and the ladder at the calendar's instants (across nights and weekends), an answer cancelling the rest.
 */
describe('enquiry workflow under the default policy (time-skipping)', () => {
  let w: WorkerStack;
  const li = { actor: 'li.na', role: 'agent' as const };

  beforeAll(async () => {
    w = await startWorkerStack('time-skipping', { policy: DEFAULT_POLICY });
  });
  afterAll(async () => {
    await w?.close();
  });

  const events = (id: string) => w.store.readStream(`enquiry-${id}`);

  it('left unanswered, it warns and climbs the whole ladder at the computed instants, to the second', async () => {
    const { id } = await w.gateway.create(enquiryProcess, 'receive', { channel: 'phone', topic: '保修期多长' }, li);
    await w.env.sleep('5 days');
    const all = await events(id);
    const received = all[0]!;
    expect(received.type).toBe('EnquiryReceived');
    const expected = enquiryRules(DEFAULT_POLICY).answerDeadline((received.data as { receivedAt: string }).receivedAt).answer;
    expect((received.data as { answer: unknown }).answer).toEqual(expected);
    const fired = all.filter((e) => e.type === 'EnquiryWarningIssued' || e.type === 'EnquiryEscalated');
    const want = [{ what: 'warning', at: expected.warnAt! }, ...expected.escalations.map((e) => ({ what: `L${e.level}:${e.role}`, at: e.at }))];
    expect(fired.map((e) => (e.type === 'EnquiryWarningIssued' ? 'warning' : `L${(e.data as { level: number }).level}:${(e.data as { role: string }).role}`))).toEqual(want.map((x) => x.what));
    fired.forEach((e, i) => {
      const late = Date.parse(e.metadata.occurredAt) - Date.parse(want[i]!.at);
      expect(late, `${want[i]!.what} fired at ${e.metadata.occurredAt}, computed ${want[i]!.at}`).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(1000);
    });
    // Escalations are addressed up the first-responsible person's chain.
    const notices = all.filter((e) => e.type === 'NotificationIssued').map((e) => e.data as { recipient: string; chainOf?: string });
    expect(notices.filter((n) => n.recipient.startsWith('role:'))).toEqual(expected.escalations.map((e) => expect.objectContaining({ recipient: `role:${e.role}`, chainOf: 'li.na' })));
    const view = await w.gateway.view(enquiryProcess, id);
    expect(view.state).toMatchObject({ status: 'received', escalationLevel: 3 });
    await recordHistory(w.env.client, `enquiry-${id}`, 'enquiry-untouched-ladder');
  });

  it('handed over and answered in time, nothing fires; closed, its workflow ends', async () => {
    const { id } = await w.gateway.create(enquiryProcess, 'receive', { channel: 'web', topic: '如何开发票', customerId: 'C1' }, li);
    await w.gateway.command(enquiryProcess, id, 'transfer', { department: '财务部', to: 'chen.jing', reason: '开票属财务部' }, li);
    await w.gateway.command(enquiryProcess, id, 'answer', { answer: '可在线申请电子发票' }, { actor: 'chen.jing', role: 'agent' });
    await w.gateway.command(enquiryProcess, id, 'close', {}, li);
    await w.env.sleep('2 days');
    expect((await events(id)).map((e) => e.type)).toEqual(['EnquiryReceived', 'EnquiryTransferred', 'NotificationIssued', 'EnquiryAnswered', 'EnquiryClosed']);
    const described = await w.env.client.workflow.getHandle(`enquiry-${id}`).describe();
    expect(described.status.name).toBe('COMPLETED');
    await recordHistory(w.env.client, `enquiry-${id}`, 'enquiry-handed-over');
  });
});
