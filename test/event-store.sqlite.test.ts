import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { START, type RecordedEvent } from '../src/events/envelope';
import { SqliteEventStore } from '../src/events/store/sqlite';
import { collect, envelope, eventStoreContract, uniqueName, waitUntil } from './contract/event-store-contract';

const MAX_EVENT_BYTES = 64 * 1024;
const dir = mkdtempSync(path.join(tmpdir(), 'taizhang-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => path.join(dir, `events-${++files}.db`);

eventStoreContract(
  'SqliteEventStore (file)',
  async () => new SqliteEventStore({ file: tempFile(), maxEventBytes: MAX_EVENT_BYTES, pollIntervalMs: 10 }),
  undefined,
  { maxEventBytes: MAX_EVENT_BYTES, uniqueIdsEverywhere: true },
);

eventStoreContract(
  'SqliteEventStore (:memory:)',
  async () => new SqliteEventStore({ file: ':memory:', maxEventBytes: MAX_EVENT_BYTES, pollIntervalMs: 10 }),
  undefined,
  { maxEventBytes: MAX_EVENT_BYTES, uniqueIdsEverywhere: true },
);

describe('SqliteEventStore specifics', () => {
  it('starts empty: head is START and readAll yields nothing', async () => {
    const store = new SqliteEventStore({ file: tempFile() });
    try {
      expect(await store.head()).toEqual({ position: START });
      expect(await collect(store.readAll())).toEqual([]);
      const r = await store.append('s-1', [envelope('A')], { expectedRevision: 'no_stream' });
      expect(r.position).toBe('1');
      expect(await store.head()).toEqual({ position: '1' });
    } finally {
      await store.close();
    }
  });

  it('keeps every event across a close and reopen of the file', async () => {
    const file = tempFile();
    const a = new SqliteEventStore({ file });
    const stream = uniqueName('durable');
    const sent = [envelope('A'), envelope('B', { text: '台账' })];
    await a.append(stream, sent, { expectedRevision: 'no_stream' });
    const before = await a.readStream(stream);
    const head = await a.head();
    await a.close();

    const b = new SqliteEventStore({ file });
    try {
      expect(await b.readStream(stream)).toEqual(before);
      expect(await b.head()).toEqual(head);
      expect((await collect(b.readAll())).map((e) => e.id)).toEqual(sent.map((e) => e.id));
      // it carries on where it left off, and still recognises a retry of what was written before the reopen
      expect(await b.append(stream, sent, { expectedRevision: 'no_stream' })).toMatchObject({ alreadyAppended: true, nextExpectedRevision: 1 });
      expect(await b.append(stream, [envelope('C')], { expectedRevision: 1 })).toMatchObject({ nextExpectedRevision: 2, alreadyAppended: false });
    } finally {
      await b.close();
    }
  });

  it('lets a second instance on the same file see appends through its subscription (polling)', async () => {
    const file = tempFile();
    const writer = new SqliteEventStore({ file });
    const reader = new SqliteEventStore({ file, pollIntervalMs: 10 });
    try {
      const stream = uniqueName('shared');
      await writer.append(stream, [envelope('Before')], { expectedRevision: 'no_stream' });
      const received: RecordedEvent[] = [];
      const sub = reader.subscribeAll({ fromPosition: START }, (e) => void received.push(e));
      await waitUntil(() => received.length === 1 && sub.caughtUp, 'catch-up from the other instance');

      const live = [envelope('After'), envelope('After')];
      await writer.append(stream, live, { expectedRevision: 0 });
      await waitUntil(() => received.length === 3, 'events appended by the other instance');
      expect(received.slice(1).map((e) => e.id)).toEqual(live.map((e) => e.id));
      expect(await reader.readStream(stream)).toEqual(await writer.readStream(stream));

      // the reader's appends are checked against the writer's: one file, one sequence of revisions
      await expect(reader.append(stream, [envelope('Stale')], { expectedRevision: 0 })).rejects.toMatchObject({ name: 'ConcurrencyError' });
      await sub.stop();
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('opens readonly: reads and subscribes, refuses to append', async () => {
    const file = tempFile();
    const writer = new SqliteEventStore({ file });
    const stream = uniqueName('ro');
    await writer.append(stream, [envelope('A')], { expectedRevision: 'no_stream' });
    const ro = new SqliteEventStore({ file, readonly: true, pollIntervalMs: 10 });
    try {
      expect((await ro.readStream(stream)).map((e) => e.type)).toEqual(['A']);
      expect(await ro.head()).toEqual(await writer.head());
      await expect(ro.append(stream, [envelope('B')], { expectedRevision: 0 })).rejects.toThrow(/readonly|read-only/i);
      expect((await writer.readStream(stream)).map((e) => e.type)).toEqual(['A']);

      const received: RecordedEvent[] = [];
      const sub = ro.subscribeAll({ fromPosition: START }, (e) => void received.push(e));
      await writer.append(stream, [envelope('B')], { expectedRevision: 0 });
      await waitUntil(() => received.length === 2, 'the writer’s events in the readonly instance');
      expect(received.map((e) => e.type)).toEqual(['A', 'B']);
      await sub.stop();
    } finally {
      await ro.close();
      await writer.close();
    }
  });

  it('stops its subscriptions on close', async () => {
    const store = new SqliteEventStore({ file: ':memory:' });
    const sub = store.subscribeAll({}, () => undefined);
    await store.close();
    await expect(sub.done).resolves.toBeUndefined();
  });
});
