import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realisticAppends } from '../../bench/rebuild';
import { openLedgers, rebuildLedgers, tableHashes, type TableHash } from '../../src/audit/rebuild';
import type { EventStore } from '../../src/events/store/port';
import type { SqliteEventStore } from '../../src/events/store/sqlite';
import { LedgerDb } from '../../src/projections/ledger-db';
import { LEDGERS } from '../../src/projections/ledgers';
import { Projector } from '../../src/projections/projector';
import { envelope } from '../support/events';
import { testLogger } from '../support/temporal';
import { auditFixture, readAll } from './fixtures';

const fx = auditFixture();

/** Customers, complaints, enquiries, change requests, a survey round and its corrective action, as their workflows record them. */
function seed(store: SqliteEventStore, events: number): number {
  let n = 0;
  store.db.transaction(() => {
    for (const a of realisticAppends(events)) {
      store.appendSync(a.stream, a.events, a.expectedRevision);
      n += a.events.length;
    }
  })();
  return n;
}

/** The store seen only through the port: the rebuild reads it through `readAll`, one event at a time. */
const throughThePort = (store: EventStore): EventStore => ({
  kind: store.kind,
  append: (s, e, o) => store.append(s, e, o),
  readStream: (s, o) => store.readStream(s, o),
  readAll: (o) => store.readAll(o),
  subscribeAll: (o, h) => store.subscribeAll(o, h),
  head: () => store.head(),
  close: () => store.close(),
});

describe('a rebuild gives exactly the live tables', () => {
  it('over every process: the live projector, a rebuild in one thread, in two, through the port and with little memory agree table by table', async () => {
    const { store, ledgerDb, file } = fx.setup();
    const total = seed(store, 9000);
    const head = (await store.head()).position;

    const live = ledgerDb('live.db');
    const projector = new Projector(store, live, { batchSize: 97, logger: testLogger });
    projector.start();
    fx.cleanups.push(() => projector.stop());
    await projector.waitFor(head, 60_000);
    const expected = tableHashes(live);
    // Every ledger the processes feed has rows: the comparison is not of empty tables.
    const rows = Object.fromEntries(expected.map((h) => [h.name, h.rows]));
    for (const { name } of LEDGERS) expect(rows[name], name).toBeGreaterThan(0);

    const variants: Array<[string, 1 | 2, () => ReturnType<typeof rebuildLedgers>]> = [
      ['one thread', 1, () => rebuildLedgers(store, LEDGERS, { file: file('one.db'), threads: 1 })],
      ['two threads', 2, () => rebuildLedgers(store, LEDGERS, { file: file('two.db'), threads: 2 })],
      ['through the port', 1, () => rebuildLedgers(throughThePort(store), LEDGERS, { file: file('port.db') })],
      // Rows written and dropped from memory every few hundred events, then read back from the file.
      ['little memory', 1, () => rebuildLedgers(store, LEDGERS, { file: file('small.db'), threads: 1, rowsInMemory: 50 })],
      ['two threads, little memory', 2, () => rebuildLedgers(store, LEDGERS, { file: file('two-small.db'), threads: 2, rowsInMemory: 50 })],
    ];
    for (const [name, threads, rebuild] of variants) {
      const rebuilt = await rebuild();
      fx.cleanups.push(() => rebuilt.dispose());
      expect({ name, threads: rebuilt.threads, events: rebuilt.eventsRead, applied: rebuilt.eventsApplied, position: rebuilt.position }).toEqual({ name, threads, events: total, applied: total, position: head });
      expect(tableHashes(rebuilt.db), name).toEqual(expected);
      expect(rebuilt.db.checkpoint(), name).toMatchObject({ position: head, eventsApplied: total, lastEventRecordedAt: live.checkpoint().lastEventRecordedAt });
      expect(existsSync(`${rebuilt.file}.part`), name).toBe(false);
    }

    // And one event per transaction, every row read back from the file before each event.
    const slow = ledgerDb('slow.db');
    for (const e of await readAll(store)) slow.applyBatch([e]);
    expect(tableHashes(slow)).toEqual(expected);
  });

  it('a rebuild up to a position equals the live ledgers that stopped there', async () => {
    const { store, ledgerDb, file } = fx.setup();
    seed(store, 3000);
    const events = await readAll(store);
    const live = ledgerDb('live.db');
    live.applyBatch(events.slice(0, 1234));
    const upTo = live.checkpoint().position;
    for (const threads of [1, 2] as const) {
      const rebuilt = await rebuildLedgers(store, LEDGERS, { file: file(`upto-${threads}.db`), upToPosition: upTo, threads });
      fx.cleanups.push(() => rebuilt.dispose());
      expect(rebuilt).toMatchObject({ eventsRead: 1234, position: upTo, threads });
      expect(tableHashes(rebuilt.db)).toEqual(tableHashes(live));
    }
  });
});

