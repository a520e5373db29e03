import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { allRows, exportLedger } from '../../src/audit/export';
import { zonedIso } from '../../src/support/local-time';
import { customersLedger } from '../../src/processes/customer/ledger';
import { escalationsLedger } from '../../src/projections/ledgers/escalations';
import { PROCESSES } from '../../src/processes/registry';
import { auditFixture, contactUpdate, customer, project } from './fixtures';

const fx = auditFixture();
const escalations = escalationsLedger(PROCESSES);

/** RFC 4180: fields separated by commas, records by CRLF; quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      field = '';
      record = [];
      i++;
    } else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end with CRLF');
  return records;
}

async function seeded() {
  const s = fx.setup();
  const { store } = s;
  await store.append('customer-C1', [customer(1, { email: 'li@example.com', accountManager: 'zhao' }, { occurredAt: '2026-10-09T02:30:00Z' })], { expectedRevision: 'no_stream' });
  await store.append('customer-C2', [customer(2, { name: '上海"宏达", 有限公司\n二部', address: '上海市浦东新区世纪大道100号' }, { occurredAt: '2026-10-09T02:31:00.250Z' })], {
    expectedRevision: 'no_stream',
  });
  await store.append('customer-C3', [customer(3, { name: '=HYPERLINK("http://x")' }, { occurredAt: '2026-12-31T16:00:00Z' })], { expectedRevision: 'no_stream' });
  await store.append('customer-C1', [contactUpdate(1, { phone: '+8613700000001' }, { occurredAt: '2026-10-10T01:00:00Z' })], { expectedRevision: 0 });
  const db = s.ledgerDb('live.db');
  await project(store, db);
  return { ...s, db };
}

describe('ledger export', () => {
  it('reads every row of a ledger in listing order, from a file or an open database', async () => {
    const { db, file } = await seeded();
    const rows = allRows(file('live.db'), customersLedger);
    expect(rows.map((r) => r.customer_id)).toEqual(['C1', 'C2', 'C3']);
    expect(allRows(db, customersLedger)).toEqual(rows);
    expect(Object.keys(rows[0]!)).toEqual(customersLedger.columns.map((c) => c.name));
  });

  it('xlsx: bold frozen header in Chinese or English, local date-times as real dates, numbers as numbers', async () => {
    const { db, file } = await seeded();
    const rows = allRows(db, customersLedger);
    const zh = await exportLedger(rows, customersLedger, { format: 'xlsx', out: file('customers.xlsx'), role: 'auditor', checkpoint: '4' });
    expect(zh).toEqual({ file: file('customers.xlsx'), format: 'xlsx', rows: 3, masked: [] });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file('customers.xlsx'));
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('客户台账');
    expect(ws.rowCount).toBe(4);
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(customersLedger.columns.map((c) => c.label.zh));
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const col = (name: string) => customersLedger.columns.findIndex((c) => c.name === name) + 1;
    const registered = ws.getRow(2).getCell(col('registered_at'));
    // 02:30Z is 10:30 in Shanghai: an Excel date shows its wall-clock fields, stored here as UTC fields.
    expect(registered.value).toEqual(new Date('2026-10-09T10:30:00Z'));
    expect(registered.numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(ws.getRow(4).getCell(col('registered_at')).value).toEqual(new Date('2027-01-01T00:00:00Z'));
    expect(ws.getRow(2).getCell(col('revision')).value).toBe(1);
    expect(ws.getRow(2).getCell(col('phone')).value).toBe('+8613700000001');
    expect(ws.getRow(3).getCell(col('name')).value).toBe('上海"宏达", 有限公司\n二部');
    expect(ws.getRow(4).getCell(col('name')).value).toBe('=HYPERLINK("http://x")'); // text, never a formula
    expect(wb.getWorksheet('说明')!.getRow(3).values).toEqual([undefined, '数据截至位置', '4']);

    await exportLedger(rows, customersLedger, { format: 'xlsx', out: file('customers-en.xlsx'), role: 'auditor', lang: 'en' });
    const en = new ExcelJS.Workbook();
    await en.xlsx.readFile(file('customers-en.xlsx'));
    expect(en.worksheets[0]!.name).toBe('Customers');
    expect((en.worksheets[0]!.getRow(1).values as unknown[]).slice(1)).toEqual(customersLedger.columns.map((c) => c.label.en));
    expect(en.worksheets[0]!.rowCount).toBe(4);
    expect(en.getWorksheet('About')).toBeDefined();
  });

  it('csv with codes: UTF-8 with BOM, RFC 4180 quoting, instants with their offset; parses back to the same rows', async () => {
    const { db, file } = await seeded();
    const rows = allRows(db, customersLedger);
    await exportLedger(rows, customersLedger, { format: 'csv', out: file('customers.csv'), role: 'auditor', codes: true });
    const bytes = readFileSync(file('customers.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const [header, ...records] = parseCsv(text);
    expect(header).toEqual(customersLedger.columns.map((c) => c.label.zh));
    expect(records).toHaveLength(3);
    const expected = rows.map((r) =>
      customersLedger.columns.map((c) => {
        const v = r[c.name];
        if (v === null || v === undefined) return '';
        if (c.instant) return zonedIso(String(v), 'Asia/Shanghai');
        return String(v);
      }),
    );
    expected[2]![customersLedger.columns.findIndex((c) => c.name === 'name')] = `'=HYPERLINK("http://x")`; // neutralised for spreadsheets
    expect(records).toEqual(expected);
    const at = (name: string) => customersLedger.columns.findIndex((c) => c.name === name);
    expect(records[0]![at('registered_at')]).toBe('2026-10-09T10:30:00+08:00');
    expect(records[1]![at('registered_at')]).toBe('2026-10-09T10:31:00.250+08:00');
    expect(records[0]![at('phone')]).toBe('+8613700000001');
    expect(text).toContain('"上海""宏达"", 有限公司\n二部"');
  });

  it('cells of code columns carry labels in the export language, flags 是/否; codes on request', async () => {
    const { db, file } = await seeded();
    const rows = allRows(db, customersLedger);
    const at = (name: string) => customersLedger.columns.findIndex((c) => c.name === name);
    await exportLedger(rows, customersLedger, { format: 'csv', out: file('zh.csv'), role: 'auditor' });
    const [, zh] = parseCsv(readFileSync(file('zh.csv'), 'utf8').slice(1));
    expect(zh![at('status')]).toBe('已登记');
    expect(zh![at('type')]).toBe('业主');
    expect(zh![at('party')]).toBe('个人');
    expect(zh![at('importance')]).toBe('普通客户');
    expect(zh![at('grade')]).toBe('B 级');
    expect(zh![at('customer_class')]).toBe('普通');
    expect(zh![at('blacklisted')]).toBe('否');
    expect(zh![at('repeated_claims')]).toBe('否');
    expect(zh![at('revision')]).toBe('1'); // numbers that are not codes stay numbers
    expect(zh![at('registered_at')]).toBe('2026-10-09T10:30:00+08:00');

    await exportLedger(rows, customersLedger, { format: 'csv', out: file('en.csv'), role: 'auditor', lang: 'en' });
    const [, en] = parseCsv(readFileSync(file('en.csv'), 'utf8').slice(1));
    expect([en![at('status')], en![at('type')], en![at('importance')], en![at('blacklisted')]]).toEqual(['registered', 'owner-customer', 'ordinary', 'no']);

    await exportLedger(rows, customersLedger, { format: 'csv', out: file('codes.csv'), role: 'auditor', codes: true });
    const [, codes] = parseCsv(readFileSync(file('codes.csv'), 'utf8').slice(1));
    expect([codes![at('status')], codes![at('type')], codes![at('grade')], codes![at('blacklisted')]]).toEqual(['registered', 'owner', 'B', '0']);

    await exportLedger(rows, customersLedger, { format: 'xlsx', out: file('zh.xlsx'), role: 'auditor' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file('zh.xlsx'));
    const row = wb.worksheets[0]!.getRow(2);
    expect(row.getCell(at('status') + 1).value).toBe('已登记');
    expect(row.getCell(at('blacklisted') + 1).value).toBe('否');
    expect(row.getCell(at('revision') + 1).value).toBe(1);
    await exportLedger(rows, customersLedger, { format: 'xlsx', out: file('codes.xlsx'), role: 'auditor', codes: true });
    const raw = new ExcelJS.Workbook();
    await raw.xlsx.readFile(file('codes.xlsx'));
    expect(raw.worksheets[0]!.getRow(2).getCell(at('blacklisted') + 1).value).toBe(0);
    expect(raw.worksheets[0]!.getRow(2).getCell(at('grade') + 1).value).toBe('B');
  });

  it('escalation reasons the engine wrote are exported in Chinese, their instants in the zone', async () => {
    const { file } = fx.setup();
    const rows = [
      {
        event_id: 'e1',
        process: 'complaint',
        subject_id: 'K1',
        kind: 'escalation',
        deadline: 'first_response',
        level: 1,
        target_role: 'supervisor',
        reason: 'first response deadline 2026-10-09T03:08:00.000Z missed; escalation level 1',
        due_at: '2026-10-09T03:08:00.000Z',
        scheduled_at: '2026-10-09T03:08:00.000Z',
        fired_at: '2026-10-09T03:08:00.272Z',
        lateness_ms: 272,
      },
    ];
    await exportLedger(rows, escalations, { format: 'csv', out: file('esc.csv'), role: 'auditor' });
    const [header, r] = parseCsv(readFileSync(file('esc.csv'), 'utf8').slice(1));
    const cell = (name: string) => r![escalations.columns.findIndex((c) => c.name === name)];
    expect(header).toContain('原因');
    expect([cell('process'), cell('kind'), cell('deadline'), cell('target_role'), cell('level'), cell('lateness_ms')]).toEqual(['投诉', '超时升级', '首次响应', '客服主管', '1', '272']);
    expect(cell('reason')).toBe('首次响应期限 2026-10-09T11:08:00+08:00 已超时，升级第1级');
    expect(cell('due_at')).toBe('2026-10-09T11:08:00+08:00');
  });

  it("an agent's export masks personal data; an auditor's does not", async () => {
    const { db, file } = await seeded();
    const rows = allRows(db, customersLedger);
    const agentCsv = await exportLedger(rows, customersLedger, { format: 'csv', out: file('agent.csv'), role: 'agent', lang: 'en' });
    expect(agentCsv.masked).toEqual(['name', 'contact_person', 'phone', 'email', 'address']);
    const agent = parseCsv(readFileSync(file('agent.csv'), 'utf8').slice(1));
    const at = (name: string) => customersLedger.columns.findIndex((c) => c.name === name);
    expect(agent[1]![at('phone')]).toBe('137****0001');
    expect(agent[2]![at('phone')]).toBe('139****0002');
    expect(agent[1]![at('email')]).toBe('l***@example.com');
    expect(agent[2]![at('address')]).toBe('上海市浦东新****');
    expect(readFileSync(file('agent.csv'), 'utf8')).not.toMatch(/13900000002|li@example\.com/);

    await exportLedger(rows, customersLedger, { format: 'xlsx', out: file('agent.xlsx'), role: 'agent' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file('agent.xlsx'));
    expect(wb.worksheets[0]!.getRow(3).getCell(at('phone') + 1).value).toBe('139****0002');
    expect(String(wb.getWorksheet('说明')!.getRow(7).getCell(2).value)).toBe('客户名称、联系人、电话、电子邮箱、地址');

    await exportLedger(rows, customersLedger, { format: 'csv', out: file('auditor.csv'), role: 'auditor' });
    const auditor = parseCsv(readFileSync(file('auditor.csv'), 'utf8').slice(1));
    expect(auditor[2]![at('phone')]).toBe('13900000002');
    expect(auditor[1]![at('email')]).toBe('li@example.com');
  });

  it('shows instants in the configured zone and rejects an unknown zone', async () => {
    expect(zonedIso('2026-10-09T02:30:00Z', 'Asia/Shanghai')).toBe('2026-10-09T10:30:00+08:00');
    expect(zonedIso('2026-07-01T12:00:00Z', 'America/New_York')).toBe('2026-07-01T08:00:00-04:00');
    expect(zonedIso('2026-07-01T12:00:00Z', 'UTC')).toBe('2026-07-01T12:00:00+00:00');
    expect(zonedIso('2026-07-01T12:00:00Z', 'Asia/Kolkata')).toBe('2026-07-01T17:30:00+05:30');
    const { file } = fx.setup();
    await expect(exportLedger([], customersLedger, { format: 'csv', out: file('x.csv'), role: 'admin', timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ kind: 'validation' });
  });
});
