import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  eventTypeFilter,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  START as KURRENT_START,
  STREAM_EXISTS,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendStreamState,
  type Direction,
  type EventData,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type ReadRevision,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type { EventEnvelope, EventMetadata, RecordedEvent } from '../envelope';
import { comparePositions, START } from '../envelope';
import { ConcurrencyError, DuplicateEventIdError, EventStoreError, EventTooLargeError, InvalidEventError } from './errors';
import type {
  AllFilter,
  AppendResult,
  EventHandler,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  StoreHead,
  SubscribeOptions,
  Subscription,
} from './port';
import { checkEnvelopes } from './shared';

/*
 * KurrentDB (EventStoreDB) adapter over the official gRPC client.
 *
 * Positions. A `$all` position is a (commit, prepare) pair of log offsets. Every event written through the gRPC API
 * (there are no explicit transactions there; they existed only in the legacy TCP API) is a self-committed prepare
 * record, for which the server reports commit == prepare == the record's own log offset, unique per event and
 * increasing in `$all` order, on a single node and in a cluster alike (the log is replicated byte for byte). So a
 * position crosses payloads as the commit position alone, a decimal string, and is read back as
 * { commit: c, prepare: c }. Events of a legacy explicit transaction (commit record after its prepares) would share
 * one commit position; this adapter does not support stores that contain them.
 *
 * `START` ('0') is "before everything". The server reads `$all` from a position inclusively and subscribes after it;
 * both paths here skip whatever is at or before the checkpoint, so `fromPosition` is exclusive everywhere.
 */

/** The slice of the client this adapter uses (a seam for tests without a server). */
export type KurrentClientLike = Pick<KurrentDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

export interface KurrentEventStoreOptions {
  /** Same limit as the SQLite adapter (EVENTSTORE_MAX_EVENT_BYTES); keep it below the server's MaxAppendSize. */
  maxEventBytes?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers (exported for unit tests)
// ---------------------------------------------------------------------------------------------------------------

/** Our expected revision → the client's stream state. `-1` means "no stream", as in the SQLite adapter. */
export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < -1) throw new InvalidEventError(`expected revision ${expected} is not a stream revision`);
      return expected === -1 ? NO_STREAM : BigInt(expected);
  }
}

/** A `$all` position as a decimal string (the commit position; see the note at the top of this file). */
export function encodePosition(position: Position): string {
  return position.commit.toString(10);
}

/** A decimal position string → the client's read position; START ('0') is the beginning of `$all`. */
export function decodePosition(position: string): ReadPosition {
  if (!DECIMAL.test(position)) throw new EventStoreError(`"${position}" is not a position (a decimal string)`);
  if (position === START) return KURRENT_START;
  const p = BigInt(position);
  return { commit: p, prepare: p };
}

/** True when `position` is strictly after the checkpoint `after` (START is before everything). */
export function isAfter(position: string, after: string): boolean {
  return after === START || comparePositions(position, after) > 0;
}

/** System events (`$`-typed, or in `$` streams: stats, projections, links, metadata) never reach our callers. */
export function isSystemEvent(e: { type: string; streamName: string }): boolean {
  return e.type.startsWith('$') || e.streamName.startsWith('$');
}

/** An empty list in a filter matches nothing (as in the SQLite adapter). */
export function matchesNothing(filter?: AllFilter): boolean {
  return (filter?.eventTypes !== undefined && filter.eventTypes.length === 0) || (filter?.streamPrefixes !== undefined && filter.streamPrefixes.length === 0);
}

/** The full client-side check: what the server filter could not express, and system events. */
export function matchesFilter(e: { type: string; streamName: string }, filter?: AllFilter): boolean {
  if (isSystemEvent(e)) return false;
  if (filter?.eventTypes && !filter.eventTypes.includes(e.type)) return false;
  if (filter?.streamPrefixes && !filter.streamPrefixes.some((p) => e.streamName.startsWith(p))) return false;
  return true;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\#\s-]/g, (c) => (/\s/.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : `\\${c}`));
}

type FilterExtras = Pick<Filter, 'checkpointReached'>;

/**
 * The server-side `$all` filter: the server filters on event type or on stream name, not both. Event types win (an
 * exact-match regex), else stream prefixes, else "no system events". The rest is checked by `matchesFilter`.
 */
export function buildServerFilter(filter?: AllFilter, extras: FilterExtras = {}): Filter {
  const types = filter?.eventTypes;
  if (types && types.length > 0) return eventTypeFilter({ regex: `^(?:${types.map(escapeRegex).join('|')})$`, ...extras });
  const prefixes = filter?.streamPrefixes;
  if (prefixes && prefixes.length > 0) return streamNameFilter({ prefixes, ...extras });
  return excludeSystemEvents(extras);
}

