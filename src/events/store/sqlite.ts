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
import { checkEnvelopes, nextAppendOrPoll, runSubscription, type SerialisedEvent } from './shared';

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

/** A stored event as its row holds it (data and metadata null when a filtered read left them out). */
export type StoredRecord = [position: number, streamName: string, revision: number, id: string, type: string, data: string | null, metadata: string | null, recordedAt: string];

/** Which stored events a record read returns whole: the others are left out (`skip`) or come without data (`blank`). */
export interface RecordFilter {
  types: readonly string[];
  others: 'skip' | 'blank';
}

const RECORD_COLUMNS = 'position, stream_name, revision, id, type, data, metadata, recorded_at';
const WANTED = 'type IN (SELECT value FROM json_each(@types))';

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
-- No query reads events by type (filters apply to pages read by position): an index on it only cost every append.
DROP INDEX IF EXISTS events_by_type;
`;

const PAGE = 1000;
/** Events written by one INSERT statement at most (7 values each). */
const INSERT_ROWS = 25;

/** An append waiting for the commit of its group, its events serialised once by the size check. */
interface PendingAppend {
  streamName: string;
  events: EventEnvelope[];
  serialised: SerialisedEvent[];
  expectedRevision: ExpectedRevision;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** The embedded event store: one SQLite file in WAL mode, safe for one writer process and many readers. */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly maxEventBytes: number;
  private readonly pollIntervalMs: number;
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<Subscription>();
  private readonly stmts;
  /** One append in its own transaction, or a savepoint when called inside one. */
  private readonly appendOne: Database.Transaction<(p: PendingAppend) => AppendResult>;
  /** Appends committed together: each in its savepoint, so one append's failure rejects only that append. */
  private readonly appendMany: Database.Transaction<(batch: readonly PendingAppend[]) => Outcome[]>;
  /** A retry recognised by its ids, read in one transaction. */
  private readonly recognise: Database.Transaction<(p: PendingAppend) => AppendResult | null>;
  private readonly inserts: Array<Database.Statement<unknown[]> | undefined> = [];
  private readonly filtered: Partial<Record<RecordFilter['others'], Database.Statement<[{ types: string; after: number; limit: number }], StoredRecord>>> = {};
  private pending: Array<PendingAppend & { resolve: (r: AppendResult) => void; reject: (e: unknown) => void }> = [];

  constructor(options: SqliteEventStoreOptions) {
    this.db = openSqlite(options.file, { readonly: options.readonly ?? false, synchronous: options.synchronous ?? 'FULL' });
    if (!options.readonly) {
      this.db.exec(SCHEMA);
      // A savepoint's journal (an append in a group commit) stays in memory instead of spilling to a temporary file.
      this.db.pragma('temp_store = MEMORY');
    }
    this.maxEventBytes = options.maxEventBytes ?? 1024 * 1024;
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
    this.appended.setMaxListeners(0);
    this.stmts = {
      streamRevision: this.db.prepare<[string], { r: number | null }>('SELECT MAX(revision) AS r FROM events WHERE stream_name = ?'),
      byIds: this.db.prepare<[string], Pick<Row, 'position' | 'stream_name' | 'revision' | 'id'>>(
        'SELECT position, stream_name, revision, id FROM events WHERE id IN (SELECT value FROM json_each(?))',
      ),
      readStream: this.db.prepare<[string, number, number], Row>(
        'SELECT * FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      head: this.db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM events'),
      page: this.db.prepare<[number, number], Row>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      recordPage: this.db.prepare<[number, number], StoredRecord>(`SELECT ${RECORD_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
      through: this.db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM events WHERE position <= ?'),
      lastThrough: this.db.prepare<[number], { position: number; recorded_at: string }>('SELECT position, recorded_at FROM events WHERE position <= ? ORDER BY position DESC LIMIT 1'),
      typeSample: this.db.prepare<[number, number, number], { type: string; n: number }>(
        'SELECT type, count(*) AS n FROM (SELECT type FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?) GROUP BY type',
      ),
    };
    this.appendOne = this.db.transaction((p: PendingAppend) => this.appendInTransaction(p));
    this.appendMany = this.db.transaction((batch: readonly PendingAppend[]) => batch.map((p) => this.tryAppend(p, this.appendOne)));
    this.recognise = this.db.transaction((p: PendingAppend) => this.alreadyAppended(p.streamName, p.events, p.expectedRevision, this.currentRevision(p.streamName)));
  }

  /**
   * Group commit: appends issued in the same turn of the event loop (concurrent activities) commit in one SQLite
   * transaction, so one fsync covers them all; each runs in its own savepoint, so one append's failure (a
   * concurrency conflict) rejects only that append.
   */
  async append(streamName: string, events: EventEnvelope[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const serialised = checkEnvelopes(streamName, events, this.maxEventBytes);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ streamName, events, serialised, expectedRevision: options.expectedRevision, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    let outcomes: Outcome[];
    try {
      // An append alone needs no savepoint: its transaction is its own.
      outcomes = batch.length === 1 ? [this.tryAppend(batch[0]!, this.appendOne.immediate)] : this.appendMany.immediate(batch);
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    let wrote = false;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const o = outcomes[i]!;
      if (o.ok) {
        wrote ||= !o.result.alreadyAppended && p.events.length > 0;
        p.resolve(o.result);
      } else p.reject(o.error);
    }
    if (wrote) this.appended.emit('append');
  }

  /** Synchronous append, for callers that batch many appends in one SQLite transaction (seeding, benchmarks). */
  appendSync(streamName: string, events: EventEnvelope[], expectedRevision: ExpectedRevision): AppendResult {
    const serialised = checkEnvelopes(streamName, events, this.maxEventBytes);
    const outcome = this.tryAppend({ streamName, events, serialised, expectedRevision }, this.appendOne.immediate);
    if (!outcome.ok) throw outcome.error;
    if (!outcome.result.alreadyAppended && events.length > 0) this.appended.emit('append');
    return outcome.result;
  }

  /**
   * One append, rolled back alone when it fails (its own transaction, or its savepoint in a group). A fresh append is
   * checked by the UNIQUE index on ids as it is written, not by looking each id up first: only when that index refuses
   * an id are the ids looked up (after the rollback), to recognise a retry.
   */
  private tryAppend(p: PendingAppend, run: (p: PendingAppend) => AppendResult): Outcome {
    try {
      return { ok: true, result: run(p) };
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        try {
          const retried = this.recognise(p);
          if (retried) return { ok: true, result: retried };
        } catch (recognised) {
          return { ok: false, error: recognised };
        }
      }
      return { ok: false, error };
    }
  }

  /** The INSERT of `rows` events, prepared once per row count. */
  private insertRows(rows: number): Database.Statement<unknown[]> {
    let statement = this.inserts[rows];
    if (!statement) {
      const row = '(?, ?, ?, ?, ?, ?, ?)';
      statement = this.inserts[rows] = this.db.prepare(`INSERT INTO events (stream_name, revision, id, type, data, metadata, recorded_at) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`);
    }
    return statement;
  }

  private currentRevision(streamName: string): number {
    return this.stmts.streamRevision.get(streamName)?.r ?? -1;
  }

  private appendInTransaction({ streamName, events, serialised, expectedRevision }: PendingAppend): AppendResult {
    const current = this.currentRevision(streamName);
    if (!meetsExpected(expectedRevision, current)) {
      const retried = this.alreadyAppended(streamName, events, expectedRevision, current);
      if (retried) return retried;
      throw new ConcurrencyError(streamName, String(expectedRevision), current === -1 ? 'no_stream' : String(current));
    }
    if (events.length === 0) return { nextExpectedRevision: current, position: this.headSync(), alreadyAppended: false };
    const now = new Date().toISOString();
    let position = 0;
    // Up to INSERT_ROWS events per INSERT statement: fewer calls into SQLite for a batch.
    for (let from = 0; from < events.length; from += INSERT_ROWS) {
      const rows = Math.min(INSERT_ROWS, events.length - from);
      const values = new Array<string | number | undefined>(rows * 7);
      for (let i = 0; i < rows; i++) {
        const e = events[from + i]!;
        const s = serialised[from + i]!;
        const at = i * 7;
        values[at] = streamName;
        values[at + 1] = current + 1 + from + i;
        values[at + 2] = e.id;
        values[at + 3] = e.type;
        values[at + 4] = s.data;
        values[at + 5] = s.metadata;
        values[at + 6] = now;
      }
      position = Number(this.insertRows(rows).run(values).lastInsertRowid);
    }
    return { nextExpectedRevision: current + events.length, position: String(position), alreadyAppended: false };
  }

  /**
   * An activity retry re-sends events the store already holds. They are recognised by id (one look-up for the whole
   * batch): all of them in this stream, in order, where the original append put them (after the expected revision, or
   * at the tail for non-numeric expectations). Any other overlap is an error, never a silent duplicate.
   */
  private alreadyAppended(streamName: string, events: EventEnvelope[], expected: ExpectedRevision, current: number): AppendResult | null {
    if (events.length === 0) return null;
    const rows = this.stmts.byIds.all(JSON.stringify(events.map((e) => e.id)));
    if (rows.length === 0) return null;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const found = events.map((e) => byId.get(e.id));
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

  /**
   * Up to `limit` stored events after a position, in position order, as their rows hold them (data and metadata not
   * parsed): for a reader that goes through the whole store and parses only what it needs (the ledger rebuild).
   */
  readRecords(after: number, limit: number, filter?: RecordFilter): StoredRecord[] {
    if (!filter) return this.stmts.recordPage.all(after, limit);
    const statement = (this.filtered[filter.others] ??= this.db
      .prepare<[{ types: string; after: number; limit: number }], StoredRecord>(
        filter.others === 'skip'
          ? `SELECT ${RECORD_COLUMNS} FROM events WHERE position > @after AND ${WANTED} ORDER BY position LIMIT @limit`
          : `SELECT position, stream_name, revision, id, type, CASE WHEN ${WANTED} THEN data END, CASE WHEN ${WANTED} THEN metadata END, recorded_at
             FROM events WHERE position > @after ORDER BY position LIMIT @limit`,
      )
      .raw());
    return statement.all({ types: JSON.stringify(filter.types), after, limit });
  }

  /** How many events the store holds up to a position, and the last of them. */
  countThrough(upTo: number): { count: number; last?: { position: number; recordedAt: string } } {
    const last = this.stmts.lastThrough.get(upTo);
    return { count: this.stmts.through.get(upTo)!.n, ...(last ? { last: { position: last.position, recordedAt: last.recorded_at } } : {}) };
  }

  /** How many events of each type a stretch of the store holds: up to `limit` events after `after`, to `upTo`. */
  sampleTypes(after: number, upTo: number, limit: number): Map<string, number> {
    return new Map(this.stmts.typeSample.all(after, upTo, limit).map((r) => [r.type, r.n]));
  }

  /** The file this store reads (':memory:' for a private in-process store). */
  get file(): string {
    return this.db.name;
  }

  subscribeAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    const sub = runSubscription({
      fromPosition: options.fromPosition ?? START,
      head: () => this.headSync(),
      readPage: (after) => {
        const p = this.readPage(Number(after), PAGE, options.filter);
        return { events: p.events, scannedTo: String(p.scannedTo) };
      },
      waitForMore: (signal) => nextAppendOrPoll(this.appended, this.pollIntervalMs, signal),
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

function meetsExpected(expected: ExpectedRevision, current: number): boolean {
  return expected === 'any' || (expected === 'no_stream' && current === -1) || (expected === 'stream_exists' && current >= 0) || expected === current;
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
