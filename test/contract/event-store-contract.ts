import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, eventMetadata, START, type EventEnvelope, type EventMetadata, type RecordedEvent } from '../../src/events/envelope';
import { ConcurrencyError, DuplicateEventIdError, EventStoreError, EventTooLargeError } from '../../src/events/store/errors';
import type { EventStore, Subscription } from '../../src/events/store/port';

/**
 * The one contract every EventStore adapter must pass. Stream names and event types carry a random run id, so the
 * suite can run against a shared server that holds other data; nothing here assumes an empty store.
 */
export interface ContractOptions {
  /** The `maxEventBytes` the store under test was created with. Default 1 MiB (the adapters' default). */
  maxEventBytes?: number;
  /**
   * The store refuses an event id stored anywhere else, in any stream (SQLite: a UNIQUE index on the id). KurrentDB
   * has no index by event id, so its adapter checks only where a retried batch would sit.
   */
  uniqueIdsEverywhere?: boolean;
  /** Per-test timeout (ms). */
  timeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const RUN = randomUUID().slice(0, 8);
let seq = 0;

/** A unique name for this run: `contract-<run>-<label>-<n>`. */
export function uniqueName(label: string): string {
  return `contract-${RUN}-${label}-${++seq}`;
}

export function testMetadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return eventMetadata.parse({
    actor: 'contract-test',
    role: 'system',
    occurredAt: new Date().toISOString(),
    correlationId: 'corr-1',
    causationId: 'cause-1',
    workflowId: 'wf-contract',
    runId: 'run-1',
    schemaVersion: 1,
    ...overrides,
  });
}

