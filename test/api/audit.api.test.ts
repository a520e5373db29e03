import type { NotificationIssued } from '../../src/domain/notifications';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplaintEvent } from '../../src/processes/complaint/schemas';
import { customerProcess } from '../../src/processes/customer';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import type { RecordedEvent } from '../../src/events/envelope';
import { startTestApp, type TestApp } from '../support/app';

/** The read side through the API: as-of views between two escalations, exports with masking, history, metrics. */
describe('ledgers and audit through the API', () => {
  let t: TestApp;
  let complaintId: string;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp(COMPRESSED_POLICY);
    const c = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('agent'), payload: { name: '王小明', phone: '13912345678', grade: 'C' } });
    customerId = (c.json() as { customerId: string }).customerId;
    // Registrations are maker-checker: a checker approves it, so it counts as a customer.
    const approved = await t.gateway.command(customerProcess, customerId, 'approve', { changeId: `${customerId}-1` }, { actor: 'xu.he', role: 'checker' });
    await t.projector.waitFor(approved.position!);
    const r = await t.app.inject({ method: 'POST', url: '/complaints', headers: t.as('agent'), payload: { customerId, channel: 'web', category: 'charges', severity: 'major', summary: '重复扣费' } });
    complaintId = (r.json() as { complaintId: string }).complaintId;
    // Major, compressed: first-response escalations at 4 s (level 1) and 6 s (level 2).
    await new Promise((resolve) => setTimeout(resolve, 7000));
    await t.projector.waitFor((await t.store.head()).position);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('as of a moment between two escalations, the ledger shows the state then; now, the later state', async () => {
    const events = (await t.store.readStream(`complaint-${complaintId}`)) as Array<RecordedEvent & (ComplaintEvent | NotificationIssued)>;
    const escalations = events.filter((e) => e.type === 'ComplaintEscalated');
    expect(escalations.length).toBeGreaterThanOrEqual(2);
    const between = new Date((Date.parse(escalations[0]!.recordedAt) + Date.parse(escalations[1]!.recordedAt)) / 2).toISOString();
    const then = await t.app.inject({ method: 'GET', url: `/ledgers/complaints?complaint_id=${complaintId}&asOf=${encodeURIComponent(between)}`, headers: t.as('auditor') });
    expect(then.statusCode, then.body).toBe(200);
    expect(then.json()).toMatchObject({ asOf: expect.stringMatching(/\+08:00$/), rows: [{ complaint_id: complaintId, escalation_level: 1, breached: 1 }] });
    // The same instant, shown in the configured zone.
    expect(Date.parse((then.json() as { asOf: string }).asOf)).toBe(Date.parse(between));
    const thenEscalations = await t.app.inject({ method: 'GET', url: `/ledgers/escalations?process=complaint&subject_id=${complaintId}&kind=escalation&asOf=${encodeURIComponent(between)}`, headers: t.as('auditor') });
    expect((thenEscalations.json() as { total: number }).total).toBe(1);
    const now = await t.app.inject({ method: 'GET', url: `/ledgers/complaints?complaint_id=${complaintId}`, headers: t.as('auditor') });
    expect((now.json() as { rows: Array<{ escalation_level: number }> }).rows[0]!.escalation_level).toBeGreaterThanOrEqual(2);
  });

  it('exports: xlsx reads back with the right headers and rows; csv parses back; supervisors and above only (agents get 403)', async () => {
    const xlsx = await t.app.inject({ method: 'GET', url: '/ledgers/customers/export?format=xlsx', headers: t.as('supervisor') });
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as never);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('客户编号');
    expect(sheet.rowCount).toBe(2);
    const phoneCol = (sheet.getRow(1).values as unknown[]).indexOf('电话');
    expect(sheet.getRow(2).getCell(phoneCol).value).toBe('13912345678');

    const csvAgent = await t.app.inject({ method: 'GET', url: '/ledgers/customers/export?format=csv&lang=en', headers: t.as('agent') });
    expect(csvAgent.statusCode).toBe(403);
    expect(csvAgent.body).not.toContain('13912345678');
    const csvAuditor = await t.app.inject({ method: 'GET', url: '/ledgers/customers/export?format=csv&lang=en', headers: t.as('auditor') });
    expect(csvAuditor.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = (b: string) => b.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    expect(lines(csvAuditor.body)[0]).toMatch(/^Customer ID,Name,/);
    expect(lines(csvAuditor.body)).toHaveLength(2);
    expect(csvAuditor.body).toContain('13912345678');
    const bad = await t.app.inject({ method: 'GET', url: '/ledgers/customers/export?format=pdf', headers: t.as('auditor') });
    expect(bad.statusCode).toBe(400);
  });

  it('audit history shows who did what and why, for auditors only', async () => {
    const h = await t.app.inject({ method: 'GET', url: `/audit/history/complaint-${complaintId}`, headers: t.as('auditor') });
    expect(h.statusCode).toBe(200);
    const events = (h.json() as { events: Array<{ type: string; actor: string; role: string; reason?: string }> }).events;
    expect(events[0]).toMatchObject({ type: 'ComplaintReceived', actor: 'agent-1', role: 'agent' });
    expect(events.find((e) => e.type === 'ComplaintEscalated')).toMatchObject({ actor: 'taizhang', role: 'system', reason: expect.stringContaining('missed') });
    expect((await t.app.inject({ method: 'GET', url: `/audit/history/complaint-${complaintId}`, headers: t.as('agent') })).statusCode).toBe(403);
  });

  it('verify and anchor through the API, for auditors', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/audit/verify', headers: t.as('agent') })).statusCode).toBe(403);
    await t.projector.waitFor((await t.store.head()).position);
    const v = await t.app.inject({ method: 'POST', url: '/audit/verify', headers: t.as('auditor') });
    expect(v.statusCode, v.body).toBe(200);
    expect(v.json()).toMatchObject({ ok: true, chain: { ok: true } });
  });

  it('KPI views and metrics', async () => {
    const kpi = await t.app.inject({ method: 'GET', url: '/ledgers/kpi_monthly', headers: t.as('auditor') });
    expect(kpi.statusCode).toBe(200);
    const rows = (kpi.json() as { rows: Array<{ complaints_received: number; customers: number; complaints_per_10k: number }> }).rows;
    expect(rows.at(-1)).toMatchObject({ complaints_received: 1, customers: 1, complaints_per_10k: 10000 });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^taizhang_projector_lag_events \d+$/m);
  });
});
