import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AnchorStore } from '../../src/audit/anchors';
import { anchorChain } from '../../src/audit/recorder';
import { rebuildLedgers, tableHashes, verifyLedgers } from '../../src/audit/rebuild';
import { LEDGERS } from '../../src/projections/ledgers';
import { Projector } from '../../src/projections/projector';
import { testLogger } from '../support/temporal';
import { auditFixture, contactUpdate, customer, project } from './fixtures';

const fx = auditFixture();
const customersOf = <T extends { name: string }>(r: { ledgers: T[] }): T => r.ledgers.find((l) => l.name === 'customers')!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rebuild and verify the ledgers', () => {
  it('a clean rebuild equals the live ledgers after a projector run', async () => {
    const { store, ledgerDb, file } = fx.setup();
    for (let i = 0; i < 120; i++) await store.append(`customer-C${i}`, [customer(i)], { expectedRevision: 'no_stream' });
    for (let i = 0; i < 120; i += 4) await store.append(`customer-C${i}`, [contactUpdate(i, { address: `上海市浦东新区${i}号` })], { expectedRevision: 0 });
    const live = ledgerDb('live.db');
    const projector = new Projector(store, live, { batchSize: 13, logger: testLogger });
    projector.start();
    fx.cleanups.push(() => projector.stop());
    await projector.waitFor('150');

    const progress: number[] = [];
    const rebuilt = await rebuildLedgers(store, LEDGERS, { batchSize: 50, onProgress: (p) => progress.push(p.eventsApplied) });
    fx.cleanups.push(() => rebuilt.dispose());
    expect(rebuilt).toMatchObject({ eventsRead: 150, eventsApplied: 150, position: '150' });
    expect(progress).toEqual([50, 100, 150]);
    const liveHashes = tableHashes(live);
    expect(liveHashes.map((h) => h.name)).toEqual(LEDGERS.map((l) => l.name));
    const customers = liveHashes.find((h) => h.name === 'customers')!;
    expect(customers).toEqual({ name: 'customers', rows: 120, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(tableHashes(rebuilt.db)).toEqual(liveHashes);

    const audit = new AnchorStore(file('audit.db'));
    fx.cleanups.push(() => audit.close());
    await anchorChain(store, audit, { reason: 'on_demand' });
    const report = await verifyLedgers(store, file('live.db'), LEDGERS, { chain: { anchors: audit } });
    expect(report).toMatchObject({
      ok: true,
      checkpoint: '150',
      rebuiltPosition: '150',
      eventsChecked: 150,
      rowsChecked: 120,
      chain: { ok: true, events: 150, linksChecked: 150, anchorsChecked: 1 },
    });
    expect(report.ledgers.find((l) => l.name === 'customers')).toEqual({ name: 'customers', rows: 120, rebuiltRows: 120, ok: true, liveHash: customers.hash, rebuiltHash: customers.hash });
    expect(report.ledgers.every((l) => l.ok)).toBe(true);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a live ledger behind the store head is compared with a rebuild up to its checkpoint', async () => {
    const { store, ledgerDb, file } = fx.setup();
    for (let i = 0; i < 10; i++) await store.append(`customer-C${i}`, [customer(i)], { expectedRevision: 'no_stream' });
    const live = ledgerDb('live.db');
    await project(store, live);
    // Later events the live ledger has not applied yet: a rebuild to the head would differ.
    await store.append('customer-C1', [contactUpdate(1, { phone: '13700000001' })], { expectedRevision: 0 });
    await store.append('customer-C10', [customer(10)], { expectedRevision: 'no_stream' });
    const report = await verifyLedgers(store, file('live.db'), LEDGERS, { chain: false });
    expect(report).toMatchObject({ ok: true, checkpoint: '10', eventsChecked: 10, rowsChecked: 10 });
    expect(report.chain).toBeUndefined();
  });

  it('a corrupted live row is named by ledger, key and column; personal data in the report is masked', async () => {
    const { store, ledgerDb, file } = fx.setup();
    for (let i = 0; i < 20; i++) await store.append(`customer-C${i}`, [customer(i)], { expectedRevision: 'no_stream' });
    await project(store, ledgerDb('live.db'));
    const raw = new Database(file('live.db'));
    fx.cleanups.push(() => void raw.close());

    raw.prepare("UPDATE ledger_customers SET grade = 'A' WHERE customer_id = 'C13'").run();
    let report = await verifyLedgers(store, file('live.db'), LEDGERS);
    expect(report.ok).toBe(false);
    expect(report.chain?.ok).toBe(true); // the events are intact: the read model is what was changed
    expect(customersOf(report)).toMatchObject({
      name: 'customers',
      ok: false,
      firstDifference: { key: { customer_id: 'C13' }, kind: 'changed', column: 'grade', live: 'A', rebuilt: 'B' },
    });
    expect(customersOf(report).liveHash).not.toBe(customersOf(report).rebuiltHash);

    raw.prepare("UPDATE ledger_customers SET grade = 'B' WHERE customer_id = 'C13'").run();
    raw.prepare("UPDATE ledger_customers SET phone = '13912345678' WHERE customer_id = 'C2'").run();
    report = await verifyLedgers(store, file('live.db'), LEDGERS);
    expect(customersOf(report).firstDifference).toEqual({ key: { customer_id: 'C2' }, kind: 'changed', column: 'phone', live: '139****5678', rebuilt: '139****0002' });

    raw.prepare("UPDATE ledger_customers SET phone = '13900000002' WHERE customer_id = 'C2'").run();
    expect((await verifyLedgers(store, file('live.db'), LEDGERS)).ok).toBe(true);
    raw.prepare("DELETE FROM ledger_customers WHERE customer_id = 'C15'").run();
    raw.prepare("UPDATE ledger_customers SET _position = '99' WHERE customer_id = 'C17'").run();
    report = await verifyLedgers(store, file('live.db'), LEDGERS);
    expect(customersOf(report)).toMatchObject({ rows: 19, rebuiltRows: 20, firstDifference: { key: { customer_id: 'C15' }, kind: 'missing_in_live' } });
  });

  it('as of an instant between two events shows the earlier state', async () => {
    const { store } = fx.setup();
    await store.append('customer-C1', [customer(1, {}, { occurredAt: '2026-09-01T09:00:00+08:00' })], { expectedRevision: 'no_stream' });
    await sleep(15);
    const between = new Date().toISOString();
    await sleep(15);
    await store.append('customer-C1', [contactUpdate(1, { phone: '13700000001', email: 'c1@example.com' }, { occurredAt: '2026-10-09T10:30:00+08:00' })], {
      expectedRevision: 0,
    });
    const row = (r: Awaited<ReturnType<typeof rebuildLedgers>>) => r.db.db.prepare("SELECT phone, email, revision, _position FROM ledger_customers WHERE customer_id = 'C1'").get();

    const then = await rebuildLedgers(store, LEDGERS, { asOf: between });
    fx.cleanups.push(() => then.dispose());
    expect(then).toMatchObject({ eventsRead: 2, eventsApplied: 1, position: '1' });
    expect(row(then)).toEqual({ phone: '13900000001', email: null, revision: 0, _position: '1' });

    const now = await rebuildLedgers(store, LEDGERS, { asOf: new Date().toISOString() });
    fx.cleanups.push(() => now.dispose());
    expect(row(now)).toEqual({ phone: '13700000001', email: 'c1@example.com', revision: 1, _position: '2' });

    // On the business clock, between the two facts.
    const business = await rebuildLedgers(store, LEDGERS, { asOf: '2026-10-01T00:00:00+08:00', asOfBasis: 'occurredAt' });
    fx.cleanups.push(() => business.dispose());
    expect(row(business)).toMatchObject({ phone: '13900000001', revision: 0 });

    const upTo = await rebuildLedgers(store, LEDGERS, { upToPosition: '1' });
    fx.cleanups.push(() => upTo.dispose());
    expect(tableHashes(upTo.db)).toEqual(tableHashes(then.db));

    await expect(rebuildLedgers(store, LEDGERS, { asOf: 'last tuesday' })).rejects.toMatchObject({ kind: 'validation' });
  });
});
