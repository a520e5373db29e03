import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src/events/envelope';
import { ConcurrencyError, DuplicateEventIdError, EventTooLargeError } from '../../src/events/store/errors';
import { SqliteEventStore } from '../../src/events/store/sqlite';
import { envelope } from '../support/events';
import { tempDir } from '../support/store';

/** The SQLite store's own append path: group commit, savepoints, the id check by the unique index, one serialisation. */
describe('SqliteEventStore appends', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const open = (options: Partial<ConstructorParameters<typeof SqliteEventStore>[0]> = {}) => {
    const t = tempDir('taizhang-appends-');
    const store = new SqliteEventStore({ file: path.join(t.dir, 'events.db'), ...options });
    cleanups.push(t.cleanup, () => store.close());
    return { store, dir: t.dir };
  };
  const ids = async (store: SqliteEventStore, stream: string) => (await store.readStream(stream)).map((e) => e.id);
  const batch = (n: number, type = 'Batched') => Array.from({ length: n }, (_, i) => envelope(type, { i, note: '已致电客户，说明处理进度'.repeat(20) }));

  it('appends issued together commit together; each that fails rolls back alone, whatever made it fail', async () => {
    const { store } = open();
    const stored = envelope('A', {});
    await store.append('s-taken', [stored], { expectedRevision: 'no_stream' });
    const retried = batch(3);
    await store.append('s-retry', retried, { expectedRevision: 'no_stream' });
    const big = batch(300); // about 200 KB: more than a savepoint's journal keeps in memory by default
    const before = (await store.head()).position;

    const outcomes = await Promise.allSettled([
      store.append('s-big', big, { expectedRevision: 'no_stream' }),
      store.append('s-taken', [envelope('B', {})], { expectedRevision: 'no_stream' }), // the stream exists
      store.append('s-dup', [envelope('C', {}), stored], { expectedRevision: 'no_stream' }), // an id stored elsewhere, after a fresh event
      store.append('s-retry', retried, { expectedRevision: 'no_stream' }), // a retry
      store.append('s-bad', [envelope('D', {}), { ...envelope('E', {}), data: undefined }], { expectedRevision: 'no_stream' }), // data with no JSON form
      store.append('s-fresh', [envelope('F', {})], { expectedRevision: 'no_stream' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    const reason = (i: number) => (outcomes[i] as PromiseRejectedResult).reason as Error;
    expect(reason(1)).toBeInstanceOf(ConcurrencyError);
    expect(reason(2)).toBeInstanceOf(DuplicateEventIdError);
    expect(reason(2)).toMatchObject({ eventId: stored.id, streamName: 's-dup' });
    expect(reason(4)).toMatchObject({ code: 'SQLITE_CONSTRAINT_NOTNULL' });
    expect((outcomes[3] as PromiseFulfilledResult<unknown>).value).toMatchObject({ alreadyAppended: true, nextExpectedRevision: 2 });

    expect(await ids(store, 's-big')).toEqual(big.map((e) => e.id));
    expect(await ids(store, 's-taken')).toEqual([stored.id]);
    expect(await ids(store, 's-dup')).toEqual([]); // the fresh event before the duplicate went with it
    expect(await ids(store, 's-bad')).toEqual([]);
    expect(await ids(store, 's-retry')).toEqual(retried.map((e) => e.id));
    expect((await store.readStream('s-fresh')).map((e) => e.type)).toEqual(['F']);
    // Positions continue with no gap left by the appends that rolled back.
    const positions = [];
    for await (const e of store.readAll({ fromPosition: before })) positions.push(Number(e.position));
    expect(positions).toEqual(Array.from({ length: 301 }, (_, i) => Number(before) + 1 + i));
  });

  it('recognises a retry of a large batch at the tail, and refuses one that overlaps the tail out of place', async () => {
    const { store } = open();
    const first = batch(150);
    const second = batch(150);
    const r1 = await store.append('s', first, { expectedRevision: 'no_stream' });
    const r2 = await store.append('s', second, { expectedRevision: 149 });
    expect(await store.append('s', second, { expectedRevision: 'any' })).toEqual({ ...r2, alreadyAppended: true });
    expect(await store.append('s', second, { expectedRevision: 149 })).toEqual({ ...r2, alreadyAppended: true });
    expect(await store.append('s', first, { expectedRevision: 'no_stream' })).toEqual({ ...r1, alreadyAppended: true });
    // The first batch again at the tail, where it never was.
    await expect(store.append('s', first, { expectedRevision: 'any' })).rejects.toBeInstanceOf(DuplicateEventIdError);
    await expect(store.append('s', [...second.slice(100), envelope('New', {})], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(DuplicateEventIdError);
    expect(await ids(store, 's')).toEqual([...first, ...second].map((e) => e.id));
  });

  it('appendSync inside a caller’s transaction: a refused append leaves the others of that transaction in place', () => {
    const { store } = open();
    const a = envelope('A', {});
    store.db.transaction(() => {
      store.appendSync('s-1', [a], 'no_stream');
      expect(() => store.appendSync('s-1', [envelope('B', {})], 'no_stream')).toThrow(ConcurrencyError);
      expect(() => store.appendSync('s-2', [envelope('C', {}), a], 'no_stream')).toThrow(DuplicateEventIdError);
      expect(store.appendSync('s-1', [a], 'no_stream')).toMatchObject({ alreadyAppended: true, nextExpectedRevision: 0 });
      store.appendSync('s-3', batch(200), 'no_stream');
    })();
    expect(store.db.prepare('SELECT stream_name, count(*) AS n FROM events GROUP BY stream_name ORDER BY stream_name').all()).toEqual([
      { stream_name: 's-1', n: 1 },
      { stream_name: 's-3', n: 200 },
    ]);
  });

  it('measures the size limit in UTF-8 bytes, exactly where that matters', async () => {
    const { store } = open({ maxEventBytes: 4096 });
    const meta = envelope('X', {}).metadata;
    const room = 4096 - Buffer.byteLength(JSON.stringify(meta)) - 2;
    const chinese = (bytes: number): EventEnvelope => ({ id: randomUUID(), type: 'Big', data: '台'.repeat(Math.floor(bytes / 3)) + 'x'.repeat(bytes % 3), metadata: meta });
    // 3 bytes a character: within the limit in bytes although three times its length is not.
    await store.append('s-fits', [chinese(room)], { expectedRevision: 'no_stream' });
    expect((await store.readStream('s-fits'))[0]!.data).toBe(chinese(room).data);
    await expect(store.append('s-over', [chinese(room + 1)], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ name: 'EventTooLargeError', bytes: 4097, limit: 4096 });
    await expect(store.append('s-over', [chinese(room + 1)], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(EventTooLargeError);
    expect(await store.readStream('s-over')).toEqual([]);
  });

  it('stores each event as serialised for the size check: the same text a reader parses', async () => {
    const { store } = open();
    const data = { text: '台账', nested: { list: [1, 2.5, null, true], empty: {} }, unicode: '\u2028\ud83d\ude00' };
    const e = envelope('T', data);
    await store.append('s', [e], { expectedRevision: 'no_stream' });
    const row = store.db.prepare('SELECT data, metadata FROM events').get() as { data: string; metadata: string };
    expect(row).toEqual({ data: JSON.stringify(data), metadata: JSON.stringify(e.metadata) });
  });

  it('an older file loses the type index no query uses; its events stay readable', async () => {
    const t = tempDir('taizhang-appends-');
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'events.db');
    const first = new SqliteEventStore({ file });
    await first.append('s', [envelope('A', {})], { expectedRevision: 'no_stream' });
    await first.close();
    const raw = new Database(file);
    raw.exec('CREATE INDEX events_by_type ON events (type, position)');
    raw.close();
    const store = new SqliteEventStore({ file });
    cleanups.push(() => store.close());
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'events_by_type'").all()).toEqual([]);
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A']);
  });

  it('hands out stored records in pages, whole or only of the types asked for', async () => {
    const { store } = open();
    await store.append('s', [envelope('A', { n: 1 }), envelope('B', { n: 2 }), envelope('A', { n: 3 })], { expectedRevision: 'no_stream' });
    expect(store.readRecords(0, 10).map((r) => [r[0], r[4], r[5]])).toEqual([
      [1, 'A', '{"n":1}'],
      [2, 'B', '{"n":2}'],
      [3, 'A', '{"n":3}'],
    ]);
    expect(store.readRecords(1, 10, { types: ['A'], others: 'skip' }).map((r) => [r[0], r[5]])).toEqual([[3, '{"n":3}']]);
    expect(store.readRecords(0, 10, { types: ['A'], others: 'blank' }).map((r) => [r[0], r[4], r[5], r[6] === null])).toEqual([
      [1, 'A', '{"n":1}', false],
      [2, 'B', null, true],
      [3, 'A', '{"n":3}', false],
    ]);
    expect(store.readRecords(0, 2).map((r) => r[0])).toEqual([1, 2]);
    expect(store.sampleTypes(0, 3, 10)).toEqual(new Map([['A', 2], ['B', 1]]));
  });
});
