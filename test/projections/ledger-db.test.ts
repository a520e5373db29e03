import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rebuildLedgers, tableHashes } from '../../src/audit/rebuild';
import type { CellValue, Column, LedgerProjection, LedgerRow } from '../../src/domain/ledger';
import type { RecordedEvent } from '../../src/events/envelope';
import { LedgerDb } from '../../src/projections/ledger-db';
import { envelope } from '../support/events';
import { tempStore } from '../support/store';

const column = (name: string, type: Column['type']): Column => ({ name, type, label: { zh: name, en: name } });

interface Odd {
  key: unknown;
  op: 'set' | 'mutate' | 'delete' | 'move' | 'count' | 'append';
  values?: Record<string, unknown>;
  to?: string;
}

/**
 * A ledger that does what the real ones do not, to hold the row cache to SQLite's own behaviour: numbers into TEXT,
 * numeric text and booleans into INTEGER, -0, NaN, Infinity, undefined, a NULL key, a fold that mutates the row it is
 * given, deletes, writes under another key, and folds that read back what was written.
 */
const odd: LedgerProjection = {
  name: 'odd',
  version: 1,
  title: { zh: 'odd', en: 'odd' },
  key: ['k'],
  orderBy: 'k',
  columns: [column('k', 'TEXT'), column('t', 'TEXT'), column('i', 'INTEGER'), column('r', 'REAL')],
  handles: ['Odd'],
  rowKey: (e) => ({ k: (e.data as Odd).key as CellValue }),
  evolve(row, e): LedgerRow | null | undefined {
    const d = e.data as Odd;
    switch (d.op) {
      case 'set':
        return { k: d.key as CellValue, ...(row ?? {}), ...(d.values as LedgerRow) } as LedgerRow;
      case 'mutate':
        if (row) row.t = 'changed in place';
        return undefined;
      case 'delete':
        return null;
      case 'move':
        return row ? { ...row, k: d.to! } : undefined;
      case 'count':
        return { k: d.key as CellValue, t: row ? `${typeof row.t}:${String(row.t)}` : 'none', i: typeof row?.i === 'number' ? row.i + 1 : 0, r: row?.r ?? null };
      case 'append':
        return { k: d.key as CellValue, t: `${String(row?.t ?? '')}+`, i: row?.i ?? null, r: typeof row?.r === 'number' ? row.r * 2 : 1 };
    }
  },
};

/**
 * A numeric key (the table's rowid): text that looks like a number is stored as one, so it names the same row as the
 * number; a NULL key is given the next rowid.
 */
const numbered: LedgerProjection = {
  ...odd,
  name: 'numbered',
  key: ['n'],
  orderBy: 'n',
  columns: [column('n', 'INTEGER'), column('t', 'TEXT')],
  rowKey: (e) => {
    const key = (e.data as Odd).key;
    return key === null || typeof key === 'number' || /^[0-9]+$/.test(String(key)) ? { n: key as CellValue } : undefined;
  },
  evolve: (row, e) => ({ n: (e.data as Odd).key as CellValue, t: `${String(row?.t ?? '')}${typeof (e.data as Odd).key}` }),
};

const ODD: Odd[] = [
  { key: 'a', op: 'set', values: { t: 5, i: '12', r: 3 } },
  { key: 'a', op: 'count' },
  { key: 'a', op: 'mutate' },
  { key: 'a', op: 'count' },
  { key: 'b', op: 'set', values: { t: 'x', i: true, r: -0 } },
  { key: 'b', op: 'append' },
  { key: 'b', op: 'append' },
  { key: 'c', op: 'set', values: { t: 'y', i: 1.5, r: Number.NaN } },
  { key: 'c', op: 'count' },
  { key: 'c', op: 'set', values: { i: Number.POSITIVE_INFINITY, r: undefined } },
  { key: 'c', op: 'count' },
  { key: 'a', op: 'delete' },
  { key: 'a', op: 'count' },
  { key: 'b', op: 'move', to: 'd' },
  { key: 'd', op: 'append' },
  { key: 'b', op: 'append' },
  { key: null, op: 'set', values: { t: 'null key' } },
  { key: null, op: 'set', values: { t: 'null key again' } },
  { key: 7, op: 'set', values: { t: 'number key in a TEXT column' } },
  { key: '7', op: 'count' },
  { key: 'e', op: 'append' },
  { key: 'e', op: 'delete' },
  { key: 'e', op: 'delete' },
  { key: 'e', op: 'append' },
  { key: 12, op: 'count' },
  { key: '12', op: 'count' },
  { key: 12, op: 'count' },
];

