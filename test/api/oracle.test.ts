import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger';
import { startTestApp, TOKENS, type TestApp } from '../support/app';

interface Issue {
  field: string;
  rule: string;
}

/**
 * The probe of the issue as a test: an agent, who sees phones masked, tries to recover one by filtering the customers
 * ledger over the candidates. Every guess is refused with a 400 naming the field, a burst soon meets 429s with
 * Retry-After, nothing is recovered, and the request log names actor, route and status of each request.
 */
describe('no masking oracle, against the API', () => {
  const lines: string[] = [];
  const phone = '13812345678';
  const email = 'zhang.wei@example.com';
  const perMinute = 30;
  let t: TestApp;
  let person: string;
  let organisation: string;

  const requests = () =>
    lines
      .map((l) => JSON.parse(l) as { msg: string; actor: string | null; role: string | null; http: { method: string; route: string | null; status: number } })
      .filter((l) => l.msg === 'request');

  beforeAll(async () => {
    t = await startTestApp(undefined, {
      logger: createLogger({ level: 'info', name: 'api', destination: { write: (s: string) => void lines.push(s) } }),
      rateLimitPerMinute: perMinute,
      heavyRateLimitPerMinute: 2,
    });
    const register = async (payload: Record<string, unknown>) => {
      const r = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('supervisor'), payload });
      expect(r.statusCode, r.body).toBe(201);
      const { customerId } = r.json() as { customerId: string };
      const ok = await t.app.inject({ method: 'POST', url: `/customers/${customerId}/approve`, headers: t.as('checker'), payload: { changeId: `${customerId}-1` } });
      expect(ok.statusCode, ok.body).toBe(200);
      return customerId;
    };
    person = await register({ name: '张伟', phone, email, type: 'owner', grade: 'B' });
    organisation = await register({ name: '上海宏达有限公司', contactPerson: '李娜', phone: '13900001111', type: 'potential', grade: 'A' });
    const c = await t.app.inject({
      method: 'POST',
      url: '/complaints',
      headers: t.as('supervisor'),
      payload: { customerId: person, channel: 'phone', category: 'charges', severity: 'minor', summary: `客户来电${phone}，邮箱${email}，身份证11010519491231002X，重复扣费` },
    });
    expect(c.statusCode, c.body).toBe(201);
    await t.projector.waitFor((await t.store.head()).position);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('a filter on a personal-data column is a 400 naming the field and the rule, for roles that see it masked', async () => {
    const r = await t.app.inject({ method: 'GET', url: `/ledgers/customers?phone=${phone}`, headers: t.as('agent2') });
    expect(r.statusCode).toBe(400);
    const body = r.json() as { error: string; issues: Issue[] };
    expect(body).toMatchObject({ error: 'validation', issues: [{ field: 'phone', rule: expect.stringContaining('personal data') }] });
    expect(r.body).not.toContain(phone);
    for (const q of ['name=张伟', `email=${email}`, 'contact_person=李娜', 'address=上海']) {
      const x = await t.app.inject({ method: 'GET', url: `/ledgers/customers?${encodeURI(q)}`, headers: t.as('agent2') });
      expect(x.statusCode, q).toBe(400);
      expect((x.json() as { issues: Issue[] }).issues[0]!.field).toBe(q.split('=')[0]);
    }
    // Free text: a summary filter holding a phone number is refused too.
    const summary = await t.app.inject({ method: 'GET', url: `/ledgers/complaints?summary=${encodeURIComponent(`客户来电${phone}`)}`, headers: t.as('agent2') });
    expect(summary.statusCode).toBe(400);
    expect((summary.json() as { issues: Issue[] }).issues).toEqual([{ field: 'summary', rule: expect.stringContaining('phone number') }]);
    // Those who see it unmasked may filter on it.
    const sup = await t.app.inject({ method: 'GET', url: `/ledgers/customers?phone=${phone}`, headers: t.as('supervisor') });
    expect(sup.statusCode).toBe(200);
    expect(sup.json()).toMatchObject({ total: 1, rows: [{ customer_id: person, phone }] });
  });

  it('the 10⁴-guess attack: 400s, then 429s with Retry-After, nothing recovered; the request log names actor, route and status', async () => {
    const before = requests().length;
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    // The real number is among the guesses, past the budget of one minute.
    const guesses = Array.from({ length: perMinute + 15 }, (_, i) => `138${String(1234 - perMinute - 5 + i).padStart(4, '0')}5678`);
    expect(guesses).toContain(phone);
    for (const guess of guesses) {
      const r = await t.app.inject({ method: 'GET', url: `/ledgers/customers?phone=${guess}`, headers: t.as('agent') });
      statuses.push(r.statusCode);
      expect(r.body).not.toContain(phone);
      expect(r.body).not.toContain(person);
      if (r.statusCode === 429) retryAfter ??= r.headers['retry-after'] as string | undefined;
    }
    expect(statuses.filter((s) => s === 200)).toEqual([]);
    expect(statuses.slice(0, perMinute).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(perMinute).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const logged = requests().slice(before);
    expect(logged).toHaveLength(guesses.length);
    for (const [i, l] of logged.entries()) expect(l).toMatchObject({ actor: 'agent-1', role: 'agent', http: { method: 'GET', route: '/ledgers/:name', status: statuses[i] } });
    expect(lines.join('\n')).not.toContain(phone);
    // The budget is the token's: another agent's requests still go through (refused for what they ask, not throttled).
    expect((await t.app.inject({ method: 'GET', url: '/ledgers/customers', headers: t.as('agent2') })).statusCode).toBe(200);
  });

  it('what a masked role sees: a person’s name masked and an organisation’s not, contacts masked, free text masked', async () => {
    const customers = await t.app.inject({ method: 'GET', url: '/ledgers/customers', headers: t.as('agent2') });
    const rows = (customers.json() as { rows: Array<Record<string, unknown>> }).rows;
    expect(rows.find((r) => r.customer_id === person)).toMatchObject({ name: '张*', party: 'person', phone: '138****5678', email: 'z***@example.com' });
    expect(rows.find((r) => r.customer_id === organisation)).toMatchObject({ name: '上海宏达有限公司', party: 'organisation', contact_person: '李*', phone: '139****1111' });
    const complaints = await t.app.inject({ method: 'GET', url: `/ledgers/complaints?customer_id=${person}`, headers: t.as('agent2') });
    const page = complaints.json() as { rows: Array<{ summary: string }>; masked: string[] };
    expect(page.rows[0]!.summary).toBe('客户来电138****5678，邮箱z***@example.com，身份证110***********002X，重复扣费');
    expect(page.masked).toContain('summary');
    expect(complaints.body).not.toMatch(new RegExp(`${phone}|${email}|11010519491231002X`));
    const unmasked = await t.app.inject({ method: 'GET', url: `/ledgers/complaints?customer_id=${person}`, headers: t.as('supervisor') });
    expect(unmasked.body).toContain(phone);
  });

  it('exports and as-of views need a supervisor or above, and have a budget of their own', async () => {
    const asOf = encodeURIComponent(new Date().toISOString());
    for (const url of [`/ledgers/customers?asOf=${asOf}`, '/ledgers/customers/export?format=csv']) {
      const r = await t.app.inject({ method: 'GET', url, headers: t.as('agent2') });
      expect(r.statusCode, url).toBe(403);
      expect(r.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('supervisor') });
    }
    expect((await t.app.inject({ method: 'GET', url: `/ledgers/customers?asOf=${asOf}`, headers: t.as('auditor') })).statusCode).toBe(200);
    const exports = [];
    for (let i = 0; i < 3; i++) exports.push(await t.app.inject({ method: 'GET', url: '/ledgers/customers/export?format=csv', headers: t.as('manager') }));
    expect(exports.map((r) => r.statusCode)).toEqual([200, 200, 429]);
    expect(exports[0]!.body).toContain(phone);
    expect(Number(exports[2]!.headers['retry-after'])).toBeGreaterThan(0);
    expect(exports[2]!.json()).toMatchObject({ error: 'rate_limited' });
  });

  it('unmasked reads are in the access log: actor, route, what, which customers and columns; masked reads and refusals are not', async () => {
    const history = await t.app.inject({ method: 'GET', url: `/audit/history/customer-${person}`, headers: t.as('auditor') });
    expect(history.statusCode).toBe(200);
    // A customer's record: unmasked for a supervisor (recorded), masked for an agent (not recorded).
    const viewed = await t.app.inject({ method: 'GET', url: `/customers/${person}`, headers: t.as('gm') });
    expect(viewed.statusCode).toBe(200);
    expect(viewed.body).toContain(phone);
    const masked = await t.app.inject({ method: 'GET', url: `/customers/${person}`, headers: t.as('agent2') });
    expect(masked.statusCode).toBe(200);
    expect(masked.body).not.toContain(phone);
    expect((await t.app.inject({ method: 'GET', url: '/audit/access', headers: t.as('agent2') })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/audit/access', headers: t.as('supervisor') })).statusCode).toBe(403);

    const list = async (q: string) => {
      const r = await t.app.inject({ method: 'GET', url: `/audit/access${q}`, headers: t.as('auditor') });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { events: Array<Record<string, unknown>> }).events;
    };
    const sup = await list('?actor=sup-1');
    expect(sup.find((e) => e.kind === 'ledger' && e.subject === 'customers')).toMatchObject({
      actor: 'sup-1',
      role: 'supervisor',
      method: 'GET',
      route: '/ledgers/:name',
      customerIds: [person],
      rows: 1,
      columns: ['name', 'phone', 'email'],
      asOf: null,
      requestId: expect.any(String),
    });
    // The complaints page shows the person's name too (read from the customers ledger): recorded as shown.
    expect(sup.find((e) => e.subject === 'complaints')).toMatchObject({ kind: 'ledger', customerIds: [person], columns: ['summary', 'customer_name'] });
    const manager = await list('?actor=mgr-1');
    expect(manager.map((e) => [e.kind, e.subject, e.route])).toEqual([
      ['export', 'customers', '/ledgers/:name/export'],
      ['export', 'customers', '/ledgers/:name/export'],
    ]);
    expect(manager[0]).toMatchObject({ rows: 2, columns: ['name', 'contact_person', 'phone', 'email'] });
    expect(manager[0]!.customerIds).toEqual(expect.arrayContaining([person, organisation]));
    const gm = await list('?actor=gm-1');
    expect(gm).toHaveLength(1);
    expect(gm[0]).toMatchObject({ kind: 'customer', subject: `customer-${person}`, route: '/customers/:id', customerIds: [person], rows: 1 });
    expect(gm[0]!.columns).toEqual(expect.arrayContaining(['profile.phone', 'profile.email']));
    const auditor = await list('?actor=aud-1');
    expect(auditor[0]).toMatchObject({ kind: 'stream', subject: `customer-${person}`, route: '/audit/history/*', customerIds: [person] });
    expect(auditor[0]!.columns).toEqual(expect.arrayContaining(['registration.name', 'registration.phone', 'name', 'phone', 'email']));
    expect(auditor.find((e) => e.asOf)).toMatchObject({ kind: 'ledger', subject: 'customers' });
    // The agents' reads were masked (or refused): nothing to record.
    expect(await list('?actor=agent-1')).toEqual([]);
    expect(await list('?actor=agent-2')).toEqual([]);
    // By time: none before the test began, none after now.
    expect(await list(`?until=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).toEqual([]);
    expect((await list(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length).toBe(0);
    expect((await list('?limit=1')).length).toBe(1);
    // The log holds ids and column names, never the values.
    expect(JSON.stringify(await list(''))).not.toMatch(new RegExp(`${phone}|${email}|张伟|李娜`));
    expect((await t.app.inject({ method: 'GET', url: '/audit/access?since=yesterday', headers: t.as('auditor') })).statusCode).toBe(400);
  });

  it('tokens never reach the request log', () => {
    const all = lines.join('\n');
    for (const { token } of Object.values(TOKENS)) expect(all).not.toContain(token);
  });
});