interface StoredRef {
  id: string;
  revision: number;
  position: string;
}

/**
 * Decides a possible retry from the events found where the append would put its events (after the expected revision,
 * or the stream's tail for 'any' / 'stream_exists'): all ids there, in order → already appended; some of them there
 * → the batch overlaps what is stored, refuse it; none → a fresh append.
 */
export function judgeRetry(streamName: string, ids: string[], found: StoredRef[]): AppendResult | null {
  if (ids.length === 0) return null;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (found.length === ids.length && found.every((f, i) => same(f.id, ids[i]!))) {
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, alreadyAppended: true };
  }
  const overlap = found.find((f) => ids.some((id) => same(id, f.id)));
  if (overlap) throw new DuplicateEventIdError(overlap.id, streamName);
  return null;
}

/** Where a retried batch would already sit, as a stream read: after the expected revision, or the tail. */
export function retryWindow(expected: ExpectedRevision, count: number): { fromRevision: ReadRevision; direction: Direction; maxCount: number } {
  if (expected === 'no_stream') return { fromRevision: 0n, direction: FORWARDS, maxCount: count };
  if (typeof expected === 'number') return { fromRevision: BigInt(expected + 1), direction: FORWARDS, maxCount: count };
  return { fromRevision: END, direction: BACKWARDS, maxCount: count };
}

type ClientRecorded = NonNullable<ResolvedEvent['event']>;

/** A client event → our RecordedEvent. */
export function toRecorded(e: ClientRecorded, commitPosition?: bigint): RecordedEvent {
  const commit = e.position?.commit ?? commitPosition;
  if (commit === undefined) throw new EventStoreError(`event ${e.streamId}@${e.revision} came without a position (KurrentDB/EventStoreDB 22.6 or later is required)`);
  const created = e.created instanceof Date && !Number.isNaN(e.created.getTime()) ? e.created : new Date(0);
  return {
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: e.metadata as EventMetadata,
    streamName: e.streamId,
    revision: Number(e.revision),
    position: commit.toString(10),
    recordedAt: created.toISOString(),
  };
}

function errorType(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'type' in err ? String((err as { type: unknown }).type) : undefined;
}

function isStreamNotFound(err: unknown): boolean {
  return errorType(err) === ErrorType.STREAM_NOT_FOUND;
}

function describeActual(actual: unknown): string {
  if (typeof actual === 'bigint') return actual < 0n ? 'no_stream' : actual.toString(10);
  return actual === undefined ? 'unknown' : String(actual);
}

// ---------------------------------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------------------------------