describe('ledger database: the row cache gives what SQLite gives', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('one event per transaction (every row read back from the file), one batch and a rebuild end in the same rows', async () => {
    const s = tempStore();
    cleanups.push(s.cleanup);
    for (const [i, d] of ODD.entries()) await s.store.append(`odd-${i}`, [envelope('Odd', d)], { expectedRevision: 'no_stream' });
    const events: RecordedEvent[] = [];
    for await (const e of s.store.readAll()) events.push(e);
    const ledgers = [odd, numbered];
    const open = (name: string) => {
      const db = new LedgerDb(path.join(s.dir, name), ledgers);
      cleanups.push(() => db.close());
      return db;
    };
    const each = open('each.db');
    for (const e of events) each.applyBatch([e]);
    const batch = open('batch.db');
    batch.applyBatch(events);
    const rebuilt = await rebuildLedgers(s.store, ledgers, { file: path.join(s.dir, 'rebuilt.db') });
    cleanups.push(() => rebuilt.dispose());
    const small = await rebuildLedgers(s.store, ledgers, { file: path.join(s.dir, 'small.db'), rowsInMemory: 1 });
    cleanups.push(() => small.dispose());

    const rows = (db: LedgerDb, table: string, key: string) => db.db.prepare(`SELECT *, typeof(t) AS tt FROM ${table} ORDER BY ${key}, _position`).all();
    const expected = { odd: rows(each, 'ledger_odd', 'k'), numbered: rows(each, 'ledger_numbered', 'n') };
    // What SQLite made of it, as the live projector always had it: the number 7 is the text '7.0' in a TEXT column (a
    // number is bound as a REAL), a row other than '7'; NaN and Infinity came back as NULL; the rowid key gave NULL keys
    // rows of their own and took '7' and 7 for the same row.
    expect(expected).toEqual({
      odd: [
        { k: null, t: 'null key', i: null, r: null, _position: '17', tt: 'text' },
        { k: null, t: 'null key again', i: null, r: null, _position: '18', tt: 'text' },
        { k: '12', t: 'none', i: 0, r: null, _position: '26', tt: 'text' },
        { k: '12.0', t: 'string:none', i: 1, r: null, _position: '27', tt: 'text' },
        { k: '7', t: 'none', i: 0, r: null, _position: '20', tt: 'text' },
        { k: '7.0', t: 'number key in a TEXT column', i: null, r: null, _position: '19', tt: 'text' },
        { k: 'a', t: 'none', i: 0, r: null, _position: '13', tt: 'text' },
        { k: 'b', t: 'x+++', i: 1, r: 0, _position: '16', tt: 'text' },
        { k: 'c', t: 'string:string:y', i: 0, r: null, _position: '11', tt: 'text' },
        { k: 'd', t: 'x+++', i: 1, r: 0, _position: '15', tt: 'text' },
        { k: 'e', t: '+', i: null, r: 1, _position: '24', tt: 'text' },
      ],
      numbered: [
        { n: 1, t: 'object', _position: '17', tt: 'text' },
        { n: 2, t: 'object', _position: '18', tt: 'text' },
        { n: 7, t: 'numberstring', _position: '20', tt: 'text' },
        { n: 12, t: 'numberstringnumber', _position: '27', tt: 'text' },
      ],
    });
    for (const db of [batch, rebuilt.db, small.db]) {
      expect({ odd: rows(db, 'ledger_odd', 'k'), numbered: rows(db, 'ledger_numbered', 'n') }).toEqual(expected);
      expect(tableHashes(db)).toEqual(tableHashes(each));
    }
  });

  it('an event a row has seen is not applied again, even from the cache', () => {
    const s = tempStore();
    cleanups.push(s.cleanup);
    const db = new LedgerDb(path.join(s.dir, 'ledger.db'), [odd]);
    cleanups.push(() => db.close());
    const e = (position: number, d: Odd): RecordedEvent => ({ ...envelope('Odd', d), streamName: 'odd-1', revision: position - 1, position: String(position), recordedAt: '2026-10-09T01:00:00.000Z' });
    db.applyBatch([e(1, { key: 'a', op: 'append' }), e(2, { key: 'a', op: 'append' })]);
    db.db.prepare("UPDATE projector_checkpoint SET position = '0'").run();
    // Rewound checkpoint, same events again, plus one new: only the new one changes the row.
    db.applyBatch([e(1, { key: 'a', op: 'append' }), e(2, { key: 'a', op: 'append' }), e(3, { key: 'a', op: 'append' })]);
    expect(db.db.prepare('SELECT t, _position FROM ledger_odd').get()).toEqual({ t: '+++', _position: '3' });
    expect(db.checkpoint()).toMatchObject({ position: '3', eventsApplied: 5 });
  });
});
