import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { openSqlite } from '../../support/sqlite';
import type { EventEnvelope, RecordedEvent } from '../envelope';
import { START } from '../envelope';
import { ConcurrencyError, DuplicateEventIdError } from './errors';
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
import { checkEnvelopes, runSubscription } from './shared';

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for a private in-process store. */
  file: string;
  maxEventBytes?: number;
  /** How often subscriptions look for events appended by other processes. */
  pollIntervalMs?: number;
  /** PRAGMA synchronous: FULL (default) survives power loss; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL';
  readonly?: boolean;
}

interface Row {
  position: number;
  stream_name: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_name TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  id          TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream_name, revision)
);
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
`;

const PAGE = 1000;

/** The embedded event store: one SQLite file in WAL mode, safe for one writer process and many readers. */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly maxEventBytes: number;
  private readonly pollIntervalMs: number;
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<Subscription>();
  private readonly stmts;
  private pending: Array<{
    streamName: string;
    events: EventEnvelope[];
    expectedRevision: ExpectedRevision;
    resolve: (r: AppendResult) => void;
    reject: (e: unknown) => void;
  }> = [];

  constructor(options: SqliteEventStoreOptions) {
    this.db = openSqlite(options.file, { readonly: options.readonly ?? false, synchronous: options.synchronous ?? 'FULL' });
    if (!options.readonly) this.db.exec(SCHEMA);
    this.maxEventBytes = options.maxEventBytes ?? 1024 * 1024;
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
    this.appended.setMaxListeners(0);
    this.stmts = {
      streamRevision: this.db.prepare<[string], { r: number | null }>('SELECT MAX(revision) AS r FROM events WHERE stream_name = ?'),
      byId: this.db.prepare<[string], Pick<Row, 'position' | 'stream_name' | 'revision' | 'id'>>(
        'SELECT position, stream_name, revision, id FROM events WHERE id = ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO events (stream_name, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      readStream: this.db.prepare<[string, number, number], Row>(
        'SELECT * FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      head: this.db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM events'),
      page: this.db.prepare<[number, number], Row>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    };
  }

  /**
   * Group commit: appends issued in the same turn of the event loop (concurrent activities) commit in one SQLite
   * transaction, so one fsync covers them all; each runs in its own savepoint, so one append's failure (a
   * concurrency conflict) rejects only that append.
   */
  async append(streamName: string, events: EventEnvelope[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    checkEnvelopes(streamName, events, this.maxEventBytes);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ streamName, events, expectedRevision: options.expectedRevision, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    const outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }> = [];
    try {
      this.db
        .transaction(() => {
          for (const p of batch) {
            try {
              // A nested transaction is a savepoint: a failed append rolls back alone.
              outcomes.push({ ok: true, result: this.db.transaction(() => this.appendInTransaction(p.streamName, p.events, p.expectedRevision))() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    let wrote = false;
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        wrote ||= !o.result.alreadyAppended && p.events.length > 0;
        p.resolve(o.result);
      } else p.reject(o.error);
    });
    if (wrote) this.appended.emit('append');
  }

  /** Synchronous append, for callers that batch many appends in one SQLite transaction (seeding, benchmarks). */
  appendSync(streamName: string, events: EventEnvelope[], expectedRevision: ExpectedRevision): AppendResult {
    checkEnvelopes(streamName, events, this.maxEventBytes);
    const result = this.db.transaction(() => this.appendInTransaction(streamName, events, expectedRevision)).immediate();
    if (!result.alreadyAppended && events.length > 0) this.appended.emit('append');
    return result;
  }

  private appendInTransaction(streamName: string, events: EventEnvelope[], expectedRevision: ExpectedRevision): AppendResult {
    const current = this.stmts.streamRevision.get(streamName)?.r ?? -1;
    const retried = this.alreadyAppended(streamName, events, expectedRevision, current);
    if (retried) return retried;
    assertExpected(streamName, expectedRevision, current);
    if (events.length === 0) return { nextExpectedRevision: current, position: this.headSync(), alreadyAppended: false };
    const now = new Date().toISOString();
    let position = 0;
    events.forEach((e, i) => {
      position = Number(this.stmts.insert.run(streamName, current + 1 + i, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), now).lastInsertRowid);
    });
    return { nextExpectedRevision: current + events.length, position: String(position), alreadyAppended: false };
  }

  /**
   * An activity retry re-sends events the store already holds. They are recognised by id: all of them in this stream,
   * in order, where the original append put them (after the expected revision, or at the tail for non-numeric
   * expectations). Any other overlap is an error, never a silent duplicate.
   */
  private alreadyAppended(streamName: string, events: EventEnvelope[], expected: ExpectedRevision, current: number): AppendResult | null {
    if (events.length === 0) return null;
    const found = events.map((e) => this.stmts.byId.get(e.id));
    if (found.every((f) => f === undefined)) return null;
    const first = found[0];
    const consecutive =
      first !== undefined &&
      found.every((f, i) => f !== undefined && f.stream_name === streamName && f.revision === first.revision + i);
    const start = typeof expected === 'number' ? expected + 1 : expected === 'no_stream' ? 0 : current - events.length + 1;
    if (consecutive && first.revision === start) {
      const last = found[found.length - 1]!;
      return { nextExpectedRevision: last.revision, position: String(last.position), alreadyAppended: true };
    }
    const dup = found.find((f) => f !== undefined)!;
    throw new DuplicateEventIdError(dup.id, streamName);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.stmts.readStream.all(streamName, options.fromRevision ?? 0, options.maxCount ?? -1).map(toRecorded);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        let after = Number(options.fromPosition ?? START);
        let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
        for (;;) {
          const page = store.readPage(after, PAGE, options.filter);
          for (const e of page.events) {
            if (remaining-- <= 0) return;
            yield e;
          }
          if (page.exhausted) return;
          after = page.scannedTo;
        }
      },
    };
  }

  /**
   * One page of `$all` after a position. `scannedTo` is the last position looked at (filtered-out events included),
   * so a filtered reader advances even through long runs of events it does not want.
   */
  readPage(after: number, limit: number, filter?: AllFilter): { events: RecordedEvent[]; scannedTo: number; exhausted: boolean } {
    const rows = this.stmts.page.all(after, limit);
    if (rows.length === 0) return { events: [], scannedTo: after, exhausted: true };
    const wanted = filter ? rows.filter((r) => matches(r, filter)) : rows;
    return { events: wanted.map(toRecorded), scannedTo: rows[rows.length - 1]!.position, exhausted: rows.length < limit };
  }

  subscribeAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    const sub = runSubscription({
      fromPosition: options.fromPosition ?? START,
      head: () => this.headSync(),
      readPage: (after) => {
        const p = this.readPage(Number(after), PAGE, options.filter);
        return { events: p.events, scannedTo: String(p.scannedTo) };
      },
      waitForMore: (signal) =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.appended.off('append', done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, this.pollIntervalMs);
          this.appended.on('append', done);
          signal.addEventListener('abort', done);
        }),
      handler,
    });
    this.subscriptions.add(sub);
    void sub.done.catch(() => undefined).finally(() => this.subscriptions.delete(sub));
    return sub;
  }

  private headSync(): string {
    return String(this.stmts.head.get()?.p ?? 0);
  }

  async head(): Promise<StoreHead> {
    return { position: this.headSync() };
  }

  async firstUnreadableAfter(after: string): Promise<string | undefined> {
    if (!this.db.open) return undefined;
    const rows = this.db.prepare('SELECT position, data, metadata FROM events WHERE position > ? ORDER BY position').iterate(Number(after)) as IterableIterator<Pick<Row, 'position' | 'data' | 'metadata'>>;
    for (const r of rows) {
      try {
        JSON.parse(r.data);
        JSON.parse(r.metadata);
      } catch {
        rows.return?.();
        return String(r.position);
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    if (this.db.open) this.db.close();
  }
}

function assertExpected(streamName: string, expected: ExpectedRevision, current: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === -1) ||
    (expected === 'stream_exists' && current >= 0) ||
    expected === current;
  if (!ok) throw new ConcurrencyError(streamName, String(expected), current === -1 ? 'no_stream' : String(current));
}

function matches(r: Pick<Row, 'stream_name' | 'type'>, f: AllFilter): boolean {
  if (f.eventTypes && !f.eventTypes.includes(r.type)) return false;
  if (f.streamPrefixes && !f.streamPrefixes.some((p) => r.stream_name.startsWith(p))) return false;
  return true;
}

function toRecorded(r: Row): RecordedEvent {
  return {
    id: r.id,
    type: r.type,
    data: JSON.parse(r.data),
    metadata: JSON.parse(r.metadata),
    streamName: r.stream_name,
    revision: r.revision,
    position: String(r.position),
    recordedAt: r.recorded_at,
  };
}
