import path from 'node:path';
import { afterEach } from 'vitest';
import type { EventEnvelope, RecordedEvent } from '../../src/events/envelope';
import type { EventStore } from '../../src/events/store/port';
import { LedgerDb } from '../../src/projections/ledger-db';
import { LEDGERS } from '../../src/projections/ledgers';
import { envelope } from '../support/events';
import { tempStore } from '../support/store';

/** Registers afterEach cleanups and hands out fresh stores and ledger databases in one temp directory per test. */
export function auditFixture() {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    cleanups,
    setup() {
      const s = tempStore();
      cleanups.push(s.cleanup);
      const ledgerDb = (name = 'ledger.db') => {
        const db = new LedgerDb(path.join(s.dir, name), LEDGERS);
        cleanups.push(() => db.close());
        return db;
      };
      return { ...s, ledgerDb, file: (name: string) => path.join(s.dir, name) };
    },
  };
}

export async function readAll(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of store.readAll()) out.push(e);
  return out;
}

/** Applies every event in the store to the ledgers, as the projector does. */
export async function project(store: EventStore, db: LedgerDb): Promise<void> {
  db.applyBatch(await readAll(store));
}

/** A customer with a phone of its own (so that one stored byte of it can be found and changed). */
export const customer = (i: number, extra: Record<string, unknown> = {}, meta: Partial<EventEnvelope['metadata']> = {}) =>
  envelope(
    'CustomerRegistered',
    { customerId: `C${i}`, name: `客户${i}`, phone: `139${String(i).padStart(8, '0')}`, type: 'owner', importance: 'ordinary', grade: 'B', ...extra },
    meta,
  );

export const contactUpdate = (i: number, changes: Record<string, unknown>, meta: Partial<EventEnvelope['metadata']> = {}) =>
  envelope('CustomerContactUpdated', { customerId: `C${i}`, changes }, meta);