/** The scale-out event store: a thin adapter over KurrentDB with the semantics of the SQLite adapter. */
export class KurrentEventStore implements EventStore {
  readonly kind = 'kurrentdb' as const;
  private readonly maxEventBytes: number;
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    readonly client: KurrentClientLike,
    options: KurrentEventStoreOptions = {},
  ) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  async append(streamName: string, events: EventEnvelope[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    checkEnvelopes(streamName, events, this.maxEventBytes);
    for (const e of events) if (!UUID.test(e.id)) throw new InvalidEventError(`event id ${e.id} is not a UUID (KurrentDB requires UUID event ids)`);
    const expected = options.expectedRevision;
    const streamState = toStreamState(expected);
    if (events.length === 0) return this.appendNothing(streamName, expected);

    // KurrentDB dedups by id itself, but answers a retry exactly like a fresh append; look first so that the caller
    // learns it was a retry (and so that a batch overlapping stored events is refused, as in the SQLite adapter).
    const retried = await this.findAlreadyAppended(streamName, events, expected);
    if (retried) return retried;

    let result;
    try {
      result = await this.client.appendToStream(streamName, events.map(toEventData), { streamState });
    } catch (err) {
      if (errorType(err) === ErrorType.WRONG_EXPECTED_VERSION) {
        return this.afterWrongExpectedVersion(streamName, events, expected, (err as { actualState?: unknown }).actualState);
      }
      throw mapAppendError(err, streamName, events);
    }
    if (!result.success) {
      // Only with `throwOnAppendFailure=false` in the connection string: a wrong expected version, as a value.
      return this.afterWrongExpectedVersion(streamName, events, expected, result.nextExpectedRevision);
    }
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    // The server reports the position of the batch's last event; an older server answering an idempotent write omits it.
    const position = result.position ? encodePosition(result.position) : await this.positionOf(streamName, nextExpectedRevision);
    return { nextExpectedRevision, position, alreadyAppended: false };
  }

  /** The server refused the expected revision: a retry that raced its original is still a success, else a conflict. */
  private async afterWrongExpectedVersion(streamName: string, events: EventEnvelope[], expected: ExpectedRevision, actual: unknown): Promise<AppendResult> {
    const retried = await this.findAlreadyAppended(streamName, events, expected);
    if (retried) return retried;
    throw new ConcurrencyError(streamName, String(expected), describeActual(actual));
  }

  private async findAlreadyAppended(streamName: string, events: EventEnvelope[], expected: ExpectedRevision): Promise<AppendResult | null> {
    const window = retryWindow(expected, events.length);
    const found = await this.readRaw(streamName, { ...window, requiresLeader: true });
    if (window.direction === BACKWARDS) found.reverse();
    return judgeRetry(
      streamName,
      events.map((e) => e.id),
      found,
    );
  }

  private async appendNothing(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const tail = await this.readRaw(streamName, { fromRevision: END, direction: BACKWARDS, maxCount: 1, requiresLeader: true });
    const current = tail[0]?.revision ?? -1;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1) ||
      (expected === 'stream_exists' && current >= 0) ||
      expected === current;
    if (!ok) throw new ConcurrencyError(streamName, String(expected), current === -1 ? 'no_stream' : String(current));
    return { nextExpectedRevision: current, position: (await this.head()).position, alreadyAppended: false };
  }

  private async positionOf(streamName: string, revision: number): Promise<string> {
    const [e] = await this.readRaw(streamName, { fromRevision: BigInt(revision), direction: FORWARDS, maxCount: 1, requiresLeader: true });
    if (!e) throw new EventStoreError(`event ${streamName}@${revision} was appended but cannot be read back`);
    return e.position;
  }

  private async readRaw(
    streamName: string,
    options: { fromRevision: ReadRevision; direction: Direction; maxCount: number; requiresLeader?: boolean },
  ): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    if (options.maxCount <= 0) return out;
    try {
      for await (const resolved of this.client.readStream(streamName, options)) {
        if (resolved.event) out.push(toRecorded(resolved.event, resolved.commitPosition));
      }
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw err;
    }
    return out;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const fromRevision = options.fromRevision ?? 0;
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) throw new EventStoreError(`fromRevision ${fromRevision} is not a stream revision`);
    return this.readRaw(streamName, {
      fromRevision: BigInt(fromRevision),
      direction: FORWARDS,
      maxCount: options.maxCount === undefined || options.maxCount < 0 ? Number.MAX_SAFE_INTEGER : options.maxCount,
    });
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const client = this.client;
    return {
      async *[Symbol.asyncIterator]() {
        const filter = options.filter;
        let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
        if (remaining <= 0 || matchesNothing(filter)) return;
        const after = options.fromPosition ?? START;
        const source = client.readAll({ fromPosition: decodePosition(after), direction: FORWARDS, filter: buildServerFilter(filter) });
        for await (const resolved of source) {
          const e = fromResolved(resolved);
          if (!e || !isAfter(e.position, after) || !matchesFilter(e, filter)) continue;
          yield e;
          if (--remaining <= 0) return;
        }
      },
    };
  }

  subscribeAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    const sub = new KurrentSubscription(this, options, handler);
    this.subscriptions.add(sub);
    void sub.done.catch(() => undefined).finally(() => this.subscriptions.delete(sub));
    return sub;
  }

  /** The newest non-system event (the server filters out `$` types; `$` streams are skipped here). */
  async head(): Promise<StoreHead> {
    let fallback: string | undefined;
    for await (const resolved of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 32, filter: excludeSystemEvents() })) {
      const e = fromResolved(resolved);
      if (!e) continue;
      if (!isSystemEvent(e)) return { position: e.position };
      fallback ??= e.position;
    }
    return { position: fallback ?? START };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }
}

function fromResolved(resolved: AllStreamResolvedEvent | ResolvedEvent): RecordedEvent | undefined {
  return resolved.event ? toRecorded(resolved.event, resolved.commitPosition) : undefined;
}

function toEventData(e: EventEnvelope): EventData {
  return jsonEvent({ id: e.id, type: e.type, data: (e.data === undefined ? null : e.data) as JSONType, metadata: e.metadata });
}