/** An envelope with a fresh UUID id and valid metadata. */
export function envelope(type: string, data: unknown = { n: ++seq }, metadata: Partial<EventMetadata> = {}): EventEnvelope {
  return { id: randomUUID(), type, data, metadata: testMetadata(metadata) };
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function expectStrictlyIncreasing(positions: string[]): void {
  for (let i = 1; i < positions.length; i++) {
    expect(comparePositions(positions[i - 1]!, positions[i]!), `position ${positions[i - 1]} < ${positions[i]}`).toBe(-1);
  }
}

function expectDecimal(position: string): void {
  expect(position).toMatch(/^(0|[1-9][0-9]*)$/);
}

/** What a recorded event must carry over from its envelope. */
function expectSameEnvelope(recorded: RecordedEvent, sent: EventEnvelope): void {
  expect({ id: recorded.id, type: recorded.type, data: recorded.data, metadata: recorded.metadata }).toEqual({
    id: sent.id,
    type: sent.type,
    data: sent.data,
    metadata: sent.metadata,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------------------------

export function eventStoreContract(
  name: string,
  makeStore: () => Promise<EventStore>,
  cleanup?: (store: EventStore) => Promise<void> | void,
  options: ContractOptions = {},
): void {
  const maxEventBytes = options.maxEventBytes ?? 1024 * 1024;
  const timeout = options.timeoutMs ?? 10_000;

  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    const subscriptions: Subscription[] = [];
    const track = (s: Subscription) => (subscriptions.push(s), s);

    beforeAll(async () => {
      store = await makeStore();
    });

    afterAll(async () => {
      await Promise.all(subscriptions.map((s) => s.stop()));
      if (store) await (cleanup ? cleanup(store) : store.close());
    });

    describe('append and readStream', () => {
      it(
        'appends in order and reads back revisions, envelopes and positions',
        async () => {
          const stream = uniqueName('order');
          const first = [envelope('Opened', { a: 1 }), envelope('Noted', { text: '中文 ✓', nested: { list: [1, 2, 3] } })];
          const r1 = await store.append(stream, first, { expectedRevision: 'no_stream' });
          expect(r1).toMatchObject({ nextExpectedRevision: 1, alreadyAppended: false });
          expectDecimal(r1.position);
          const second = [envelope('Closed', { reason: 'done' }, { reason: 'customer asked' })];
          const r2 = await store.append(stream, second, { expectedRevision: 1 });
          expect(r2).toMatchObject({ nextExpectedRevision: 2, alreadyAppended: false });
          expect(comparePositions(r1.position, r2.position)).toBe(-1);

          const events = await store.readStream(stream);
          expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
          [...first, ...second].forEach((sent, i) => expectSameEnvelope(events[i]!, sent));
          for (const e of events) {
            expect(e.streamName).toBe(stream);
            expectDecimal(e.position);
            expect(Number.isNaN(Date.parse(e.recordedAt))).toBe(false);
          }
          expectStrictlyIncreasing(events.map((e) => e.position));
          expect(events[1]!.position).toBe(r1.position);
          expect(events[2]!.position).toBe(r2.position);

          expect((await store.readStream(stream, { fromRevision: 1 })).map((e) => e.revision)).toEqual([1, 2]);
          expect((await store.readStream(stream, { fromRevision: 1, maxCount: 1 })).map((e) => e.revision)).toEqual([1]);
          expect(await store.readStream(stream, { fromRevision: 3 })).toEqual([]);
        },
        timeout,
      );

      it(
        'reads an unknown stream as empty',
        async () => {
          expect(await store.readStream(uniqueName('missing'))).toEqual([]);
        },
        timeout,
      );

      it(
        'checks the expected revision on every append',
        async () => {
          const stream = uniqueName('expected');
          await expect(store.append(stream, [envelope('X')], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(ConcurrencyError);
          await expect(store.append(stream, [envelope('X')], { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
          expect(await store.readStream(stream)).toEqual([]);

          await store.append(stream, [envelope('A')], { expectedRevision: 'no_stream' });
          const noStream = store.append(stream, [envelope('B')], { expectedRevision: 'no_stream' });
          await expect(noStream).rejects.toBeInstanceOf(ConcurrencyError);
          await expect(noStream).rejects.toMatchObject({ streamName: stream, expected: 'no_stream', actual: '0' });
          await expect(store.append(stream, [envelope('B')], { expectedRevision: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
          expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A']);

          expect(await store.append(stream, [envelope('B')], { expectedRevision: 'stream_exists' })).toMatchObject({ nextExpectedRevision: 1 });
          expect(await store.append(stream, [envelope('C')], { expectedRevision: 'any' })).toMatchObject({ nextExpectedRevision: 2 });
          const fresh = uniqueName('expected-any');
          expect(await store.append(fresh, [envelope('A')], { expectedRevision: 'any' })).toMatchObject({ nextExpectedRevision: 0 });
          expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
        },
        timeout,
      );

      it(
        'lets exactly one of many concurrent appends at the same expected revision win, with no gaps or losses',
        async () => {
          const stream = uniqueName('race');
          const seed = envelope('Seed');
          await store.append(stream, [seed], { expectedRevision: 'no_stream' });
          const batches = Array.from({ length: 6 }, (_, i) => [envelope('Racer', { i, k: 0 }), envelope('Racer', { i, k: 1 })]);
          const results = await Promise.allSettled(batches.map((b) => store.append(stream, b, { expectedRevision: 0 })));
          const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
          expect(won).toHaveLength(1);
          for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
          const winner = batches[won[0]!]!;
          const events = await store.readStream(stream);
          expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
          expect(events.map((e) => e.id)).toEqual([seed.id, ...winner.map((e) => e.id)]);

          const created = uniqueName('race-create');
          const creators = Array.from({ length: 4 }, () => [envelope('Created')]);
          const outcome = await Promise.allSettled(creators.map((b) => store.append(created, b, { expectedRevision: 'no_stream' })));
          expect(outcome.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          for (const r of outcome) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
          expect(await store.readStream(created)).toHaveLength(1);
        },
        timeout,
      );
    });

    describe('idempotency', () => {
      it(
        'treats a re-append of the same ids at the same expected revision as done, without duplicates',
        async () => {
          const prefix = uniqueName('retry');
          const stream = `${prefix}-s`;
          const before = (await store.head()).position;
          const batch = [envelope('A'), envelope('B')];
          const original = await store.append(stream, batch, { expectedRevision: 'no_stream' });
          const retry = await store.append(stream, batch, { expectedRevision: 'no_stream' });
          expect(retry).toEqual({ nextExpectedRevision: 1, position: original.position, alreadyAppended: true });

          const next = [envelope('C')];
          const r2 = await store.append(stream, next, { expectedRevision: 1 });
          expect(await store.append(stream, next, { expectedRevision: 1 })).toEqual({ ...r2, alreadyAppended: true });
          // at the tail, for the non-numeric expectations too
          expect(await store.append(stream, next, { expectedRevision: 'any' })).toEqual({ ...r2, alreadyAppended: true });
          expect(await store.append(stream, next, { expectedRevision: 'stream_exists' })).toEqual({ ...r2, alreadyAppended: true });
          // a late retry of the first batch, after the stream moved on, is still recognised where it was put
          expect(await store.append(stream, batch, { expectedRevision: 'no_stream' })).toEqual({ ...original, alreadyAppended: true });

          const ids = [...batch, ...next].map((e) => e.id);
          expect((await store.readStream(stream)).map((e) => e.id)).toEqual(ids);
          const all = await collect(store.readAll({ fromPosition: before, filter: { streamPrefixes: [prefix] } }));
          expect(all.map((e) => e.id)).toEqual(ids);
        },
        timeout,
      );

      it(
        'refuses a batch that overlaps stored events instead of duplicating them',
        async () => {
          const stream = uniqueName('overlap');
          const [a, b, c] = [envelope('A'), envelope('B'), envelope('C')];
          await store.append(stream, [a, b], { expectedRevision: 'no_stream' });
          // a stale writer re-sends b (already at revision 1) together with a new event
          await expect(store.append(stream, [b, c], { expectedRevision: 0 })).rejects.toBeInstanceOf(DuplicateEventIdError);
          // the same at the tail
          await expect(store.append(stream, [b, c], { expectedRevision: 'any' })).rejects.toBeInstanceOf(DuplicateEventIdError);
          expect((await store.readStream(stream)).map((e) => e.id)).toEqual([a.id, b.id]);
        },
        timeout,
      );

      // KurrentDB keeps ids unique per stream only: this case is the contract of stores that promise more (SQLite).
      if (options.uniqueIdsEverywhere) {
        it(
          'refuses an event id that is already stored in another stream or at another revision',
          async () => {
            const s1 = uniqueName('dup-1');
            const s2 = uniqueName('dup-2');
            const a = envelope('A');
            await store.append(s1, [a], { expectedRevision: 'no_stream' });
            await store.append(s1, [envelope('B')], { expectedRevision: 0 });
            await expect(store.append(s2, [a], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(DuplicateEventIdError);
            await expect(store.append(s1, [a], { expectedRevision: 1 })).rejects.toBeInstanceOf(DuplicateEventIdError);
            expect(await store.readStream(s2)).toEqual([]);
            expect((await store.readStream(s1)).map((e) => e.revision)).toEqual([0, 1]);
          },
          timeout,
        );
      }
    });

    describe('readAll', () => {
      it(
        'reads every stream in one global order with strictly increasing positions',
        async () => {
          const prefix = uniqueName('global');
          const before = (await store.head()).position;
          const streams = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
          const sent: EventEnvelope[] = [];
          const revisions = new Map<string, number>();
          for (let i = 0; i < 9; i++) {
            const stream = streams[i % 3]!;
            const e = envelope('Step', { i });
            const rev = revisions.get(stream) ?? -1;
            await store.append(stream, [e], { expectedRevision: rev < 0 ? 'no_stream' : rev });
            revisions.set(stream, rev + 1);
            sent.push(e);
          }
          const filtered = await collect(store.readAll({ fromPosition: before, filter: { streamPrefixes: [prefix] } }));
          expect(filtered.map((e) => e.id)).toEqual(sent.map((e) => e.id));
          filtered.forEach((e, i) => expectSameEnvelope(e, sent[i]!));
          expectStrictlyIncreasing(filtered.map((e) => e.position));
          for (const e of filtered) expect(comparePositions(e.position, before)).toBe(1);

          // unfiltered: the same events, in the same order, among whatever else the store holds
          const ours = new Set(sent.map((e) => e.id));
          const unfiltered = await collect(store.readAll({ fromPosition: before }));
          expectStrictlyIncreasing(unfiltered.map((e) => e.position));
          expect(unfiltered.filter((e) => ours.has(e.id)).map((e) => e.id)).toEqual(sent.map((e) => e.id));
          expect(unfiltered.some((e) => e.type.startsWith('$') || e.streamName.startsWith('$'))).toBe(false);

          // positions agree with readStream
          const byId = new Map(filtered.map((e) => [e.id, e]));
          for (const stream of streams) {
            for (const e of await store.readStream(stream)) {
              expect(byId.get(e.id)).toMatchObject({ position: e.position, revision: e.revision, streamName: stream });
            }
          }
        },
        timeout,
      );

      it(
        'starts strictly after fromPosition and honours maxCount',
        async () => {
          const prefix = uniqueName('from');
          const before = (await store.head()).position;
          const stream = `${prefix}-s`;
          const sent = [envelope('E'), envelope('E'), envelope('E'), envelope('E')];
          await store.append(stream, sent, { expectedRevision: 'no_stream' });
          const all = await collect(store.readAll({ fromPosition: before, filter: { streamPrefixes: [prefix] } }));
          expect(all).toHaveLength(4);
          const rest = await collect(store.readAll({ fromPosition: all[1]!.position, filter: { streamPrefixes: [prefix] } }));
          expect(rest.map((e) => e.id)).toEqual([sent[2]!.id, sent[3]!.id]);
          const two = await collect(store.readAll({ fromPosition: before, filter: { streamPrefixes: [prefix] }, maxCount: 2 }));
          expect(two.map((e) => e.id)).toEqual([sent[0]!.id, sent[1]!.id]);
          expect(await collect(store.readAll({ fromPosition: all[3]!.position, filter: { streamPrefixes: [prefix] } }))).toEqual([]);
          // from START: everything, ours included, in order
          const fromStart = await collect(store.readAll({ fromPosition: START, filter: { streamPrefixes: [prefix] } }));
          expect(fromStart.map((e) => e.id)).toEqual(sent.map((e) => e.id));
        },
        timeout,
      );

      it(
        'filters by exact event type, from a position',
        async () => {
          const prefix = uniqueName('types');
          const alpha = `Alpha_${RUN}`;
          const alphaLonger = `Alpha_${RUN}Extended`; // a type that merely starts with another is not that type
          const beta = `Beta.${RUN}`;
          const before = (await store.head()).position;
          const s1 = [envelope(alpha), envelope(beta), envelope(alphaLonger), envelope(alpha)];
          const s2 = [envelope(beta), envelope(alpha)];
          await store.append(`${prefix}-1`, s1, { expectedRevision: 'no_stream' });
          await store.append(`${prefix}-2`, s2, { expectedRevision: 'no_stream' });

          const alphas = await collect(store.readAll({ fromPosition: before, filter: { eventTypes: [alpha] } }));
          expect(alphas.map((e) => e.id)).toEqual([s1[0]!.id, s1[3]!.id, s2[1]!.id]);
          expectStrictlyIncreasing(alphas.map((e) => e.position));

          const both = await collect(store.readAll({ fromPosition: before, filter: { eventTypes: [beta, alphaLonger] } }));
          expect(both.map((e) => e.id)).toEqual([s1[1]!.id, s1[2]!.id, s2[0]!.id]);

          const afterFirst = await collect(store.readAll({ fromPosition: alphas[0]!.position, filter: { eventTypes: [alpha] } }));
          expect(afterFirst.map((e) => e.id)).toEqual([s1[3]!.id, s2[1]!.id]);

          // types and prefixes together: both must match
          const combined = await collect(store.readAll({ fromPosition: before, filter: { eventTypes: [alpha], streamPrefixes: [`${prefix}-2`] } }));
          expect(combined.map((e) => e.id)).toEqual([s2[1]!.id]);
        },
        timeout,
      );

      it(
        'filters by stream prefix, from a position',
        async () => {
          const prefix = uniqueName('prefix');
          const before = (await store.head()).position;
          const a1 = [envelope('E'), envelope('E')];
          const b1 = [envelope('E')];
          const a2 = [envelope('E')];
          await store.append(`${prefix}-apple-1`, a1, { expectedRevision: 'no_stream' });
          await store.append(`${prefix}-banana-1`, b1, { expectedRevision: 'no_stream' });
          await store.append(`${prefix}-apple-2`, a2, { expectedRevision: 'no_stream' });

          const apples = await collect(store.readAll({ fromPosition: before, filter: { streamPrefixes: [`${prefix}-apple-`] } }));
          expect(apples.map((e) => e.id)).toEqual([...a1, ...a2].map((e) => e.id));
          const fruit = await collect(store.readAll({ fromPosition: before, filter: { streamPrefixes: [`${prefix}-apple-2`, `${prefix}-banana-`] } }));
          expect(fruit.map((e) => e.id)).toEqual([...b1, ...a2].map((e) => e.id));
          const later = await collect(store.readAll({ fromPosition: apples[1]!.position, filter: { streamPrefixes: [`${prefix}-apple-`] } }));
          expect(later.map((e) => e.id)).toEqual(a2.map((e) => e.id));
        },
        timeout,
      );
    });

    describe('subscribeAll', () => {
      it(
        'catches up, then delivers live events in order, one at a time',
        async () => {
          const prefix = uniqueName('sub');
          const stream = `${prefix}-s`;
          const before = (await store.head()).position;
          const early = [envelope('Early'), envelope('Early'), envelope('Early')];
          await store.append(stream, early, { expectedRevision: 'no_stream' });

          const received: RecordedEvent[] = [];
          const caughtUpWhileHandling: (boolean | undefined)[] = [];
          let inFlight = 0;
          let maxInFlight = 0;
          let sub: Subscription | undefined;
          sub = track(
            store.subscribeAll({ fromPosition: before, filter: { streamPrefixes: [prefix] } }, async (e) => {
              inFlight++;
              maxInFlight = Math.max(maxInFlight, inFlight);
              caughtUpWhileHandling.push(sub?.caughtUp);
              await new Promise((r) => setTimeout(r, 2));
              received.push(e);
              inFlight--;
            }),
          );
          await waitUntil(() => received.length >= 3 && sub.caughtUp, 'catch-up');
          expect(received.map((e) => e.id)).toEqual(early.map((e) => e.id));
          // not caught up while events that existed at subscription time were still being handled
          expect(caughtUpWhileHandling.some((c) => c === true)).toBe(false);

          const live1 = [envelope('Live'), envelope('Live')];
          await store.append(stream, live1, { expectedRevision: 2 });
          const live2 = [envelope('Live')];
          await store.append(`${prefix}-other`, live2, { expectedRevision: 'no_stream' });
          await store.append(uniqueName('not-ours'), [envelope('Live')], { expectedRevision: 'no_stream' });
          await waitUntil(() => received.length >= 6, 'live events');
          await new Promise((r) => setTimeout(r, 50));
          expect(received.map((e) => e.id)).toEqual([...early, ...live1, ...live2].map((e) => e.id));
          expectStrictlyIncreasing(received.map((e) => e.position));
          expect(maxInFlight).toBe(1);
          expect(sub.caughtUp).toBe(true);

          await sub.stop();
          await expect(sub.done).resolves.toBeUndefined();
          await store.append(stream, [envelope('AfterStop')], { expectedRevision: 4 });
          await new Promise((r) => setTimeout(r, 50));
          expect(received).toHaveLength(6);
        },
        timeout,
      );

      it(
        'resumes strictly after a checkpoint, with an event type filter',
        async () => {
          const prefix = uniqueName('resume');
          const type = `Resumed_${RUN}_${seq}`;
          const sent = [envelope(type), envelope('Other'), envelope(type), envelope(type)];
          await store.append(`${prefix}-s`, sent, { expectedRevision: 'no_stream' });
          const stored = await store.readStream(`${prefix}-s`);
          const checkpoint = stored[0]!.position;

          const received: RecordedEvent[] = [];
          const sub = track(store.subscribeAll({ fromPosition: checkpoint, filter: { eventTypes: [type] } }, (e) => void received.push(e)));
          await waitUntil(() => received.length >= 2 && sub.caughtUp, 'events after the checkpoint');
          expect(received.map((e) => e.id)).toEqual([sent[2]!.id, sent[3]!.id]);

          const live = envelope(type);
          await store.append(`${prefix}-s`, [live], { expectedRevision: 3 });
          await waitUntil(() => received.length >= 3, 'a live event');
          expect(received[2]!.id).toBe(live.id);
          await sub.stop();
        },
        timeout,
      );

      it(
        'is caught up at once when subscribing at the head',
        async () => {
          const head = (await store.head()).position;
          const prefix = uniqueName('at-head');
          const received: RecordedEvent[] = [];
          const sub = track(store.subscribeAll({ fromPosition: head, filter: { streamPrefixes: [prefix] } }, (e) => void received.push(e)));
          await waitUntil(() => sub.caughtUp, 'caughtUp');
          const e = envelope('Live');
          await store.append(`${prefix}-s`, [e], { expectedRevision: 'no_stream' });
          await waitUntil(() => received.length === 1, 'the live event');
          expect(received[0]!.id).toBe(e.id);
          await sub.stop();
        },
        timeout,
      );

      it(
        'rejects done when the handler fails, and delivers nothing after',
        async () => {
          const prefix = uniqueName('fail');
          const before = (await store.head()).position;
          await store.append(`${prefix}-s`, [envelope('A'), envelope('B')], { expectedRevision: 'no_stream' });
          const seen: string[] = [];
          const sub = track(
            store.subscribeAll({ fromPosition: before, filter: { streamPrefixes: [prefix] } }, (e) => {
              seen.push(e.type);
              if (e.type === 'A') throw new Error('projection bug');
            }),
          );
          await expect(sub.done).rejects.toThrow('projection bug');
          expect(seen).toEqual(['A']);
          await sub.stop();
        },
        timeout,
      );
    });

    describe('limits and head', () => {
      it(
        'rejects an event over the size limit and appends nothing of its batch',
        async () => {
          const stream = uniqueName('large');
          const meta = testMetadata();
          const room = maxEventBytes - Buffer.byteLength(JSON.stringify(meta)) - 2; // the data is a JSON string: two quotes
          const fits: EventEnvelope = { id: randomUUID(), type: 'Big', data: 'x'.repeat(room), metadata: meta };
          const tooBig: EventEnvelope = { id: randomUUID(), type: 'Big', data: 'x'.repeat(room + 1), metadata: meta };

          const rejected = store.append(stream, [envelope('Small'), tooBig], { expectedRevision: 'no_stream' });
          await expect(rejected).rejects.toBeInstanceOf(EventTooLargeError);
          await expect(rejected).rejects.toBeInstanceOf(EventStoreError);
          await expect(rejected).rejects.toMatchObject({ limit: maxEventBytes, bytes: maxEventBytes + 1 });
          expect(await store.readStream(stream)).toEqual([]);

          await store.append(stream, [fits], { expectedRevision: 'no_stream' });
          const [stored] = await store.readStream(stream);
          expect(stored?.data).toBe(fits.data);
        },
        timeout,
      );

      it(
        'reports a head at or after the last append',
        async () => {
          const stream = uniqueName('head');
          const r = await store.append(stream, [envelope('A')], { expectedRevision: 'no_stream' });
          const head = (await store.head()).position;
          expectDecimal(head);
          expect(comparePositions(head, r.position)).toBeGreaterThanOrEqual(0);
          expect(comparePositions(head, START)).toBe(1);
        },
        timeout,
      );
    });
  });
}
