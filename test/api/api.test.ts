import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

describe('HTTP API against a real worker on the Temporal dev server', () => {
  let t: TestApp;
  let app: TestApp['app'];
  let s: { store: TestApp['store'] };
  let projector: TestApp['projector'];
  beforeAll(async () => {
    t = await startTestApp();
    ({ app, projector } = t);
    s = { store: t.store };
  });
  afterAll(async () => {
    await t?.close();
  });
  const as = (role: 'agent' | 'auditor' | 'admin') => t.as(role);
  const allEvents = () => t.allEvents();

  it('/healthz checks Temporal, the store and the projector (details with a token)', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: as('agent') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', temporal: { ok: true }, store: { ok: true, kind: 'sqlite' }, projector: { ready: true } });
  });

  it('serves its OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/customers']?.post?.requestBody).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/customers', '/ledgers', '/ledgers/{name}']));
  });

  it('401 without or with an unknown token, 403 for a role that may not act', async () => {
    const none = await app.inject({ method: 'GET', url: '/ledgers/customers' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect(none.json()).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('Authorization') });
    const unknown = await app.inject({ method: 'GET', url: '/ledgers/customers', headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    expect(unknown.statusCode).toBe(401);
    const before = (await allEvents()).length;
    const forbidden = await app.inject({ method: 'POST', url: '/customers', headers: as('auditor'), payload: { name: '审计不可写' } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('auditor') });
    expect((await allEvents()).length).toBe(before);
  });

  it('registers a customer that appears in the ledger within 1 s, masked for agents and not for auditors', async () => {
    const t0 = Date.now();
    const res = await app.inject({ method: 'POST', url: '/customers', headers: as('agent'), payload: { name: '上海某科技有限公司', phone: '13800138000', grade: 'A' } });
    expect(res.statusCode).toBe(201);
    const body = res.json() as { customerId: string; position: string };
    await projector.waitFor(body.position, 1000);
    const page = await app.inject({ method: 'GET', url: `/ledgers/customers?customer_id=${body.customerId}`, headers: as('agent') });
    expect(Date.now() - t0).toBeLessThan(2000);
    // Maker-checker: the row is there at once, pending (ordinary: grade A counts once a checker approves it).
    expect(page.json()).toMatchObject({ total: 1, rows: [{ customer_id: body.customerId, status: 'pending', phone: '138****8000', grade: 'A', customer_class: 'ordinary', registered_by: 'agent-1' }] });
    const audited = await app.inject({ method: 'GET', url: `/ledgers/customers?customer_id=${body.customerId}`, headers: as('auditor') });
    expect(audited.json()).toMatchObject({ rows: [{ phone: '13800138000' }], masked: [] });
  });

  it.each([
    ['missing name', { phone: '13800138000' }, 'name'],
    ['bad phone', { name: '某公司', phone: '12345' }, 'phone'],
    ['unknown grade', { name: '某公司', grade: 'S' }, 'grade'],
    ['unknown field', { name: '某公司', vip: true }, 'vip'],
    ['bad email', { name: '某公司', email: 'not-an-email' }, 'email'],
  ])('an invalid registration (%s) gets a 400 naming the field, and nothing is appended', async (_case, payload, field) => {
    const before = await allEvents();
    const res = await app.inject({ method: 'POST', url: '/customers', headers: as('agent'), payload });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; issues: Array<{ field: string; rule: string }> };
    expect(body.error).toBe('validation');
    expect(body.issues.map((i) => i.field)).toContain(field);
    expect(body.issues.every((i) => i.rule.length > 0)).toBe(true);
    expect(await allEvents()).toEqual(before);
  });

  it('malformed JSON is a 400, not a 500', async () => {
    const res = await app.inject({ method: 'POST', url: '/customers', headers: { ...as('agent'), 'content-type': 'application/json' }, payload: '{"name":' });
    expect(res.statusCode).toBe(400);
  });

  it('an Idempotency-Key makes a retried registration return the same customer, appending once', async () => {
    const key = `retry-${randomUUID()}`;
    const send = () => app.inject({ method: 'POST', url: '/customers', headers: { ...as('agent'), 'idempotency-key': key }, payload: { name: '重试客户' } });
    const a = (await send()).json() as { customerId: string; eventIds: string[]; streamName: string };
    const b = (await send()).json() as { customerId: string; eventIds: string[] };
    expect(b).toEqual(a);
    expect(await s.store.readStream(a.streamName)).toHaveLength(1);
  });

  it('a duplicate customer id is a 409', async () => {
    const customerId = `C${randomUUID().slice(0, 8)}`;
    expect((await app.inject({ method: 'POST', url: '/customers', headers: as('agent'), payload: { customerId, name: '甲' } })).statusCode).toBe(201);
    const again = await app.inject({ method: 'POST', url: '/customers', headers: as('agent'), payload: { customerId, name: '乙' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'illegal_state', code: 'customer.already_registered' });
  });

  it('unknown ledgers and columns are client errors', async () => {
    expect((await app.inject({ method: 'GET', url: '/ledgers/nope', headers: as('admin') })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'GET', url: '/ledgers/customers?shoe_size=9', headers: as('admin') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ issues: [{ field: 'shoe_size' }] });
    expect((await app.inject({ method: 'GET', url: '/ledgers/customers?limit=-1', headers: as('admin') })).statusCode).toBe(400);
  });
});
