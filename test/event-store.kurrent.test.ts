import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  END,
  eventTypeFilter,
  excludeSystemEvents,
  NO_STREAM,
  START as KURRENT_START,
  STREAM_EXISTS,
  streamNameFilter,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendStreamState,
  type Filter,
  type Position,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { START, type RecordedEvent } from '../src/events/envelope';
import { ConcurrencyError, DuplicateEventIdError, EventStoreError, InvalidEventError } from '../src/events/store/errors';
import {
  buildServerFilter,
  createKurrentEventStore,
  decodePosition,
  encodePosition,
  escapeRegex,
  isAfter,
  isSystemEvent,
  judgeRetry,
  KurrentEventStore,
  matchesFilter,
  matchesNothing,
  retryWindow,
  toStreamState,
  type KurrentClientLike,
} from '../src/events/store/kurrent';
import { collect, envelope, eventStoreContract, uniqueName, waitUntil } from './contract/event-store-contract';

const MAX_EVENT_BYTES = 64 * 1024;
const NOT_RUN = 'not run: set EVENTSTORE_URL=esdb://… to run the contract suite against KurrentDB';
const url = process.env.EVENTSTORE_URL;

if (url) {
  eventStoreContract('KurrentEventStore against the KurrentDB at EVENTSTORE_URL', async () => createKurrentEventStore({ url, maxEventBytes: MAX_EVENT_BYTES }), undefined, {
    maxEventBytes: MAX_EVENT_BYTES,
    timeoutMs: 30_000,
  });
} else {
  // No KurrentDB server can be obtained here: the adapter's own logic is tested below against a fake client.
  console.warn(`KurrentDB contract suite ${NOT_RUN}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Pure pieces
// ---------------------------------------------------------------------------------------------------------------

describe('kurrent adapter helpers (no server)', () => {
  it('maps expected revisions to the client stream states', () => {
    expect(toStreamState('any')).toBe(ANY);
    expect(toStreamState('no_stream')).toBe(NO_STREAM);
    expect(toStreamState('stream_exists')).toBe(STREAM_EXISTS);
    expect(toStreamState(0)).toBe(0n);
    expect(toStreamState(41)).toBe(41n);
    expect(toStreamState(-1)).toBe(NO_STREAM);
    expect(() => toStreamState(-2)).toThrow(InvalidEventError);
    expect(() => toStreamState(1.5)).toThrow(InvalidEventError);
  });

  it('encodes positions as decimal commit positions and decodes them losslessly', () => {
    const big = 2n ** 63n - 7n; // past Number.MAX_SAFE_INTEGER
    expect(encodePosition({ commit: big, prepare: big })).toBe('9223372036854775801');
    expect(decodePosition('9223372036854775801')).toEqual({ commit: big, prepare: big });
    expect(decodePosition(encodePosition({ commit: 1234n, prepare: 1234n }))).toEqual({ commit: 1234n, prepare: 1234n });
    expect(decodePosition(START)).toBe(KURRENT_START);
    for (const bad of ['', '-1', '01', '1e3', '12a', ' 1']) expect(() => decodePosition(bad), bad).toThrow(EventStoreError);
  });

  it('treats fromPosition as exclusive, and START as before everything', () => {
    expect(isAfter('10', '9')).toBe(true);
    expect(isAfter('10', '10')).toBe(false);
    expect(isAfter('9', '10')).toBe(false);
    expect(isAfter('0', START)).toBe(true);
    expect(isAfter('9007199254740993', '9007199254740992')).toBe(true); // not equal as numbers, but as positions
  });

  it('builds the server-side filter: exact event types first, else stream prefixes, else no system events', () => {
    const types = buildServerFilter({ eventTypes: ['Customer.Registered', 'A+B'], streamPrefixes: ['customer-'] });
    expect(types).toMatchObject({ filterOn: 'eventType', regex: '^(?:Customer\\.Registered|A\\+B)$' });
    const re = new RegExp((types as { regex: string }).regex);
    expect(['Customer.Registered', 'A+B'].every((t) => re.test(t))).toBe(true);
    expect(['CustomerXRegistered', 'Customer.Registered2', 'AAB', 'xA+B'].some((t) => re.test(t))).toBe(false);

    expect(buildServerFilter({ streamPrefixes: ['customer-', 'complaint-'] })).toEqual(streamNameFilter({ prefixes: ['customer-', 'complaint-'] }));
    expect(buildServerFilter()).toEqual(excludeSystemEvents());
    expect(buildServerFilter({})).toEqual(excludeSystemEvents());
    const checkpointReached = () => undefined;
    expect(buildServerFilter({ eventTypes: ['X'] }, { checkpointReached })).toEqual(eventTypeFilter({ regex: '^(?:X)$', checkpointReached }));
  });

  it('escapes regex metacharacters', () => {
    const s = 'a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o#p q-r';
    expect(new RegExp(`^${escapeRegex(s)}$`).test(s)).toBe(true);
    expect(new RegExp(`^${escapeRegex('a.b')}$`).test('axb')).toBe(false);
  });

  it('filters on the client what the server could not, and always drops system events', () => {
    expect(isSystemEvent({ type: '$statistics-collected', streamName: '$stats-1' })).toBe(true);
    expect(isSystemEvent({ type: '$>', streamName: 'customers-all' })).toBe(true);
    expect(isSystemEvent({ type: 'Updated', streamName: '$projections-x' })).toBe(true);
    expect(isSystemEvent({ type: 'Updated', streamName: 'customer-1' })).toBe(false);
    const e = { type: 'Registered', streamName: 'customer-1' };
    expect(matchesFilter(e)).toBe(true);
    expect(matchesFilter(e, { eventTypes: ['Registered'], streamPrefixes: ['customer-'] })).toBe(true);
    expect(matchesFilter(e, { eventTypes: ['Registered'], streamPrefixes: ['complaint-'] })).toBe(false);
    expect(matchesFilter(e, { eventTypes: ['RegisteredX'] })).toBe(false);
    expect(matchesNothing({ eventTypes: [] })).toBe(true);
    expect(matchesNothing({ streamPrefixes: [] })).toBe(true);
    expect(matchesNothing({ eventTypes: ['A'] })).toBe(false);
    expect(matchesNothing()).toBe(false);
  });

  it('reads the retry window after the expected revision, or at the tail', () => {
    expect(retryWindow('no_stream', 2)).toEqual({ fromRevision: 0n, direction: 'forwards', maxCount: 2 });
    expect(retryWindow(4, 3)).toEqual({ fromRevision: 5n, direction: 'forwards', maxCount: 3 });
    expect(retryWindow(-1, 1)).toEqual({ fromRevision: 0n, direction: 'forwards', maxCount: 1 });
    expect(retryWindow('any', 2)).toEqual({ fromRevision: END, direction: BACKWARDS, maxCount: 2 });
    expect(retryWindow('stream_exists', 2)).toEqual({ fromRevision: END, direction: BACKWARDS, maxCount: 2 });
  });

  it('judges a retry from what is stored where the batch would go', () => {
    const ids = ['0f000000-0000-4000-8000-000000000001', '0f000000-0000-4000-8000-000000000002'];
    const stored = [
      { id: ids[0]!.toUpperCase(), revision: 3, position: '100' },
      { id: ids[1]!, revision: 4, position: '200' },
    ];
    expect(judgeRetry('s', ids, stored)).toEqual({ nextExpectedRevision: 4, position: '200', alreadyAppended: true });
    expect(judgeRetry('s', ids, [])).toBeNull();
    expect(judgeRetry('s', ids, [{ id: 'ffffffff-0000-4000-8000-000000000000', revision: 3, position: '100' }])).toBeNull();
    expect(() => judgeRetry('s', ids, [stored[1]!])).toThrow(DuplicateEventIdError);
    expect(() => judgeRetry('s', [ids[1]!, ids[0]!], stored)).toThrow(DuplicateEventIdError);
  });

  it('creates a store from a connection string without connecting', async () => {
    const store = createKurrentEventStore({ url: 'kurrentdb://127.0.0.1:1?tls=false', maxEventBytes: 1000 });
    expect(store.kind).toBe('kurrentdb');
    await expect(store.append('s', [{ ...envelope('A'), id: 'not-a-uuid' }], { expectedRevision: 'any' })).rejects.toBeInstanceOf(InvalidEventError);
    await store.close();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The adapter over an in-memory imitation of the client, so its logic runs without a server. The imitation follows
// the server where the adapter depends on it: reads of `$all` include the event at fromPosition, subscriptions start
// after it, retries at a numeric / no_stream expectation are idempotent by event id, positions are sparse log offsets
// (here past 2^53), system events live in `$` streams or carry `$` types, and the subscription is a Readable that
// emits 'caughtUp' in order with the events it pushes.
// ---------------------------------------------------------------------------------------------------------------

interface FakeRecord {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  isJson: true;
  data: unknown;
  metadata: unknown;
  created: Date;
  position: Position;
}

interface FakeEventData {
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

function serverFilterAllows(filter: Filter | undefined, r: FakeRecord): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'eventType' ? r.type : r.streamId;
  if ('regex' in filter) return new RegExp(filter.regex).test(subject);
  return filter.prefixes.some((p) => subject.startsWith(p));
}

const tick = () => new Promise<void>((r) => setImmediate(r));

class FakeKurrent {
  readonly log: FakeRecord[] = [];
  readonly streams = new Map<string, FakeRecord[]>();
  readonly appended = new EventEmitter().setMaxListeners(0);
  private offset = 2n ** 53n + 1n;
  private appends = 0;

  constructor(readonly options: { caughtUpMessages: boolean } = { caughtUpMessages: true }) {}

  private write(streamId: string, e: FakeEventData): FakeRecord {
    const stream = this.streams.get(streamId) ?? [];
    this.streams.set(streamId, stream);
    const record: FakeRecord = {
      streamId,
      id: e.id.toLowerCase(),
      type: e.type,
      revision: BigInt(stream.length),
      isJson: true,
      data: JSON.parse(JSON.stringify(e.data)),
      metadata: e.metadata === undefined ? undefined : JSON.parse(JSON.stringify(e.metadata)),
      created: new Date(),
      position: { commit: this.offset, prepare: this.offset },
    };
    this.offset += 97n + BigInt(JSON.stringify(e.data).length);
    stream.push(record);
    this.log.push(record);
    this.appended.emit('record', record);
    return record;
  }

  private systemNoise(): void {
    const n = ++this.appends;
    if (n % 3 === 0) this.write('$stats-127.0.0.1:2113', { id: randomUUID(), type: '$statistics-collected', data: {}, metadata: {} });
    if (n % 4 === 0) this.write('customers-all', { id: randomUUID(), type: '$>', data: '0@customer-1', metadata: {} });
    if (n % 5 === 0) this.write('$projections-ledger', { id: randomUUID(), type: 'ProjectionUpdated', data: {}, metadata: {} });
  }

  readonly client = {
    appendToStream: async (streamName: string, events: FakeEventData | FakeEventData[], options: { streamState?: AppendStreamState } = {}) => {
      await tick();
      const batch = Array.isArray(events) ? events : [events];
      const state = options.streamState ?? ANY;
      const stream = this.streams.get(streamName) ?? [];
      const current = BigInt(stream.length) - 1n;
      const wrong = () => new WrongExpectedVersionError(undefined, { streamName, expected: state, current: current < 0n ? NO_STREAM : current });
      const expectedNumber = state === NO_STREAM ? -1n : typeof state === 'bigint' ? state : undefined;
      if (expectedNumber !== undefined && current !== expectedNumber) {
        // the server's idempotency check: the same ids where the original append put them
        const start = Number(expectedNumber + 1n);
        const there = stream.slice(start, start + batch.length);
        if (current > expectedNumber && there.length === batch.length && there.every((r, i) => r.id === batch[i]!.id.toLowerCase())) {
          const last = there[there.length - 1]!;
          return { success: true, nextExpectedRevision: last.revision, position: last.position };
        }
        throw wrong();
      }
      if (state === STREAM_EXISTS && current < 0n) throw wrong();
      const records = batch.map((e) => this.write(streamName, e));
      this.systemNoise();
      const last = records[records.length - 1];
      return { success: true, nextExpectedRevision: last?.revision ?? current, position: last?.position };
    },

    readStream: (streamName: string, options: { fromRevision?: bigint | 'start' | 'end'; direction?: string; maxCount?: number | bigint } = {}) => {
      const self = this;
      return (async function* () {
        await tick();
        const stream = self.streams.get(streamName);
        if (!stream) throw new StreamNotFoundError(undefined, streamName);
        const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
        const from = options.fromRevision ?? KURRENT_START;
        let picked: FakeRecord[];
        if (options.direction === BACKWARDS) {
          const top = from === END || from === KURRENT_START ? stream.length - 1 : Number(from);
          picked = stream.slice(0, top + 1).reverse();
        } else {
          picked = stream.slice(from === KURRENT_START ? 0 : from === END ? stream.length : Number(from));
        }
        for (const event of picked.slice(0, max)) yield { event };
      })();
    },

    readAll: (options: { fromPosition?: 'start' | 'end' | Position; direction?: string; maxCount?: number | bigint; filter?: Filter } = {}) => {
      const self = this;
      return (async function* () {
        await tick();
        let max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
        const from = options.fromPosition ?? KURRENT_START;
        const records =
          options.direction === BACKWARDS
            ? [...self.log].reverse().filter((r) => from === END || from === KURRENT_START || r.position.commit < from.commit)
            : self.log.filter((r) => from === KURRENT_START || (from !== END && r.position.commit >= from.commit)); // inclusive
        for (const event of records) {
          if (max <= 0) return;
          if (!serverFilterAllows(options.filter, event)) continue;
          max--;
          yield { event, commitPosition: event.position.commit };
        }
      })();
    },

    subscribeToAll: (options: { fromPosition?: 'start' | 'end' | Position; filter?: Filter } = {}) => new FakeSubscription(this, options.fromPosition ?? KURRENT_START, options.filter),

    dispose: async () => undefined,
  };
}

type QueueItem = { kind: 'event'; record: FakeRecord } | { kind: 'caughtUp' };

/** Like the client's subscription: a Readable of resolved events, honouring backpressure, exclusive of fromPosition. */
class FakeSubscription extends Readable {
  private readonly queue: QueueItem[] = [];
  private wanting = false;
  private readonly onRecord = (r: FakeRecord) => {
    if (serverFilterAllows(this.serverFilter, r)) this.queue.push({ kind: 'event', record: r });
    this.pump();
  };

  constructor(
    private readonly db: FakeKurrent,
    from: 'start' | 'end' | Position,
    private readonly serverFilter: Filter | undefined,
  ) {
    super({ objectMode: true, highWaterMark: 4 });
    setImmediate(() => {
      const start = from === KURRENT_START ? -1n : from === END ? (db.log.at(-1)?.position.commit ?? -1n) : from.commit;
      for (const r of db.log) if (r.position.commit > start && serverFilterAllows(serverFilter, r)) this.queue.push({ kind: 'event', record: r });
      if (db.options.caughtUpMessages) this.queue.push({ kind: 'caughtUp' });
      db.appended.on('record', this.onRecord);
      this.pump();
    });
  }

  override _read(): void {
    this.wanting = true;
    this.pump();
  }

  private pump(): void {
    while (this.wanting && this.queue.length > 0) {
      const item = this.queue.shift()!;
      if (item.kind === 'caughtUp') this.emit('caughtUp', {});
      else if (!this.push({ event: item.record, commitPosition: item.record.position.commit })) this.wanting = false;
    }
  }

  async unsubscribe(): Promise<void> {
    this.db.appended.off('record', this.onRecord);
    this.push(null);
  }
}

function fakeStore(options?: { caughtUpMessages: boolean }): { db: FakeKurrent; store: KurrentEventStore } {
  const db = new FakeKurrent(options);
  return { db, store: new KurrentEventStore(db.client as unknown as KurrentClientLike, { maxEventBytes: MAX_EVENT_BYTES }) };
}

eventStoreContract('KurrentEventStore over an in-memory imitation of the client', async () => fakeStore().store, undefined, {
  maxEventBytes: MAX_EVENT_BYTES,
});

describe('KurrentEventStore over the imitation: server behaviours the contract does not reach', () => {
  it('counts a retry that raced its original (the server says wrong expected version) as already appended', async () => {
    const { db, store } = fakeStore();
    const stream = uniqueName('race-retry');
    const batch = [envelope('A'), envelope('B')];
    // the original lands between the adapter's look and its append
    const realAppend = db.client.appendToStream;
    let first = true;
    db.client.appendToStream = async (name, events, options) => {
      if (first) {
        first = false;
        await realAppend(name, events, options);
        throw new WrongExpectedVersionError(undefined, { streamName: name, expected: NO_STREAM, current: 1n });
      }
      return realAppend(name, events, options);
    };
    const r = await store.append(stream, batch, { expectedRevision: 'no_stream' });
    expect(r).toMatchObject({ nextExpectedRevision: 1, alreadyAppended: true });
    expect((await store.readStream(stream)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
  });

  it('maps wrong expected version to ConcurrencyError with the actual revision', async () => {
    const { store } = fakeStore();
    const stream = uniqueName('wev');
    await store.append(stream, [envelope('A'), envelope('B')], { expectedRevision: 'no_stream' });
    const err = await store.append(stream, [envelope('C')], { expectedRevision: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrencyError);
    expect(err).toMatchObject({ expected: '0', actual: '1' });
  });

  it('keeps positions past 2^53 exact', async () => {
    const { store } = fakeStore();
    const r1 = await store.append(uniqueName('big'), [envelope('A')], { expectedRevision: 'no_stream' });
    const r2 = await store.append(uniqueName('big'), [envelope('A')], { expectedRevision: 'no_stream' });
    expect(BigInt(r1.position)).toBeGreaterThan(2n ** 53n);
    expect(BigInt(r2.position) - BigInt(r1.position)).toBeGreaterThan(0n);
    const all = await collect(store.readAll({ fromPosition: r1.position }));
    expect(all.map((e) => e.position)).toEqual([r2.position]);
  });

  it('appends an empty batch as a check of the expected revision only', async () => {
    const { store } = fakeStore();
    const stream = uniqueName('empty');
    expect(await store.append(stream, [], { expectedRevision: 'no_stream' })).toMatchObject({ nextExpectedRevision: -1, alreadyAppended: false });
    await expect(store.append(stream, [], { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
    await store.append(stream, [envelope('A')], { expectedRevision: 'no_stream' });
    expect(await store.append(stream, [], { expectedRevision: 0 })).toMatchObject({ nextExpectedRevision: 0 });
  });

  it('reads nothing for a filter with an empty list, as the SQLite adapter does', async () => {
    const { store } = fakeStore();
    await store.append(uniqueName('x'), [envelope('A')], { expectedRevision: 'no_stream' });
    expect(await collect(store.readAll({ filter: { eventTypes: [] } }))).toEqual([]);
    expect(await collect(store.readAll({ filter: { streamPrefixes: [] } }))).toEqual([]);
    expect(await collect(store.readAll())).toHaveLength(1);
  });

  it('is caught up without the server saying so (servers before 23.10), from the head taken at subscription', async () => {
    const { store } = fakeStore({ caughtUpMessages: false });
    const prefix = uniqueName('old-server');
    const sent = [envelope('A'), envelope('B'), envelope('C')];
    await store.append(`${prefix}-s`, sent, { expectedRevision: 'no_stream' });
    const received: RecordedEvent[] = [];
    const sub = store.subscribeAll({ fromPosition: START }, (e) => void received.push(e));
    await waitUntil(() => sub.caughtUp, 'caughtUp');
    expect(received.map((e) => e.id)).toEqual(sent.map((e) => e.id));
    await sub.stop();
  });

  it('stops subscriptions on close', async () => {
    const { store } = fakeStore();
    const sub = store.subscribeAll({}, () => undefined);
    await waitUntil(() => sub.caughtUp, 'caughtUp');
    await store.close();
    await expect(sub.done).resolves.toBeUndefined();
  });
});
