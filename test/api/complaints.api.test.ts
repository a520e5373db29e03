import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerProcess } from '../../src/processes/customer';
import { startTestApp, type TestApp } from '../support/app';

describe('complaint API: commands, role rules, clear 4xx with nothing appended', () => {
  let t: TestApp;
  let customerId: string;
  let complaintId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const c = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('agent'), payload: { name: '某物业', grade: 'A' } });
    customerId = (c.json() as { customerId: string; position: string }).customerId;
    // Registrations are maker-checker: a checker approves it (grade A: a key customer from then on).
    const approved = await t.gateway.command(customerProcess, customerId, 'approve', { changeId: `${customerId}-1` }, { actor: 'xu.he', role: 'checker' });
    await t.projector.waitFor(approved.position!);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (url: string, who: Parameters<TestApp['as']>[0], payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.as(who), payload: payload as object });
  const unchanged = async (fn: () => Promise<{ statusCode: number; json: () => unknown }>, status: number) => {
    const before = (await t.allEvents()).length;
    const res = await fn();
    expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
    expect((await t.allEvents()).length).toBe(before);
    return res.json() as { error: string; code?: string; message: string; issues?: Array<{ field: string; rule: string }> };
  };

  it('receives a complaint for a known customer; the key customer gets the halved targets', async () => {
    const res = await post('/complaints', 'agent', { customerId, channel: 'phone', category: 'service_attitude', severity: 'normal', summary: '客服态度差' });
    expect(res.statusCode, res.body).toBe(201);
    complaintId = (res.json() as { complaintId: string }).complaintId;
    const view = await t.app.inject({ method: 'GET', url: `/complaints/${complaintId}`, headers: t.as('agent') });
    expect(view.json()).toMatchObject({ state: { status: 'received', owner: 'agent-1', customerClass: 'key', firstResponse: { targetMinutes: 60 } }, pendingAlarms: expect.any(Array) });
    // Business time left until each open deadline, on the calendar: at most the whole target, never more.
    const left = (view.json() as { businessMinutesLeft: Record<string, number> }).businessMinutesLeft;
    expect(Object.keys(left).sort()).toEqual(['firstResponse', 'resolution']);
    expect(left.firstResponse).toBeLessThanOrEqual(60);
    expect(left.firstResponse).toBeGreaterThan(0);
  });

  it('a missing or wrong field is a 400 naming it', async () => {
    const body = await unchanged(() => post('/complaints', 'agent', { customerId, channel: 'fax', category: 'delivery', severity: 'normal' }), 400);
    expect(body.issues!.map((i) => i.field).sort()).toEqual(['channel', 'summary']);
    const rating = await unchanged(() => post(`/complaints/${complaintId}/follow-up`, 'agent', { rating: 7 }), 400);
    expect(rating.issues).toEqual([{ field: 'rating', rule: 'must be 1–5' }]);
  });

  it('an unknown complaint or customer is a 404', async () => {
    const body = await unchanged(() => post('/complaints/K-none/acknowledge', 'agent', {}), 404);
    expect(body).toMatchObject({ error: 'not_found', code: 'complaint.not_found' });
    const customer = await unchanged(() => post('/complaints', 'agent', { customerId: 'nobody', channel: 'web', category: 'other', severity: 'minor', summary: 'x' }), 404);
    expect(customer.code).toBe('customer.not_found');
  });

  it('a command in the wrong state is a 409 naming the state and the reason', async () => {
    const body = await unchanged(() => post(`/complaints/${complaintId}/verify`, 'agent', { findings: '属实' }), 409);
    expect(body.message).toMatch(/in state received: acknowledge it first/);
  });

  it('wrong role: auditors only read; an agent may not act on a colleague’s complaint', async () => {
    expect((await unchanged(() => post(`/complaints/${complaintId}/acknowledge`, 'auditor', {}), 403)).error).toBe('forbidden');
    expect((await unchanged(() => post(`/complaints/${complaintId}/acknowledge`, 'agent2', {}), 403)).message).toMatch(/belongs to agent-1/);
    expect((await unchanged(() => post(`/complaints/${complaintId}/reopen`, 'agent', { reason: 'x' }), 403)).error).toBe('forbidden');
  });

  it('the owner handles it; the ledgers show the complaint', async () => {
    for (const [path, body] of [
      ['acknowledge', {}],
      ['verify', { findings: '属实', departments: ['客服部'] }],
      ['propose', { plan: '致歉', compensation: { amountYuan: 100 } }],
      ['notify', { result: '已致歉并补偿' }],
    ] as const) {
      const res = await post(`/complaints/${complaintId}/${path}`, 'agent', body);
      expect(res.statusCode, res.body).toBe(200);
    }
    const last = await post(`/complaints/${complaintId}/follow-up`, 'agent', { rating: 4 });
    await t.projector.waitFor((last.json() as { position: string }).position);
    const page = await t.app.inject({ method: 'GET', url: `/ledgers/complaints?complaint_id=${complaintId}`, headers: t.as('auditor') });
    expect(page.json()).toMatchObject({
      total: 1,
      rows: [{ complaint_id: complaintId, status: 'followed_up', owner: 'agent-1', first_response_on_time: 1, resolution_on_time: 1, rating: 4, breached: 0, escalation_level: 0 }],
    });
    // With Prefer: return=representation a command answers with the views before and after it, in one request.
    const close = await t.app.inject({ method: 'POST', url: `/complaints/${complaintId}/close`, headers: { ...t.as('supervisor'), prefer: 'return=representation' }, payload: {} });
    expect(close.statusCode, close.body).toBe(200);
    expect(close.headers['preference-applied']).toBe('return=representation');
    const answered = close.json() as { eventTypes: string[]; before: { state: { status: string } }; view: { state: { status: string; receivedAt: string } } };
    expect(answered.eventTypes).toEqual(['ComplaintClosed']);
    expect(answered.before.state.status).toBe('followed_up');
    expect(answered.view.state.status).toBe('closed');
    expect(answered.view.state.receivedAt).toMatch(/\+08:00$/);
    // Without it, the result alone.
    const plain = await post(`/complaints/${complaintId}/reopen`, 'supervisor', { reason: '客户再次来电' });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json()).not.toHaveProperty('view');
    expect(plain.headers['preference-applied']).toBeUndefined();
  });

  it('a complaint id received again after its workflow ended meets the concurrency check: 409, nothing appended', async () => {
    const first = await post('/complaints', 'agent', { customerId, channel: 'web', category: 'other', severity: 'minor', summary: '重复编号' });
    expect(first.statusCode, first.body).toBe(201);
    const id = (first.json() as { complaintId: string }).complaintId;
    expect((await post(`/complaints/${id}/withdraw`, 'agent', { reason: '客户撤诉' })).statusCode).toBe(200);
    // The withdrawn complaint's workflow has ended: the new run starts from the known empty state and expects no stream.
    const again = await unchanged(() => post('/complaints', 'agent2', { complaintId: id, customerId, channel: 'phone', category: 'delivery', severity: 'major', summary: '另一件事', owner: 'agent-2' }), 409);
    expect(again).toMatchObject({ error: 'illegal_state', code: 'complaint.already_received' });
    const events = await t.store.readStream(`complaint-${id}`);
    expect(events.map((e) => e.type)).toEqual(['ComplaintReceived', 'ComplaintWithdrawn']);
    expect((events[0]!.data as { owner: string }).owner).toBe('agent-1');
  });

  it('the deadline calculator answers with the configured offset and names bad parameters', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/sla/deadlines?received=2026-09-30T17:30:00%2B08:00&severity=normal', headers: t.as('agent') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ firstResponseDue: '2026-10-08T10:30:00+08:00', resolutionDue: '2026-10-09T17:30:00+08:00', calendar: { warnings: [] } });
    const bad = await t.app.inject({ method: 'GET', url: '/sla/deadlines?received=yesterday&severity=huge', headers: t.as('agent') });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { issues: Array<{ field: string }> }).issues.map((i) => i.field).sort()).toEqual(['received', 'severity']);
  });
});
