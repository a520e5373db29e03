import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allRows } from '../../src/audit/export';
import { rebuildLedgers } from '../../src/audit/rebuild';
import { readShapeOf } from '../../src/domain/ledger';
import { LedgerDb } from '../../src/projections/ledger-db';
import { ALL_LEDGERS, LEDGERS } from '../../src/projections/ledgers';
import { sourceOf } from '../../src/projections/projection';
import { LedgerReader } from '../../src/projections/reader';
import { complaintReceivedData, envelope, registered } from '../support/events';
import { tempStore } from '../support/store';

const received = (complaintId: string, customerId: string, at: string) => envelope('ComplaintReceived', complaintReceivedData(complaintId, customerId, { receivedAt: `${at}+08:00` }));

/** Ledgers that read a customer's name from the customers ledger when they are read (CUSTOMER_LOOKUP). */
describe('lookup columns: the customer name in the ledgers as read', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp() {
    const s = tempStore();
    cleanups.push(s.cleanup);
    await s.store.append('customer-C1', [registered('C1', { name: '上海某物业公司', party: 'organisation' })], { expectedRevision: 'no_stream' });
    await s.store.append('customer-C2', [registered('C2', { name: '张三', party: 'person' })], { expectedRevision: 'no_stream' });
    await s.store.append('complaint-K1', [received('K1', 'C1', '2026-10-09T09:00:00')], { expectedRevision: 'no_stream' });
    await s.store.append('complaint-K2', [received('K2', 'C2', '2026-10-09T10:00:00')], { expectedRevision: 'no_stream' });
    await s.store.append('complaint-K3', [received('K3', 'C9', '2026-10-09T11:00:00')], { expectedRevision: 'no_stream' });
    const beforeRename = (await s.store.head()).position;
    // Renamed after its complaint: the complaint's row is not touched by this event, and still shows the new name.
    await s.store.append('customer-C1', [envelope('CustomerProfileChanged', { customerId: 'C1', changeId: 'C1-2', changes: { name: '上海新名物业有限公司' } })], { expectedRevision: 0 });
    const file = path.join(s.dir, 'ledger.db');
    const db = new LedgerDb(file, LEDGERS);
    cleanups.push(() => db.close());
    const events = [];
    for await (const e of s.store.readAll()) events.push(e);
    db.applyBatch(events);
    const reader = new LedgerReader(file, ALL_LEDGERS);
    cleanups.push(() => reader.close());
    return { s, file, reader, beforeRename };
  }

  it('every ledger with a customer_id reads customer_name (客户名称) from the customers ledger; the table holds no such column', async () => {
    const { file, reader } = await setUp();
    for (const name of ['complaints', 'enquiries', 'changes', 'customer_changes']) {
      const shape = reader.ledger(name);
      expect(shape.columns.find((c) => c.name === 'customer_name')?.label.zh, name).toBe('客户名称');
      expect(shape.columns.find((c) => c.name === 'customer_name')?.pii).toBe('person_name');
    }
    expect(reader.ledger('customers').columns.some((c) => c.name === 'customer_name')).toBe(false);
    const stored = new LedgerDb(file, LEDGERS, { readonly: true });
    try {
      const cols = (stored.db.prepare(`PRAGMA table_info("ledger_complaints")`).all() as Array<{ name: string }>).map((c) => c.name);
      expect(cols).toContain('customer_id');
      expect(cols).not.toContain('customer_name');
    } finally {
      stored.close();
    }
  });

  it('a customer renamed after its complaint shows its new name; an unknown customer shows none', async () => {
    const { reader } = await setUp();
    const page = reader.list('complaints', 'admin');
    expect(page.rows.map((r) => [r.complaint_id, r.customer_id, r.customer_name])).toEqual([
      ['K1', 'C1', '上海新名物业有限公司'],
      ['K2', 'C2', '张三'],
      ['K3', 'C9', null],
    ]);
    expect(page.total).toBe(3);
  });

  it('filters on customer_name by name or header, with paging and the ledger order; refused for a role that sees it masked', async () => {
    const { reader } = await setUp();
    const ids = (where: Record<string, string>, q: { limit?: number; offset?: number } = {}) => reader.list('complaints', 'supervisor', { where, ...q });
    expect(ids({ customer_name: '上海新名物业有限公司' }).rows.map((r) => r.complaint_id)).toEqual(['K1']);
    expect(ids({ 客户名称: '张三' }).rows.map((r) => r.complaint_id)).toEqual(['K2']);
    expect(ids({ customer_name: '上海某物业公司' }).total).toBe(0); // the old name no longer matches
    expect(ids({ customer_party: '单位', status: 'received' }).rows.map((r) => r.complaint_id)).toEqual(['K1']);
    const second = reader.list('complaints', 'supervisor', { limit: 1, offset: 1 });
    expect([second.total, second.rows.map((r) => r.customer_name)]).toEqual([3, ['张三']]);
    expect(() => reader.list('complaints', 'agent', { where: { customer_name: '张三' } })).toThrow(/personal data/);
  });

  it('masks a person’s name for roles that may not see personal data, as the customers ledger does; an organisation’s stays', async () => {
    const { reader } = await setUp();
    const page = reader.list('complaints', 'agent');
    expect(page.rows[0]!.customer_name).toBe('上海新名物业有限公司');
    expect(page.rows[1]!.customer_name).not.toBe('张三');
    expect(page.masked).toContain('customer_name');
  });

  it('exports read the same shape: customer_name in every row', async () => {
    const { file, reader } = await setUp();
    const rows = allRows(file, reader.ledger('complaints'));
    expect(rows.map((r) => r.customer_name)).toEqual(['上海新名物业有限公司', '张三', null]);
    expect(sourceOf(readShapeOf(LEDGERS.find((l) => l.name === 'complaints')!, LEDGERS))).toMatch(/LEFT JOIN "ledger_customers"/);
  });

  it('as of a position before the rename (a rebuild up to it), the name then', async () => {
    const { s, beforeRename } = await setUp();
    const rebuilt = await rebuildLedgers(s.store, LEDGERS, { upToPosition: beforeRename });
    cleanups.push(() => rebuilt.dispose());
    const past = new LedgerReader(rebuilt.file, ALL_LEDGERS);
    cleanups.push(() => past.close());
    expect(past.list('complaints', 'admin', { where: { complaint_id: 'K1' } }).rows[0]!.customer_name).toBe('上海某物业公司');
  });
});