function mapAppendError(err: unknown, streamName: string, events: EventEnvelope[]): unknown {
  switch (errorType(err)) {
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED: {
      const limit = Number((err as { maxAppendSize?: number }).maxAppendSize ?? 0);
      const bytes = events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e.data) ?? '') + Buffer.byteLength(JSON.stringify(e.metadata) ?? ''), 0);
      return new EventTooLargeError(events.map((e) => e.type).join(','), bytes, limit);
    }
    case ErrorType.STREAM_DELETED:
    case ErrorType.STREAM_TOMBSTONED:
      return new EventStoreError(`stream ${streamName} is deleted in KurrentDB; it cannot be appended to`);
    default:
      // Transport failures (unavailable, deadline, not leader) stay as they are: a caller may retry them.
      return err;
  }
}

/**
 * Catch-up then live over the server's `$all` subscription, one event at a time: the client subscription is a
 * Readable, so iterating it applies backpressure while the handler runs.
 *
 * `caughtUp`: the server says "caught up" while the events before that point may still sit in the Readable's buffer,
 * so the flag is raised once those (counted at that moment) have been handled. Servers older than 23.10 do not say
 * it; then an event at or past the head taken at subscription time, or a filter checkpoint past it, does.
 */
class KurrentSubscription implements Subscription {
  readonly done: Promise<void>;
  private _caughtUp = false;
  private stopped = false;
  private source: AllStreamSubscription | undefined;
  /** Items still to handle before caught up: -1 until the server (or a checkpoint) says so. */
  private backlog = -1;
  private handling = false;

  constructor(
    private readonly store: KurrentEventStore,
    private readonly options: SubscribeOptions,
    private readonly handler: EventHandler,
  ) {
    this.done = this.run();
  }

  get caughtUp(): boolean {
    return this._caughtUp;
  }

  private reachedLiveEdge(): void {
    if (this._caughtUp || this.backlog >= 0 || !this.source) return;
    this.backlog = this.source.readableLength + (this.handling ? 1 : 0);
    if (this.backlog === 0) this._caughtUp = true;
  }

  private settled(position: string | undefined, initialHead: string): void {
    if (this._caughtUp) return;
    if (this.backlog > 0 && --this.backlog === 0) this._caughtUp = true;
    if (position !== undefined && comparePositions(position, initialHead) >= 0) this._caughtUp = true;
  }

  private async run(): Promise<void> {
    const after0 = this.options.fromPosition ?? START;
    const filter = this.options.filter;
    decodePosition(after0); // validate before anything else
    const initialHead = (await this.store.head()).position;
    if (comparePositions(initialHead, after0) <= 0) this._caughtUp = true;
    if (this.stopped) return;
    if (matchesNothing(filter)) {
      this._caughtUp = true;
      await new Promise<void>((resolve) => (this.wakeStopped = resolve));
      return;
    }
    const source = this.store.client.subscribeToAll({
      fromPosition: decodePosition(after0),
      filter: buildServerFilter(filter, {
        checkpointReached: (_sub, position) => {
          if (comparePositions(position.commit.toString(10), initialHead) >= 0) this.reachedLiveEdge();
        },
      }),
    });
    this.source = source;
    source.on('caughtUp', () => this.reachedLiveEdge());
    let after = after0;
    try {
      for await (const resolved of source) {
        if (this.stopped) return;
        const e = fromResolved(resolved);
        if (e && isAfter(e.position, after) && matchesFilter(e, filter)) {
          this.handling = true;
          try {
            await this.handler(e);
          } finally {
            this.handling = false;
          }
          after = e.position;
          if (this.stopped) return;
        }
        this.settled(e?.position, initialHead);
      }
      if (!this.stopped) throw new EventStoreError('the KurrentDB subscription ended unexpectedly');
    } catch (err) {
      if (this.stopped) return;
      throw err;
    } finally {
      await this.release();
    }
  }

  private wakeStopped: (() => void) | undefined;
  private released = false;

  /** Cancels the server call (once) and ends the Readable, which ends the iteration in `run`. */
  private async release(): Promise<void> {
    const source = this.source;
    if (!source || this.released) return;
    this.released = true;
    await source.unsubscribe().catch(() => undefined);
    source.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeStopped?.();
    await this.release();
    await this.done.catch(() => undefined);
  }
}

/** Opens the KurrentDB event store from a connection string (`kurrentdb://…` or `esdb://…`); connects lazily. */
export function createKurrentEventStore(options: { url: string; maxEventBytes?: number }): KurrentEventStore {
  return new KurrentEventStore(KurrentDBClient.connectionString(options.url), { maxEventBytes: options.maxEventBytes });
}
