import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy';
import { ERASED } from '../../src/domain/pii';
import { startTestApp, type TestApp } from '../support/app';
import { filesUnder } from '../support/store';

const policy: Policy = {
  ...DEFAULT_POLICY,
  approvals: { ...DEFAULT_POLICY.approvals, masterData: { ...DEFAULT_POLICY.approvals.masterData, checkers: ['checker', 'manager', 'supervisor'] } },
};

/**
 * Erasure by crypto-shredding (PIPL 删除权): personal fields are sealed with the customer's data key from the moment the
 * API receives them; an approved erasure destroys the key. Every view then reads [已删除], the hash chain still
 * verifies (it covers the ciphertext), and no file of the data directory holds the values any more.
 */
describe('erasing a customer', () => {
  let t: TestApp;
  let customerId: string;
  const person = { name: '王建国', contactPerson: '王建国', phone: '13987654321', email: 'wang.jianguo@example.cn', address: '浙江省杭州市西湖区文三路 88 号 3 幢 1201' };
  const post = (url: string, who: Parameters<TestApp['as']>[0], payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.as(who), payload: payload as object });
  const get = (url: string, who: Parameters<TestApp['as']>[0]) => t.app.inject({ method: 'GET', url, headers: t.as(who) });
  const waitFor = async (r: { json(): unknown }) => t.projector.waitFor((r.json() as { position: string }).position);
  let beforeErasure: string;

  beforeAll(async () => {
    t = await startTestApp(policy);
    const r = await post('/customers', 'agent', { ...person, type: 'owner', grade: 'B' });
    expect(r.statusCode, r.body).toBe(201);
    customerId = (r.json() as { customerId: string }).customerId;
    const ok = await post(`/customers/${customerId}/approve`, 'supervisor', { changeId: `${customerId}-1` });
    expect(ok.statusCode, ok.body).toBe(200);
    for (const summary of ['电梯停运两天', '物业费账单有误，回电 13512345678']) {
      const c = await post('/complaints', 'agent', { customerId, channel: 'phone', category: 'service_attitude', severity: 'minor', summary });
      expect(c.statusCode, c.body).toBe(201);
      await waitFor(c);
    }
    await waitFor(ok);
  }, 180_000);
  afterAll(async () => t?.close());

  it('keeps personal data sealed at rest: the event store holds ciphertext, people see it by role', async () => {
    const events = JSON.stringify(await t.allEvents());
    for (const v of [person.phone, person.email, person.address, person.name]) expect(events).not.toContain(v);
    expect(events).toContain('tzpii:1:phone:');
    const admin = (await get(`/ledgers/customers?customer_id=${customerId}`, 'admin')).json() as { rows: Array<Record<string, unknown>> };
    expect(admin.rows[0]).toMatchObject({ name: person.name, phone: person.phone, email: person.email, address: person.address });
    const agent = (await get(`/ledgers/customers?customer_id=${customerId}`, 'agent')).json() as { rows: Array<Record<string, unknown>> };
    expect(agent.rows[0]).toMatchObject({ phone: '139****4321', name: '王**' });
    // A filter on the phone works for those who see it (on the opened values), never as an oracle for those who do not.
    expect(((await get(`/ledgers/customers?phone=${person.phone}`, 'supervisor')).json() as { total: number }).total).toBe(1);
    expect((await get(`/ledgers/customers?phone=${person.phone}`, 'agent')).statusCode).toBe(400);
    // A phone number typed into a complaint's summary is masked for an agent, like the fields.
    const summaries = async (who: Parameters<TestApp['as']>[0]) => JSON.stringify(((await get(`/ledgers/complaints?customer_id=${customerId}`, who)).json() as { rows: unknown[] }).rows);
    expect(await summaries('supervisor')).toContain('回电 13512345678');
    expect(await summaries('agent')).toContain('回电 135****5678');
    expect(await summaries('agent')).not.toContain('13512345678');
    // The workflow's own view is opened and masked the same way.
    expect(JSON.stringify((await get(`/customers/${customerId}`, 'supervisor')).json())).toContain(person.phone);
    expect(JSON.stringify((await get(`/customers/${customerId}`, 'agent')).json())).not.toContain(person.phone);
    beforeErasure = new Date().toISOString();
  });

  it('erases through maker-checker: every ledger, export, history and as-of view shows [已删除]; verify still passes', async () => {
    const asked = await post(`/customers/${customerId}/erase`, 'agent', { reason: '客户依《个人信息保护法》申请删除' });
    expect(asked.statusCode, asked.body).toBe(200);
    const changeId = `${customerId}-2`;
    // Not yet: the checker decides.
    expect(((await get(`/ledgers/customers?customer_id=${customerId}`, 'admin')).json() as { rows: Array<Record<string, unknown>> }).rows[0]!.phone).toBe(person.phone);
    const own = await post(`/customers/${customerId}/approve`, 'agent', { changeId });
    expect(own.statusCode).toBe(403);
    const ok = await post(`/customers/${customerId}/approve`, 'supervisor', { changeId });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((ok.json() as { eventTypes: string[] }).eventTypes).toEqual(['CustomerChangeDecided', 'CustomerErased']);
    await waitFor(ok);

    const row = ((await get(`/ledgers/customers?customer_id=${customerId}`, 'admin')).json() as { rows: Array<Record<string, unknown>> }).rows[0]!;
    expect(row).toMatchObject({ status: 'erased', name: ERASED, contact_person: ERASED, phone: ERASED, email: ERASED, address: ERASED });
    const agentRow = ((await get(`/ledgers/customers?customer_id=${customerId}`, 'agent')).json() as { rows: Array<Record<string, unknown>> }).rows[0]!;
    expect(agentRow).toMatchObject({ name: ERASED, phone: ERASED });
    const changes = ((await get(`/ledgers/customer_changes?customer_id=${customerId}`, 'admin')).json() as { rows: Array<Record<string, unknown>> }).rows;
    expect(JSON.stringify(changes)).not.toContain(person.phone);

    const csv = (await get('/ledgers/customers/export?format=csv', 'supervisor')).body;
    expect(csv).toContain(ERASED);
    for (const v of Object.values(person)) expect(csv).not.toContain(v);
    const asOf = (await get(`/ledgers/customers?customer_id=${customerId}&asOf=${encodeURIComponent(beforeErasure)}`, 'supervisor')).json() as { rows: Array<Record<string, unknown>> };
    expect(asOf.rows[0]).toMatchObject({ phone: ERASED, name: ERASED });
    const history = (await get(`/audit/history/customer-${customerId}`, 'auditor')).body;
    expect(history).toContain(ERASED);
    for (const v of Object.values(person)) expect(history).not.toContain(v);
    expect(JSON.stringify((await get(`/customers/${customerId}`, 'admin')).json())).not.toContain(person.phone);

    const verify = await post('/audit/verify', 'auditor', {});
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json()).toMatchObject({ ok: true });

    // Nothing personal can be recorded for an erased customer any more.
    const again = await post(`/customers/${customerId}/update-contact`, 'agent', { phone: '13700000000' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'customer.erased' });
  });

  it('leaves the values in no file of the data directory', async () => {
    const files = filesUnder(t.dir);
    expect(files.some((f) => f.endsWith('customer-keys.db'))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const v of [person.phone, person.email, person.address]) expect(bytes.includes(Buffer.from(v)), `${v} in ${f}`).toBe(false);
    }
  });
});
