import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempStore } from '../support/store';
import { testWorker, timeSkippingEnv } from '../support/temporal';
import { WORKFLOW_STACK_FRAMES } from '../../src/workflows/support/sandbox';
import type { deferredContactChangeWorkflow } from './fixtures/deferred';
import type { stackFramesWorkflow } from './fixtures/stack';

const DAY = 24 * 60 * 60 * 1000;

describe('durable timers on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  let s: ReturnType<typeof tempStore>;

  beforeAll(async () => {
    env = await timeSkippingEnv();
    s = tempStore();
  });
  afterAll(async () => {
    await env?.teardown();
    await s?.cleanup();
  });

  it('sleeps 3 days of workflow time in seconds of wall time, and the second event carries the later business time', async () => {
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await testWorker(env, s.store, taskQueue);
    const customerId = `C${randomUUID().slice(0, 8)}`;
    const wall0 = performance.now();
    const result = await worker.runUntil(
      env.client.workflow.execute<typeof deferredContactChangeWorkflow>('deferredContactChangeWorkflow', {
        taskQueue,
        workflowId: `deferred-${customerId}`,
        args: [
          {
            customer: { customerId, name: '王五', type: 'owner', importance: 'ordinary', grade: 'B' },
            changes: { phone: '13900139000' },
            after: '3 days',
            meta: { actor: 'tester', role: 'agent' },
          },
        ],
      }),
    );
    const wallMs = performance.now() - wall0;
    const workflowMs = result.wokeAt - result.sleptFrom;
    console.info(`time-skipping: ${(workflowMs / DAY).toFixed(2)} days of workflow time in ${(wallMs / 1000).toFixed(2)} s of wall time`);
    expect(workflowMs).toBeGreaterThanOrEqual(3 * DAY);
    expect(wallMs).toBeLessThan(15_000);

    const events = await s.store.readStream(`customer-${customerId}`);
    expect(events.map((e) => e.type)).toEqual(['CustomerRegistered', 'CustomerContactUpdated']);
    const gap = Date.parse(events[1]!.metadata.occurredAt) - Date.parse(events[0]!.metadata.occurredAt);
    expect(gap).toBeGreaterThanOrEqual(3 * DAY);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it('keeps stack traces in workflow code to a few frames (the SDK traces every promise a workflow makes)', async () => {
    const taskQueue = `tq-${randomUUID()}`;
    const worker = await testWorker(env, s.store, taskQueue);
    const frames = await worker.runUntil(env.client.workflow.execute<typeof stackFramesWorkflow>('stackFramesWorkflow', { taskQueue, workflowId: `stack-${randomUUID()}` }));
    expect(WORKFLOW_STACK_FRAMES).toBe(3);
    expect(frames).toBe(WORKFLOW_STACK_FRAMES);
  });
});