describe('opening the live ledgers', () => {
  const hashes = (db: LedgerDb): TableHash[] => tableHashes(db);

  it('a missing file is built in a fresh file beside it and renamed into place', async () => {
    const { store, file, dir } = fx.setup();
    seed(store, 1500);
    const db = await openLedgers(store, file('ledger.db'), LEDGERS);
    fx.cleanups.push(() => db.close());
    expect(db.checkpoint().position).toBe((await store.head()).position);
    const rebuilt = await rebuildLedgers(store, LEDGERS, { file: file('check.db') });
    fx.cleanups.push(() => rebuilt.dispose());
    expect(hashes(db)).toEqual(hashes(rebuilt.db));
    expect(readdirSync(dir).filter((f) => f.includes('.rebuild'))).toEqual([]);
    // It is an ordinary live file: WAL, and the projector carries on from its checkpoint.
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const projector = new Projector(store, db, { batchSize: 50, logger: testLogger });
    projector.start();
    fx.cleanups.push(() => projector.stop());
    const more = await store.append('customer-C0', [envelope('CustomerFlagChanged', { customerId: 'C0', flag: 'blacklist', set: true, reason: '恶意拖欠' })], { expectedRevision: 'any' });
    await projector.waitFor(more.position);
    expect(db.db.prepare("SELECT blacklisted FROM ledger_customers WHERE customer_id = 'C0'").get()).toEqual({ blacklisted: 1 });
  });

  it('a file of the current definition is opened as it is; one of another definition is replaced whole', async () => {
    const { store, file } = fx.setup();
    seed(store, 1500);
    const target = file('ledger.db');
    const first = await openLedgers(store, target, LEDGERS);
    // A mark that a rebuild would remove.
    first.db.prepare("UPDATE ledger_customers SET grade = 'A' WHERE customer_id = 'C1'").run();
    first.close();
    const again = await openLedgers(store, target, LEDGERS);
    expect(again.db.prepare("SELECT grade FROM ledger_customers WHERE customer_id = 'C1'").get()).toEqual({ grade: 'A' });
    again.close();

    const changed = LEDGERS.map((l) => (l.name === 'customers' ? { ...l, version: l.version + 1 } : l));
    const replaced = await openLedgers(store, target, changed);
    fx.cleanups.push(() => replaced.close());
    expect(LedgerDb.storedSchemaHash(target)).toBe(LedgerDb.schemaHash(changed));
    expect(replaced.db.prepare("SELECT grade FROM ledger_customers WHERE customer_id = 'C1'").get()).not.toEqual({ grade: 'A' });
    expect(replaced.checkpoint().position).toBe((await store.head()).position);
    const rebuilt = await rebuildLedgers(store, changed, { file: file('check.db') });
    fx.cleanups.push(() => rebuilt.dispose());
    expect(hashes(replaced)).toEqual(hashes(rebuilt.db));
  });
});
