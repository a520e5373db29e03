import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { comparePositions, START, type EventEnvelope, type RecordedEvent } from '../src/events/envelope';
import { openEventStore } from '../src/events/store';
import { EventStoreError, InvalidEventError } from '../src/events/store/errors';
import { APPEND_CHANNEL, APPEND_LOCK, createPostgresEventStore, LOCK_NAMESPACE, PostgresEventStore, redact } from '../src/events/store/postgres';
import { collect, envelope, eventStoreContract, testMetadata, uniqueName, waitUntil } from './contract/event-store-contract';
import { freshDatabase, postgresServer } from './support/postgres';

/*
 * The PostgreSQL adapter against a real server: the private cluster set-up created (or PG_URL). Each suite gets a
 * database of its own, dropped afterwards. Without a server every test here fails, saying why (see support/postgres).
 */

const MAX_EVENT_BYTES = 64 * 1024;
const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(drops.map((d) => d()));
});

/** A store on a fresh database, and a way to open more instances on the same one (other processes, in effect). */
async function freshStore(label: string, options: { pollIntervalMs?: number; listen?: boolean } = {}): Promise<{ store: PostgresEventStore; url: string; open: (o?: { pollIntervalMs?: number; listen?: boolean; poolSize?: number }) => Promise<PostgresEventStore> }> {
  const db = await freshDatabase(label);
  drops.push(db.drop);
  const open = (o: { pollIntervalMs?: number; listen?: boolean; poolSize?: number } = {}) => createPostgresEventStore({ url: db.url, maxEventBytes: MAX_EVENT_BYTES, pollIntervalMs: 50, ...o });
  return { store: await open(options), url: db.url, open };
}

eventStoreContract('PostgresEventStore', async () => (await freshStore('contract')).store, undefined, {
  maxEventBytes: MAX_EVENT_BYTES,
  uniqueIdsEverywhere: true,
  timeoutMs: 20_000,
});

