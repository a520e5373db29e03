import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities';
import { TemporalGateway } from '../../src/api/gateway';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import { complaintProcess } from '../../src/processes/complaint';
import { ALARM_TIMERS_KEPT } from '../../src/workflows/process';
import { TEST_KEYS, testDataConverter } from '../support/keys';
import { tempStore } from '../support/store';
import { devServerEnv, testLogger, workflowBundle } from '../support/temporal';

/**
 * A worker that keeps no workflow in its cache replays every history from its first event on every workflow task, as
 * a worker restarted after a crash does. Complaints on the compressed policy (the whole ladder within half a minute),
 * commanded while their timers run: every replay must meet the history its first execution wrote, so no workflow task
 * fails and every ladder completes once.
 */
describe('complaint workflows replayed on every task (no workflow cache)', () => {
  let env: TestWorkflowEnvironment;
  const s = tempStore();
  const taskQueue = `tq-${randomUUID()}`;
  let worker: Worker;
  let running: Promise<void>;
  let gateway: TemporalGateway;

  beforeAll(async () => {
    env = await devServerEnv();
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await workflowBundle(),
      dataConverter: testDataConverter,
      maxCachedWorkflows: 0,
      activities: createActivities({ store: s.store, logger: testLogger, client: env.client, commandKeys: TEST_KEYS.commandKeys }),
    });
    running = worker.run();
    gateway = new TemporalGateway(env.client, taskQueue, { store: s.store, commandKeys: TEST_KEYS.commandKeys, policy: COMPRESSED_POLICY });
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await s.cleanup();
  });

  it('no workflow task fails; each ladder is complete; commands between timers cancel none of them', async () => {
    const agent = { actor: 'li', role: 'agent' as const };
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { complaintId } = await gateway.receiveComplaint(
        { customerId: `C${i}`, channel: 'phone', category: 'delivery', severity: 'major', summary: `无缓存 ${i}`, owner: 'li' },
        agent,
        { policy: COMPRESSED_POLICY, customerClass: 'ordinary' },
      );
      ids.push(complaintId);
    }
    // One complaint is answered while its first timers run: an Update between timers, replayed on the next tasks.
    await gateway.command(complaintProcess, ids[0]!, 'acknowledge', {}, agent);
    // Another is reassigned twice: commands that leave its next alarm where it was.
    await gateway.command(complaintProcess, ids[1]!, 'assign', { to: 'wang' }, agent);
    await gateway.command(complaintProcess, ids[1]!, 'assign', { to: 'li' }, { actor: 'wang', role: 'agent' as const });
    const streams = () => Promise.all(ids.map((id) => s.store.readStream(`complaint-${id}`)));
    const ladder = (events: Awaited<ReturnType<typeof streams>>[number]) => events.filter((e) => e.type === 'ComplaintEscalated').map((e) => `${(e.data as { deadline: string }).deadline}:${(e.data as { level: number }).level}`);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const all = await streams();
      if (all.slice(1).every((e) => ladder(e).length === 6) && ladder(all[0]!).length === 3) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const id of ids) {
      const history = await env.client.workflow.getHandle(`complaint-${id}`).fetchHistory();
      const failed = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
      expect(failed.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message), `complaint ${id}`).toEqual([]);
      // A timer once started runs out: a command never cancels it (an earlier alarm would start another beside it).
      expect((history.events ?? []).filter((e) => e.timerCanceledEventAttributes), `complaint ${id}`).toEqual([]);
      const patches = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
      const named = patches.flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString())));
      expect(named.some((d) => d.includes(ALARM_TIMERS_KEPT)), `complaint ${id} records the patch of its alarm loop`).toBe(true);
    }
    const all = await streams();
    expect(ladder(all[0]!).sort()).toEqual(['resolution:1', 'resolution:2', 'resolution:3']);
    for (const events of all.slice(1)) expect(ladder(events).sort()).toEqual(['first_response:1', 'first_response:2', 'first_response:3', 'resolution:1', 'resolution:2', 'resolution:3']);
  }, 150_000);
});
