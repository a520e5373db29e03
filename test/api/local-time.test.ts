import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { oneOf } from '../../src/domain/fields';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import { fieldIssues } from '../../src/domain/validation';
import { customerProcess } from '../../src/processes/customer';
import { startTestApp, type TestApp } from '../support/app';

const OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?\+08:00$/;

/** Instants shown in the configured zone (Asia/Shanghai here), instants typed in it, and errors a person can act on. */
describe('local time and clear errors through the API', () => {
  let t: TestApp;
  let complaintId: string;
  let receivedUtc: string;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp(COMPRESSED_POLICY);
    const c = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('agent'), payload: { name: '李雷', phone: '13812345678', grade: 'B' } });
    customerId = (c.json() as { customerId: string }).customerId;
    await t.gateway.command(customerProcess, customerId, 'approve', { changeId: `${customerId}-1` }, { actor: 'xu.he', role: 'checker' });
    const r = await t.app.inject({ method: 'POST', url: '/complaints', headers: t.as('agent'), payload: { customerId, channel: 'web', category: 'charges', severity: 'minor', summary: '账单有误' } });
    expect(r.statusCode, r.body).toBe(201);
    complaintId = (r.json() as { complaintId: string }).complaintId;
    const events = await t.store.readStream(`complaint-${complaintId}`);
    receivedUtc = (events[0]!.data as { receivedAt: string }).receivedAt;
    await t.projector.waitFor((await t.store.head()).position);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('ledger pages give instant columns in +08:00, the same instant the event stored in UTC', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/ledgers/complaints?complaint_id=${complaintId}`, headers: t.as('supervisor') });
    expect(res.statusCode, res.body).toBe(200);
    const row = (res.json() as { rows: Array<Record<string, unknown>> }).rows[0]!;
    expect(receivedUtc).toMatch(/Z$/);
    expect(row.received_at).toMatch(OFFSET);
    expect(Date.parse(row.received_at as string)).toBe(Date.parse(receivedUtc));
  });

  it('a complaint view gives every instant in +08:00: received, deadlines, alarms', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/complaints/${complaintId}`, headers: t.as('supervisor') });
    expect(res.statusCode, res.body).toBe(200);
    const v = res.json() as { state: Record<string, unknown>; pendingAlarms: Array<{ at: string }> };
    const instants: string[] = [];
    const collect = (x: unknown): void => {
      if (typeof x === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(x)) instants.push(x);
      else if (Array.isArray(x)) x.forEach(collect);
      else if (x && typeof x === 'object') Object.values(x).forEach(collect);
    };
    collect(v);
    expect(instants.length).toBeGreaterThan(2);
    for (const i of instants) expect(i).toMatch(OFFSET);
    expect(v.pendingAlarms.length).toBeGreaterThan(0);
    expect(v.pendingAlarms[0]!.at).toMatch(OFFSET);
  });

  it('audit history: a bare id resolves to its stream; instants in +08:00; labels beside the raw type and role', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/audit/history/${complaintId}`, headers: t.as('auditor') });
    expect(res.statusCode, res.body).toBe(200);
    const h = res.json() as { stream: string; events: Array<{ type: string; typeLabel: string; role: string; roleLabel: string; occurredAt: string; recordedAt: string }> };
    expect(h.stream).toBe(`complaint-${complaintId}`);
    expect(h.events[0]).toMatchObject({ type: 'ComplaintReceived', role: 'agent' });
    expect(h.events[0]!.typeLabel).toMatch(/[\u4e00-\u9fff]/);
    expect(h.events[0]!.roleLabel).toMatch(/[\u4e00-\u9fff]/);
    for (const e of h.events) {
      expect(e.occurredAt).toMatch(OFFSET);
      expect(e.recordedAt).toMatch(OFFSET);
    }
    const customer = await t.app.inject({ method: 'GET', url: `/audit/history/${customerId}`, headers: t.as('auditor') });
    expect((customer.json() as { stream: string }).stream).toBe(`customer-${customerId}`);
    const full = await t.app.inject({ method: 'GET', url: `/audit/history/complaint-${complaintId}`, headers: t.as('auditor') });
    expect((full.json() as { events: unknown[] }).events).toHaveLength(h.events.length);
  });

  it('audit history of an unknown stream or id is a 404 saying what stream names look like, never an empty 200', async () => {
    const bare = await t.app.inject({ method: 'GET', url: '/audit/history/K999', headers: t.as('auditor') });
    expect(bare.statusCode).toBe(404);
    expect((bare.json() as { message: string }).message).toMatch(/^no stream K999 or complaint-K999; stream names are <process>-<id> \(.*complaint-K….*\)/);
    expect((bare.json() as { message: string }).message).toContain('complaint-K999');
    const named = await t.app.inject({ method: 'GET', url: '/audit/history/complaint-K999', headers: t.as('auditor') });
    expect(named.statusCode).toBe(404);
    expect(named.json()).toMatchObject({ error: 'not_found', code: 'audit.no_stream', message: 'no stream complaint-K999; ids of complaints start with K, e.g. complaint-K…' });
  });

  it('export file names carry the instant in the configured zone', async () => {
    const asOf = await t.app.inject({ method: 'GET', url: '/ledgers/complaints/export?format=csv&asOf=2026-12-01', headers: t.as('supervisor') });
    expect(asOf.statusCode, asOf.body).toBe(200);
    expect(asOf.headers['content-disposition']).toBe('attachment; filename="complaints-2026-12-01T00-00-00+08-00.csv"');
    const now = await t.app.inject({ method: 'GET', url: '/ledgers/complaints/export?format=csv', headers: t.as('supervisor') });
    expect(now.headers['content-disposition']).toMatch(/^attachment; filename="complaints-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\+08-00\.csv"$/);
  });

  it('asOf accepts a date, a local date-time and an unencoded + (a space), read in +08:00; bad input names asOf and the rule', async () => {
    const page = (asOf: string) => t.app.inject({ method: 'GET', url: `/ledgers/complaints?complaint_id=${complaintId}&asOf=${asOf}`, headers: t.as('auditor') });
    const date = await page('2026-12-01');
    expect(date.statusCode, date.body).toBe(200);
    expect((date.json() as { asOf: string }).asOf).toBe('2026-12-01T00:00:00+08:00');
    const local = await page(encodeURIComponent('2026-12-02 10:54'));
    expect(local.statusCode, local.body).toBe(200);
    expect((local.json() as { asOf: string }).asOf).toBe('2026-12-02T10:54:00+08:00');
    const tee = await page('2026-12-02T10:54');
    expect((tee.json() as { asOf: string }).asOf).toBe('2026-12-02T10:54:00+08:00');
    const plus = await page('2026-12-02T02:54:00+00:00');
    expect(plus.statusCode, plus.body).toBe(200);
    expect((plus.json() as { asOf: string }).asOf).toBe('2026-12-02T10:54:00+08:00');
    // After now: the ledger as it stands holds the complaint (received before now).
    const later = await page(encodeURIComponent(new Date(Date.now() + 60_000).toISOString()));
    expect((later.json() as { rows: Array<{ complaint_id: string }> }).rows.map((r) => r.complaint_id)).toEqual([complaintId]);
    const bad = await page('2026-13-01');
    expect(bad.statusCode).toBe(400);
    const body = bad.json() as { message: string; issues: Array<{ field: string; rule: string }> };
    expect(body.issues).toEqual([{ field: 'asOf', rule: expect.stringContaining('must be a date (2026-12-01)') }]);
    expect(body.message).toBe(`asOf: ${body.issues[0]!.rule}`);
  });

  it('the access log and the deadline calculator read local instants too', async () => {
    const access = await t.app.inject({ method: 'GET', url: '/audit/access?since=2026-01-01&until=2099-01-01%2010:00', headers: t.as('auditor') });
    expect(access.statusCode, access.body).toBe(200);
    for (const e of (access.json() as { events: Array<{ at: string }> }).events) expect(e.at).toMatch(OFFSET);
    const sla = await t.app.inject({ method: 'GET', url: '/sla/deadlines?received=2026-09-30%2017:30&severity=normal', headers: t.as('agent') });
    expect(sla.statusCode, sla.body).toBe(200);
    const plus = await t.app.inject({ method: 'GET', url: '/sla/deadlines?received=2026-09-30T17:30:00+08:00&severity=normal', headers: t.as('agent') });
    expect(plus.json()).toEqual(sla.json());
    expect(sla.json()).toMatchObject({ firstResponseDue: expect.stringMatching(OFFSET), resolutionDue: expect.stringMatching(OFFSET) });
  });

  it('a missing field is "is required", an enum included, nested too; each issue once', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/complaints', headers: t.as('agent'), payload: { customerId: 'C1', category: 'charges', severity: 'minor', summary: '无渠道' } });
    expect(r.statusCode).toBe(400);
    const body = r.json() as { message: string; issues: Array<{ field: string; rule: string }> };
    expect(body.issues).toEqual([{ field: 'channel', rule: 'is required' }]);
    expect(body.message).toBe('channel: is required');
    const wrong = await t.app.inject({ method: 'POST', url: '/complaints', headers: t.as('agent'), payload: { customerId: 'C1', channel: 'fax', category: 'charges', severity: 'minor', summary: '渠道错误' } });
    expect((wrong.json() as { issues: Array<{ field: string; rule: string }> }).issues).toEqual([{ field: 'channel', rule: expect.stringMatching(/^must be one of /) }]);
    const noFormat = await t.app.inject({ method: 'GET', url: '/ledgers/customers/export', headers: t.as('auditor') });
    expect((noFormat.json() as { issues: unknown }).issues).toEqual([{ field: 'format', rule: 'is required' }]);
    const noReceived = await t.app.inject({ method: 'GET', url: '/sla/deadlines?severity=normal', headers: t.as('agent') });
    expect((noReceived.json() as { issues: unknown }).issues).toEqual([{ field: 'received', rule: 'is required' }]);
  });
});

describe('field issues', () => {
  const schema = z.object({ channel: oneOf(['web', 'phone']), compensation: z.object({ amountYuan: z.number().positive('must be more than 0'), kind: z.enum(['cash', 'voucher'], { message: 'must be cash or voucher' }) }) });
  it('an absent nested field is "is required" whatever its own rule; a wrong one keeps its rule', () => {
    const input = { channel: 'web', compensation: { kind: 'gift' } };
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    expect(fieldIssues(r.error!, input)).toEqual([
      { field: 'compensation.amountYuan', rule: 'is required' },
      { field: 'compensation.kind', rule: 'must be cash or voucher' },
    ]);
    const none = schema.safeParse({});
    expect(fieldIssues(none.error!, {})).toEqual([
      { field: 'channel', rule: 'is required' },
      { field: 'compensation', rule: 'is required' },
    ]);
  });
});