// The contract again on one database that several instances share, appending and subscribing through different ones.
eventStoreContract(
  'PostgresEventStore (two instances on one database)',
  async () => {
    const { store, open } = await freshStore('contract_shared');
    const other = await open();
    // Reads and subscriptions through `other`, appends through `store`: every read sees the other instance's writes.
    return new Proxy(other, {
      get(target, prop, receiver) {
        if (prop === 'append') return store.append.bind(store);
        if (prop === 'close') return async () => Promise.all([store.close(), other.close()]).then(() => undefined);
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  },
  undefined,
  { maxEventBytes: MAX_EVENT_BYTES, uniqueIdsEverywhere: true, timeoutMs: 20_000 },
);

describe('PostgresEventStore specifics', () => {
  it('has a server to run against (PG_URL, or the private cluster of scripts/setup.mjs --for-tests)', async () => {
    const url = await postgresServer();
    expect(url).toMatch(/^postgres(ql)?:\/\//);
  });

  it('starts empty, numbers positions from 1 without gaps, even after a rejected append', async () => {
    const { store } = await freshStore('empty');
    try {
      expect(await store.head()).toEqual({ position: START });
      expect(await collect(store.readAll())).toEqual([]);
      expect(await store.append('s-1', [envelope('A'), envelope('B')], { expectedRevision: 'no_stream' })).toEqual({ nextExpectedRevision: 1, position: '2', alreadyAppended: false });
      await expect(store.append('s-1', [envelope('Stale')], { expectedRevision: 0 })).rejects.toMatchObject({ name: 'ConcurrencyError', actual: '1' });
      expect(await store.append('s-2', [envelope('C')], { expectedRevision: 'no_stream' })).toMatchObject({ position: '3' });
      expect((await collect(store.readAll())).map((e) => e.position)).toEqual(['1', '2', '3']);
      expect(await store.head()).toEqual({ position: '3' });
    } finally {
      await store.close();
    }
  });

  it('is chosen by openEventStore for postgres:// and postgresql:// URLs', async () => {
    const { store, url } = await freshStore('open');
    await store.close();
    for (const scheme of ['postgres:', 'postgresql:']) {
      const u = new URL(url);
      const opened = await openEventStore({ url: `${scheme}${u.href.slice(u.protocol.length)}`, file: '/nonexistent/events.db', maxEventBytes: MAX_EVENT_BYTES, pollIntervalMs: 20 });
      try {
        expect(opened.kind).toBe('postgres');
        expect(opened).toBeInstanceOf(PostgresEventStore);
      } finally {
        await opened.close();
      }
    }
  });

  it('creates its table once when several processes open a fresh database at the same time', async () => {
    const db = await freshDatabase('race');
    drops.push(db.drop);
    const stores = await Promise.all(Array.from({ length: 6 }, () => createPostgresEventStore({ url: db.url })));
    try {
      await Promise.all(stores.map((s, i) => s.append(`race-${i}`, [envelope('A')], { expectedRevision: 'no_stream' })));
      expect((await collect(stores[0]!.readAll())).map((e) => e.position)).toEqual(['1', '2', '3', '4', '5', '6']);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('wakes a subscription in another instance through LISTEN/NOTIFY, without waiting for its poll', async () => {
    const { store, open } = await freshStore('notify');
    const reader = await open({ pollIntervalMs: 60_000 });
    try {
      const received: RecordedEvent[] = [];
      const sub = reader.subscribeAll({}, (e) => void received.push(e));
      await waitUntil(() => sub.caughtUp, 'caught up on the empty store');
      await new Promise((r) => setTimeout(r, 200)); // the subscription is waiting now, for a minute unless notified
      const started = Date.now();
      await store.append(uniqueName('notify'), [envelope('A')], { expectedRevision: 'no_stream' });
      await waitUntil(() => received.length === 1, 'the notified event', 5000);
      expect(Date.now() - started).toBeLessThan(5000);
      await sub.stop();
    } finally {
      await reader.close();
      await store.close();
    }
  });

  it('listens again after its listening connection is lost', async () => {
    const { store, url, open } = await freshStore('relisten');
    const reader = await open({ pollIntervalMs: 60_000 });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const received: RecordedEvent[] = [];
      const sub = reader.subscribeAll({}, (e) => void received.push(e));
      await waitUntil(() => sub.caughtUp, 'caught up');
      const listening = async () =>
        (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ${APPEND_CHANNEL}'`)).rows.map((r) => r.pid);
      let pids: number[] = [];
      for (let i = 0; i < 100 && pids.length === 0; i++) {
        pids = await listening();
        if (!pids.length) await new Promise((r) => setTimeout(r, 20));
      }
      expect(pids).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [pids[0]]);
      // a new listening connection, on another backend
      for (let i = 0; i < 100; i++) {
        const now = await listening();
        if (now.length === 1 && now[0] !== pids[0]) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await listening()).filter((p) => p !== pids[0])).toHaveLength(1);
      await store.append(uniqueName('relisten'), [envelope('A')], { expectedRevision: 'no_stream' });
      await waitUntil(() => received.length === 1, 'the event notified on the new connection', 5000);
      await sub.stop();
    } finally {
      await admin.end();
      await reader.close();
      await store.close();
    }
  });

  it('still delivers by polling when no notification comes', async () => {
    const { store, open } = await freshStore('poll');
    const reader = await open({ listen: false, pollIntervalMs: 30 });
    try {
      const received: RecordedEvent[] = [];
      const sub = reader.subscribeAll({}, (e) => void received.push(e));
      await waitUntil(() => sub.caughtUp, 'caught up');
      const sent = [envelope('A'), envelope('B')];
      await store.append(uniqueName('poll'), sent, { expectedRevision: 'no_stream' });
      await waitUntil(() => received.length === 2, 'the polled events');
      expect(received.map((e) => e.id)).toEqual(sent.map((e) => e.id));
      await sub.stop();
    } finally {
      await reader.close();
      await store.close();
    }
  });

  it('recognises a retry sent through another instance (after a lost answer) and appends nothing twice', async () => {
    const { store, open } = await freshStore('retry');
    const other = await open();
    try {
      const stream = uniqueName('retry');
      const batch = [envelope('A'), envelope('B')];
      const first = await store.append(stream, batch, { expectedRevision: 'no_stream' });
      const again = await Promise.all([other.append(stream, batch, { expectedRevision: 'no_stream' }), store.append(stream, batch, { expectedRevision: 'no_stream' })]);
      for (const r of again) expect(r).toEqual({ ...first, alreadyAppended: true });
      expect(await other.append(stream, batch, { expectedRevision: 'any' })).toMatchObject({ alreadyAppended: true, nextExpectedRevision: 1 });
      expect((await store.readStream(stream)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      expect(await store.head()).toEqual({ position: '2' });
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('commits appends issued together in one transaction, failing only the append at fault', async () => {
    const { store } = await freshStore('group');
    try {
      const streams = Array.from({ length: 20 }, () => uniqueName('group'));
      const batches = streams.map(() => [envelope('G'), envelope('G')]);
      const conflicting = store.append(streams[0]!, [envelope('Late')], { expectedRevision: 5 }).catch((e: unknown) => e);
      // a stream name PostgreSQL cannot store (a NUL character) fails the group's transaction: the others run again alone
      const unstorable = store.append('bad\u0000name', [envelope('X')], { expectedRevision: 'any' }).catch((e: unknown) => e);
      const results = await Promise.all(streams.map((stream, i) => store.append(stream, batches[i]!, { expectedRevision: 'no_stream' })));
      expect(await conflicting).toMatchObject({ name: 'ConcurrencyError' });
      expect(await unstorable).toMatchObject({ code: '22021' }); // invalid byte sequence: the database's own error, as it is
      expect(await unstorable).not.toBeInstanceOf(EventStoreError);
      expect(results.map((r) => r.nextExpectedRevision)).toEqual(streams.map(() => 1));
      expect(new Set(results.map((r) => r.position)).size).toBe(streams.length);
      const all = await collect(store.readAll());
      expect(all.map((e) => e.id).sort()).toEqual(batches.flat().map((e) => e.id).sort());
      expect(all.map((e) => e.position)).toEqual(all.map((_, i) => String(i + 1)));
      for (const [i, stream] of streams.entries()) expect((await store.readStream(stream)).map((e) => e.id)).toEqual(batches[i]!.map((e) => e.id));
      // and a clean group shares one commit: consecutive positions in the order the appends were issued
      const more = streams.slice(0, 10).map((stream) => store.append(stream, [envelope('H')], { expectedRevision: 1 }));
      const positions = (await Promise.all(more)).map((r) => Number(r.position));
      expect(positions).toEqual(positions.map((_, i) => positions[0]! + i));
    } finally {
      await store.close();
    }
  });

  it('refuses data with no JSON form, naming the rule', async () => {
    const { store } = await freshStore('json');
    try {
      const bad: EventEnvelope = { id: uniqueName('id'), type: 'NoJson', data: undefined, metadata: testMetadata() };
      await expect(store.append(uniqueName('json'), [bad], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(InvalidEventError);
      await expect(store.append(uniqueName('json'), [bad], { expectedRevision: 'no_stream' })).rejects.toThrow(/no JSON form/);
      expect(await store.head()).toEqual({ position: START });
    } finally {
      await store.close();
    }
  });

  it('refuses positions that are not decimal strings', async () => {
    const { store } = await freshStore('badpos');
    try {
      await expect(collect(store.readAll({ fromPosition: '1e3' }))).rejects.toBeInstanceOf(EventStoreError);
      const sub = store.subscribeAll({ fromPosition: '-1' }, () => undefined);
      await expect(sub.done).rejects.toThrow(/not a position/);
    } finally {
      await store.close();
    }
  });

  it('finds the first stored event whose JSON no longer parses', async () => {
    const { store, url } = await freshStore('damaged');
    try {
      const stream = uniqueName('damaged');
      await store.append(stream, Array.from({ length: 12 }, () => envelope('A')), { expectedRevision: 'no_stream' });
      expect(await store.firstUnreadableAfter(START)).toBeUndefined();
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      await raw.query(`UPDATE events SET data = '{"broken' WHERE position IN (9, 11)`);
      await raw.end();
      // in position order, not in the order of the text '11' < '9'
      expect(await store.firstUnreadableAfter(START)).toBe('9');
      expect(await store.firstUnreadableAfter('9')).toBe('11');
      expect(await store.firstUnreadableAfter('11')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('says which server it could not open, without its password', async () => {
    const err = await createPostgresEventStore({ url: 'postgres://someone:s3cret@127.0.0.1:1/none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventStoreError);
    expect((err as Error).message).toMatch(/PostgreSQL event store at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none cannot be opened/);
    expect((err as Error).message).not.toContain('s3cret');
    expect(redact('not a url')).toBe('the configured URL');
  });

  it('stops its subscriptions on close', async () => {
    const { store } = await freshStore('close');
    const sub = store.subscribeAll({}, () => undefined);
    await waitUntil(() => sub.caughtUp, 'caught up');
    await store.close();
    await expect(sub.done).resolves.toBeUndefined();
  });
});

/** A TCP relay to the server that can cut every connection and refuse new ones for a while: a lost server, in effect. */
async function relayTo(url: string): Promise<{ url: string; cut: (forMs: number) => void; close: () => Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  let downUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < downUntil) return void client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(url);
  relayed.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url: relayed.toString(),
    cut: (forMs) => {
      downUntil = Date.now() + forMs;
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('PostgresEventStore when the server goes away', () => {
  it('a subscription rides out a lost server and delivers what was appended meanwhile, once', async () => {
    const { store, url } = await freshStore('outage');
    const relay = await relayTo(url);
    const reader = await createPostgresEventStore({ url: relay.url, pollIntervalMs: 20 });
    try {
      const stream = uniqueName('outage');
      const received: RecordedEvent[] = [];
      const sub = reader.subscribeAll({}, (e) => void received.push(e));
      await store.append(stream, [envelope('Before')], { expectedRevision: 'no_stream' });
      await waitUntil(() => received.length === 1, 'the event before the outage');

      relay.cut(1500);
      const during = [envelope('During'), envelope('During')];
      await store.append(stream, during, { expectedRevision: 0 });
      await new Promise((r) => setTimeout(r, 500));
      expect(received).toHaveLength(1); // the reader cannot reach the server now

      await waitUntil(() => received.length === 3, 'the events appended during the outage', 10_000);
      await store.append(stream, [envelope('After')], { expectedRevision: 2 });
      await waitUntil(() => received.length === 4, 'the event after the outage', 5000);
      expect(received.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      expect(received.slice(1, 3).map((e) => e.id)).toEqual(during.map((e) => e.id));
      await sub.stop();
      await expect(sub.done).resolves.toBeUndefined();
    } finally {
      await reader.close();
      await relay.close();
      await store.close();
    }
  });

  it('a subscription fails, naming the rule, once the server is gone longer than reconnectForMs', async () => {
    const { store, url } = await freshStore('gone');
    const relay = await relayTo(url);
    const reader = await createPostgresEventStore({ url: relay.url, pollIntervalMs: 20, reconnectForMs: 400 });
    try {
      const sub = reader.subscribeAll({}, () => undefined);
      await waitUntil(() => sub.caughtUp, 'caught up');
      relay.cut(60_000);
      await expect(sub.done).rejects.toThrow(/did not answer for \d+ ms \(reconnectForMs\)/);
    } finally {
      await reader.close();
      await relay.close();
      await store.close();
    }
  });
});

describe('PostgresEventStore global order', () => {
  it('holds back a later append while an earlier one is in flight, so a reader never passes the earlier position', async () => {
    const { store, url, open } = await freshStore('inflight');
    const reader = await open({ pollIntervalMs: 10 });
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      const received: string[] = [];
      const sub = reader.subscribeAll({}, (e) => void received.push(e.id));
      await waitUntil(() => sub.caughtUp, 'caught up');

      // An append in flight: it holds the append lock and has written position 1, not yet committed.
      const slow = envelope('Slow');
      await raw.query('BEGIN');
      await raw.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, APPEND_LOCK]);
      await raw.query(
        `INSERT INTO events (position, stream_name, revision, id, type, data, metadata, recorded_at)
         SELECT coalesce(max(position), 0) + 1, 'slow', 0, $1, $2, $3, $4, now() FROM events`,
        [slow.id, slow.type, JSON.stringify(slow.data), JSON.stringify(slow.metadata)],
      );
      // A later append, started while the first is in flight: it waits for the lock instead of committing position 2.
      const fast = envelope('Fast');
      let fastDone = false;
      const fastAppend = store.append('fast', [fast], { expectedRevision: 'no_stream' }).then((r) => ((fastDone = true), r));
      await new Promise((r) => setTimeout(r, 300));
      expect(fastDone).toBe(false);
      expect(received).toEqual([]);
      expect(await reader.head()).toEqual({ position: START });

      await raw.query('COMMIT');
      expect(await fastAppend).toMatchObject({ position: '2' });
      await waitUntil(() => received.length === 2, 'both events');
      expect(received).toEqual([slow.id, fast.id]);
      await sub.stop();
    } finally {
      await raw.end();
      await reader.close();
      await store.close();
    }
  });

  it(
    '8 concurrent appenders x 10,000 events: a running subscriber sees every event exactly once, in position order',
    async () => {
      const APPENDERS = 8;
      const EVENTS = 10_000;
      const { store: first, open } = await freshStore('load');
      await first.close();
      // Each appender is a store of its own (its own pool: another process, in effect), the subscriber one more.
      const appenders = await Promise.all(Array.from({ length: APPENDERS }, () => open({ poolSize: 4 })));
      const reader = await open({ pollIntervalMs: 200 });
      try {
        const received: RecordedEvent[] = [];
        const sub = reader.subscribeAll({ fromPosition: START }, (e) => void received.push(e));
        await waitUntil(() => sub.caughtUp, 'caught up on the empty store');

        const sent = new Set<string>();
        const started = Date.now();
        // Batches of varied size (1–150 events), over a few streams per appender, two appends in flight per appender.
        await Promise.all(
          appenders.map(async (store, a) => {
            const revisions = new Map<string, number>();
            const lane = async (l: number, count: number) => {
              let left = count;
              let k = 0;
              while (left > 0) {
                const size = Math.min(left, 1 + ((a * 37 + l * 11 + k++ * 53) % 150));
                const stream = `load-${a}-${l}-${k % 3}`;
                const batch = Array.from({ length: size }, (_, i) => envelope('Load', { a, l, i }));
                const rev = revisions.get(stream);
                const r = await store.append(stream, batch, { expectedRevision: rev === undefined ? 'no_stream' : rev });
                revisions.set(stream, r.nextExpectedRevision);
                for (const e of batch) sent.add(e.id);
                left -= size;
              }
            };
            await Promise.all([lane(0, EVENTS / 2), lane(1, EVENTS / 2)]);
          }),
        );
        const appendMs = Date.now() - started;
        expect(sent.size).toBe(APPENDERS * EVENTS);
        await waitUntil(() => received.length >= APPENDERS * EVENTS, 'every event at the subscriber', 30_000);
        await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive
        await sub.stop();
        console.info(`postgres load: ${APPENDERS * EVENTS} events appended in ${appendMs} ms, all delivered after ${Date.now() - started} ms`);

        expect(received).toHaveLength(APPENDERS * EVENTS);
        const ids = new Set(received.map((e) => e.id));
        expect(ids.size).toBe(APPENDERS * EVENTS);
        for (const id of sent) expect(ids.has(id)).toBe(true);
        for (let i = 1; i < received.length; i++) {
          if (comparePositions(received[i - 1]!.position, received[i]!.position) !== -1) {
            throw new Error(`out of order at ${i}: ${received[i - 1]!.position} then ${received[i]!.position}; first: ${received.slice(0, 40).map((e) => e.position).join(",")}`);
          }
        }
        // gapless positions 1..N, and every stream's revisions in order along them
        expect(received[0]!.position).toBe('1');
        expect(received[received.length - 1]!.position).toBe(String(APPENDERS * EVENTS));
        const lastRevision = new Map<string, number>();
        for (const e of received) {
          expect(e.revision).toBe((lastRevision.get(e.streamName) ?? -1) + 1);
          lastRevision.set(e.streamName, e.revision);
        }
        // and a reader from START agrees with the subscriber
        expect((await collect(reader.readAll())).map((e) => e.id)).toEqual(received.map((e) => e.id));
      } finally {
        await Promise.all([...appenders, reader].map((s) => s.close()));
      }
    },
    90_000,
  );
});
