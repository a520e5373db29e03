import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

/** Enquiries (咨询) through the API routes the registry generates for them: 首问负责制, hand-over, answer, close. */
describe('enquiry API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (url: string, who: Parameters<TestApp['as']>[0], payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.as(who), payload: payload as object });

  it('received by one agent, handed to another department with the reason, answered there, closed; the ledger keeps who and when', async () => {
    const res = await post('/enquiries', 'agent', { channel: 'phone', topic: '发票如何开具', customerId: 'C1' });
    expect(res.statusCode, res.body).toBe(201);
    const { enquiryId } = res.json() as { enquiryId: string };
    expect(enquiryId).toMatch(/^E/);
    const view = await t.app.inject({ method: 'GET', url: `/enquiries/${enquiryId}`, headers: t.as('agent') });
    expect(view.json()).toMatchObject({ state: { status: 'received', owner: 'agent-1', handler: 'agent-1', answer: { targetMinutes: 10 } }, pendingAlarms: expect.any(Array) });

    // A colleague may not touch it; a blank reason is refused by the schema, appending nothing.
    expect((await post(`/enquiries/${enquiryId}/answer`, 'agent2', { answer: '我来' })).statusCode).toBe(403);
    const blank = await post(`/enquiries/${enquiryId}/transfer`, 'agent', { department: '财务部', reason: '   ' });
    expect(blank.statusCode).toBe(400);
    expect((blank.json() as { issues: Array<{ field: string; rule: string }> }).issues).toEqual([{ field: 'reason', rule: 'must not be blank' }]);

    expect((await post(`/enquiries/${enquiryId}/transfer`, 'agent', { department: '财务部', to: 'agent-2', reason: '开票属财务部' })).statusCode).toBe(200);
    const answered = await post(`/enquiries/${enquiryId}/answer`, 'agent2', { answer: '可在线申请电子发票' });
    expect(answered.statusCode, answered.body).toBe(200);
    expect((await post(`/enquiries/${enquiryId}/answer`, 'agent2', { answer: '再答一次' })).statusCode).toBe(409);
    const closed = await post(`/enquiries/${enquiryId}/close`, 'agent', {});
    expect(closed.statusCode, closed.body).toBe(200);
    await t.projector.waitFor((closed.json() as { position: string }).position);
    const page = await t.app.inject({ method: 'GET', url: `/ledgers/enquiries?enquiry_id=${enquiryId}`, headers: t.as('auditor') });
    expect(page.json()).toMatchObject({
      total: 1,
      rows: [{ enquiry_id: enquiryId, status: 'closed', owner: 'agent-1', handler: 'agent-2', department: '财务部', transfers: 1, answered_by: 'agent-2', first_contact: 0, policy: 'default@5' }],
    });
  });

  it('answered at once by whoever took it counts as 一次办结; an unknown enquiry is a 404', async () => {
    const { enquiryId } = (await post('/enquiries', 'agent', { channel: 'web', topic: '营业时间' })).json() as { enquiryId: string };
    const r = await post(`/enquiries/${enquiryId}/answer`, 'agent', { answer: '工作日 9:00–18:00' });
    await t.projector.waitFor((r.json() as { position: string }).position);
    const page = await t.app.inject({ method: 'GET', url: `/ledgers/enquiries?enquiry_id=${enquiryId}`, headers: t.as('agent') });
    expect(page.json()).toMatchObject({ rows: [{ status: 'answered', first_contact: 1, answered_on_time: 1 }] });
    expect((await post('/enquiries/E-none/answer', 'agent', { answer: 'x' })).json()).toMatchObject({ error: 'not_found', code: 'enquiry.not_found' });
  });
});
