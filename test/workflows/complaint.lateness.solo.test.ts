import type { NotificationIssued } from '../../src/domain/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplaintEvent } from '../../src/processes/complaint/schemas';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import type { RecordedEvent } from '../../src/events/envelope';
import { startWorkerStack, type WorkerStack } from '../support/temporal';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Wall-clock punctuality on the real dev server with the compressed (seconds, 24×7) policy. */
describe('complaintWorkflow on the dev server, compressed policy', () => {
  let w: WorkerStack;
  let env: WorkerStack['env'];
  let s: { store: WorkerStack['store'] };
  let gateway: WorkerStack['gateway'];
  const agent = { actor: 'li', role: 'agent' as const };
  const ctx = { policy: COMPRESSED_POLICY };

  beforeAll(async () => {
    w = await startWorkerStack('dev');
    ({ env, gateway } = w);
    s = w;
  });
  afterAll(async () => {
    await w?.close();
  });

  const receive = (severity: 'major' | 'normal' | 'minor') =>
    gateway.receiveComplaint({ customerId: 'C1', channel: 'web', category: 'charges', severity, summary: '多收费' }, agent, { ...ctx, customerClass: 'ordinary' });
  const events = async (id: string) => (await s.store.readStream(`complaint-${id}`)) as Array<RecordedEvent & (ComplaintEvent | NotificationIssued)>;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('over 100 complaints: warnings and escalations fire at most 1 s late (p99) and never early; in-time ones never escalate', { timeout: 90_000, retry: 1 }, async () => {
    const N = 100;
    // Complaints arrive one after another, as they do at a service desk (each is filed once the previous returns).
    const untouched = [];
    for (let i = 0; i < N; i++) untouched.push(await receive('major'));
    const acknowledged = await Promise.all(Array.from({ length: 5 }, () => receive('major')));
    await Promise.all(acknowledged.map((c) => gateway.complaintCommand(c.complaintId, 'acknowledge', {}, agent, ctx)));
    // Major, compressed: first response 4 s, resolution 12 s; the last escalation is at 24 s.
    await sleep(27_000);
    const lateness: number[] = [];
    for (const c of untouched) {
      const all = await events(c.complaintId);
      const fired = all.filter((e) => e.type === 'ComplaintEscalated' || e.type === 'DeadlineWarningIssued');
      expect(fired, c.complaintId).toHaveLength(8); // a warning and three levels, for each of the two deadlines
      for (const e of fired) {
        const scheduled = e.type === 'ComplaintEscalated' ? e.data.escalateAt : e.type === 'DeadlineWarningIssued' ? e.data.warnAt : '';
        lateness.push(Date.parse(e.metadata.occurredAt) - Date.parse(scheduled));
      }
      expect(new Set(fired.map((e) => e.id)).size).toBe(fired.length);
    }
    lateness.sort((a, b) => a - b);
    const p50 = percentile(lateness, 50);
    const p99 = percentile(lateness, 99);
    const max = lateness[lateness.length - 1]!;
    console.info(`escalation lateness over ${lateness.length} warnings/escalations of ${N} complaints: p50 ${p50} ms, p99 ${p99} ms, max ${max} ms, min ${lateness[0]} ms`);
    expect(lateness[0]).toBeGreaterThanOrEqual(0);
    expect(p99).toBeLessThanOrEqual(1000);

    for (const c of acknowledged) {
      const all = await events(c.complaintId);
      expect(all.filter((e) => e.type === 'ComplaintEscalated' && e.data.deadline === 'first_response')).toEqual([]);
      expect(all.filter((e) => e.type === 'DeadlineWarningIssued' && e.data.deadline === 'first_response')).toEqual([]);
    }
    // Wall-clock punctuality needs the machine to itself: on 2 cores another suite running alongside pushed p99 to
    // 1.45 s. One retry keeps CI from failing on a neighbour's load; the figures of both attempts are printed.
  });

  it('a paused complaint escalates later by exactly the paused time', async () => {
    const c = await receive('normal'); // first response 8 s
    await sleep(1000);
    await gateway.complaintCommand(c.complaintId, 'pause', { reason: '等待客户提供照片' }, agent, ctx);
    await sleep(3000);
    await gateway.complaintCommand(c.complaintId, 'resume', {}, agent, ctx);
    await sleep(12_000);
    const all = await events(c.complaintId);
    const received = all.find((e) => e.type === 'ComplaintReceived')!;
    const paused = all.find((e) => e.type === 'ComplaintPaused')!;
    const resumed = all.find((e) => e.type === 'ComplaintResumed')!;
    if (received.type !== 'ComplaintReceived' || paused.type !== 'ComplaintPaused' || resumed.type !== 'ComplaintResumed') throw new Error('unreachable');
    const pausedMs = Date.parse(resumed.data.resumedAt) - Date.parse(paused.data.pausedAt);
    expect(pausedMs).toBeGreaterThanOrEqual(3000);
    const original = Date.parse(received.data.firstResponse.escalations[0]!.at);
    const l1 = all.find((e) => e.type === 'ComplaintEscalated' && e.data.deadline === 'first_response' && e.data.level === 1)!;
    if (l1.type !== 'ComplaintEscalated') throw new Error('unreachable');
    expect(Date.parse(l1.data.escalateAt) - original).toBe(pausedMs);
    expect(Date.parse(l1.metadata.occurredAt)).toBeGreaterThanOrEqual(Date.parse(l1.data.escalateAt));
    expect(Date.parse(l1.metadata.occurredAt) - Date.parse(l1.data.escalateAt)).toBeLessThan(1000);
  }, 40_000);
});
