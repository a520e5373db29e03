import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerProcess } from '../../src/processes/customer';
import { startTestApp, type TestApp } from '../support/app';

/** The latest run of a workflow id (read from the workflow itself, not the eventually consistent visibility store). */
async function latestRun(t: TestApp, workflowId: string): Promise<{ runId: string; status: string }> {
  const d = await t.env.client.workflow.getHandle(workflowId).describe();
  return { runId: d.runId, status: d.status.name };
}

/** Every run of a workflow id, with its status, from Temporal's visibility store. */
async function runsOf(t: TestApp, workflowId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const w of t.env.client.workflow.list({ query: `WorkflowId="${workflowId}"` })) statuses.push(w.status.name);
  return statuses;
}

describe('a refused command never leaves a workflow run behind', () => {
  let t: TestApp;
  let complaintId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const c = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('agent'), payload: { name: '某物业', grade: 'B' } });
    const customerId = (c.json() as { customerId: string }).customerId;
    await t.gateway.command(customerProcess, customerId, 'approve', { changeId: `${customerId}-1` }, { actor: 'xu.he', role: 'checker' });
    const res = await t.app.inject({ method: 'POST', url: '/complaints', headers: t.as('agent'), payload: { customerId, channel: 'phone', category: 'delivery', severity: 'minor', summary: '送货晚了' } });
    expect(res.statusCode, res.body).toBe(201);
    complaintId = (res.json() as { complaintId: string }).complaintId;
    // Withdrawn: the complaint's workflow has ended (completed).
    const w = await t.app.inject({ method: 'POST', url: `/complaints/${complaintId}/withdraw`, headers: t.as('agent'), payload: { reason: '客户撤诉' } });
    expect(w.statusCode, w.body).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const customer = async () => {
    const c = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('agent'), payload: { name: '另一家物业', grade: 'B' } });
    const customerId = (c.json() as { customerId: string }).customerId;
    await t.gateway.command(customerProcess, customerId, 'approve', { changeId: `${customerId}-1` }, { actor: 'xu.he', role: 'checker' });
    return customerId;
  };
  const post = (url: string, who: Parameters<TestApp['as']>[0], payload: object) => t.app.inject({ method: 'POST', url, headers: t.as(who), payload });

  it('a 403 reopening of an ended complaint (role not allowed) starts no run', async () => {
    const before = await latestRun(t, `complaint-${complaintId}`);
    expect(before.status).toBe('COMPLETED');
    const res = await post(`/complaints/${complaintId}/reopen`, 'auditor', { reason: '再看看' });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ error: 'forbidden' });
    expect(await latestRun(t, `complaint-${complaintId}`)).toEqual(before);
    expect(await runsOf(t, `complaint-${complaintId}`)).toEqual(['COMPLETED']);
  });

  it('a command the ended complaint refuses (wrong state, the decider’s owner rule) is refused before any run starts', async () => {
    const before = await latestRun(t, `complaint-${complaintId}`);
    const byState = await post(`/complaints/${complaintId}/acknowledge`, 'agent', {});
    expect(byState.statusCode, byState.body).toBe(409);
    expect(byState.json()).toMatchObject({ error: 'illegal_state' });
    const byOwner = await post(`/complaints/${complaintId}/pause`, 'agent2', { reason: '等客户回电' });
    expect(byOwner.statusCode, byOwner.body).toBeGreaterThanOrEqual(403);
    expect(await latestRun(t, `complaint-${complaintId}`)).toEqual(before);
    expect(await runsOf(t, `complaint-${complaintId}`)).toEqual(['COMPLETED']);
    const events = await t.store.readStream(`complaint-${complaintId}`);
    expect(events.map((e) => e.type)).toEqual(['ComplaintReceived', 'ComplaintWithdrawn']);
  });

  it('a closed complaint: refused reopenings start no run and none FAILED; the supervisor’s reopening still runs', async () => {
    const res = await post('/complaints', 'agent', { customerId: await customer(), channel: 'web', category: 'delivery', severity: 'minor', summary: '包装破损' });
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { complaintId: string }).complaintId;
    for (const [path, body] of [
      ['acknowledge', {}],
      ['verify', { findings: '属实', departments: ['客服部'] }],
      ['propose', { plan: '致歉' }],
      ['notify', { result: '已致歉' }],
      ['follow-up', { rating: 4 }],
    ] as const) {
      const r = await post(`/complaints/${id}/${path}`, 'agent', body);
      expect(r.statusCode, r.body).toBe(200);
    }
    expect((await post(`/complaints/${id}/close`, 'supervisor', {})).statusCode).toBe(200);
    const closed = await latestRun(t, `complaint-${id}`);
    expect(closed.status).toBe('COMPLETED');

    const byRole = await post(`/complaints/${id}/reopen`, 'agent', { reason: '客户不满意' });
    expect(byRole.statusCode, byRole.body).toBe(403);
    const byState = await post(`/complaints/${id}/verify`, 'agent', { findings: '再查' });
    expect(byState.statusCode, byState.body).toBe(409);
    expect(await latestRun(t, `complaint-${id}`)).toEqual(closed);
    expect(await runsOf(t, `complaint-${id}`)).not.toContain('FAILED');

    const reopened = await post(`/complaints/${id}/reopen`, 'supervisor', { reason: '客户不满意' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    const after = await latestRun(t, `complaint-${id}`);
    expect(after.runId).not.toBe(closed.runId);
    expect(after.status).toBe('RUNNING');
    expect(await runsOf(t, `complaint-${id}`)).not.toContain('FAILED');
    expect((await t.store.readStream(`complaint-${id}`)).at(-1)!.type).toBe('ComplaintReopened');
  });
});
