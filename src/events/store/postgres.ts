import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { EventEnvelope, RecordedEvent } from '../envelope';
import { comparePositions, START } from '../envelope';
import { ConcurrencyError, DuplicateEventIdError, EventStoreError, InvalidEventError } from './errors';
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
import { checkEnvelopes, nextAppendOrPoll, type SerialisedEvent } from './shared';
import { createSchemaOnce, LOCK_NAMESPACE } from '../../support/pg-schema';

/*
 * PostgreSQL adapter: the event store several machines share, with the semantics of the SQLite adapter (same table
 * shape, JSON text stored as it was measured, unique event ids everywhere).
 *
 * The global order. A position taken from a sequence (or an identity column) is not enough: transactions commit in
 * another order than they drew their numbers, so a reader can see position 11 committed while 10 is still in flight,
 * move its checkpoint past 10, and never read it. Here every append holds one transaction-scoped advisory lock,
 * `pg_advisory_xact_lock(APPEND_LOCK)`, from before it reads the head until its COMMIT, and numbers its events
 * `max(position) + 1…` under that lock: positions are assigned in commit order, one appender at a time (the technique
 * of a per-append lock for the global position, as SQLite's single writer gives it for free). PostgreSQL makes a
 * transaction visible before it releases its locks (CommitTransaction: ProcArrayEndTransaction, then the lock
 * release), so when a reader's snapshot holds position p, it holds every position below p: no reader can skip past
 * an event that commits later. Consequences, kept on purpose:
 *  - positions are gapless (a rolled-back append frees its numbers for the next one) and start at 1; START ('0') is
 *    before everything;
 *  - appends are serialised across every process on the database: one commit (one WAL flush) at a time. Appends
 *    issued together in one process share a transaction (group commit, see `append`), and many events in one append
 *    cost one commit: those are the ways to throughput (measured here: about 1 000 single-event appends/s from 32
 *    concurrent writers in 8 processes, 80 000 events in batches of 1–150 from 16 concurrent writers in about 5 s);
 *  - the transaction runs at READ COMMITTED, named explicitly: under REPEATABLE READ its snapshot would be taken by
 *    the statement that waits for the lock, before the previous holder committed, and `max(position)` would be stale;
 *  - every writer must go through this adapter (or take the same lock): a row inserted without it breaks the order.
 *
 * Concurrency per stream follows from the same lock (the stream's revision is read under it), with the
 * UNIQUE (stream_name, revision) index as the last word. A retried append is recognised by its ids, looked up under the
 * lock in the same statement as the stream's revision, exactly as the SQLite adapter recognises it.
 *
 * Subscriptions page through `$all` by position and wait for more with LISTEN/NOTIFY: each append notifies the
 * channel in its transaction (delivered only when it commits), one listening connection per store wakes every
 * subscription. A notification can be lost (the listening connection dropped, a server restart), so subscriptions
 * also poll every `pollIntervalMs`; a missed notification only delays delivery by that much. A subscription whose
 * reads fail for want of the server reads again for up to `reconnectForMs` before it fails (reads have no effect, so
 * nothing is delivered twice).
 */

export interface PostgresEventStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://…`); the database holds the `events` table. */
  url: string;
  /** Same limit as the other adapters (EVENTSTORE_MAX_EVENT_BYTES). */
  maxEventBytes?: number;
  /** The polling fallback of subscriptions, when no notification came (ms). Default 1000. */
  pollIntervalMs?: number;
  /** Connections in the pool (appends wait for the lock holding one each). Default 10. */
  poolSize?: number;
  /** Whether subscriptions LISTEN for appends (default true); without it they only poll (a test of the fallback). */
  listen?: boolean;
  /**
   * How long a subscription rides out a lost server (a restart, a failover, a dropped connection) before it fails:
   * it reads again with growing pauses meanwhile. Default 60 000 ms.
   */
  reconnectForMs?: number;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const PAGE = 1000;
/** The NOTIFY channel appends wake subscriptions on. */
export const APPEND_CHANNEL = 'taizhang_events';
/** Advisory lock keys: (LOCK_NAMESPACE, key), the namespace the ASCII of 'taiz', so other users of the database do not collide. */
export { LOCK_NAMESPACE };
/** Held by each append from before it reads the head until it commits: the global order (see the top of this file). */
export const APPEND_LOCK = 1;
/** Held while the schema is created, so that two processes opening a fresh database do not race. */
export const SCHEMA_LOCK = 2;

/**
 * Every connection's session. The append lock is one for the whole database: a writer that stops between two
 * statements of its append (a half-open connection, a frozen process) must not hold it for long. The server ends a
 * transaction idle that long (releasing the lock; the append fails and its caller retries it), and TCP keepalives
 * find a peer that vanished.
 */
const SESSION = { idle_in_transaction_session_timeout: 30_000, keepAlive: true, application_name: 'taizhang-events' } as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    BIGINT      NOT NULL PRIMARY KEY,
  stream_name TEXT        NOT NULL,
  revision    INTEGER     NOT NULL,
  id          TEXT        NOT NULL,
  type        TEXT        NOT NULL,
  data        TEXT        NOT NULL,
  metadata    TEXT        NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT events_id_unique UNIQUE (id),
  CONSTRAINT events_stream_revision_unique UNIQUE (stream_name, revision)
);
`;

/**
 * Positions travel as text (decimal strings, no precision lost). Beside this alias, `ORDER BY position` would sort the
 * text ('10' before '9'): queries order by `events.position`, the column.
 */
const COLUMNS = 'position::text AS position, stream_name, revision, id, type, data, metadata, recorded_at';

/** The stream's revision and the stored events among the batch's ids, in one statement (one snapshot), under the lock. */
const BEFORE_APPEND = `
SELECT (SELECT max(revision) FROM events WHERE stream_name = $1) AS current,
       (SELECT coalesce(json_agg(json_build_object('position', position::text, 'stream_name', stream_name, 'revision', revision, 'id', id)), '[]'::json)
          FROM events WHERE id = ANY($2::text[])) AS known`;

/**
 * The batch numbered after the head (under the lock), its notification queued for the commit. `statement_timestamp()`
 * is read after the lock was granted, so recorded times do not go backwards along positions (barring clock steps).
 */
const INSERT = `
WITH head AS (SELECT coalesce(max(position), 0) AS p FROM events),
ins AS (
  INSERT INTO events (position, stream_name, revision, id, type, data, metadata, recorded_at)
  SELECT head.p + e.n, $1, $2 + e.n, e.id, e.type, e.data, e.metadata, statement_timestamp()
    FROM head, unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(id, type, data, metadata, n)
  RETURNING position
)
SELECT max(position)::text AS position, pg_notify('${APPEND_CHANNEL}', max(position)::text) FROM ins`;

/**
 * A page of `$all` after a position, filtered in the database, with the head in the same snapshot: when the page is
 * not full, every event up to that head has been looked at, so a filtered reader moves its checkpoint there.
 */
const PAGE_QUERY = `
SELECT h.head, e.* FROM (SELECT coalesce(max(position), 0)::text AS head FROM events) h
LEFT JOIN LATERAL (
  SELECT ${COLUMNS} FROM events
   WHERE position > $1::bigint
     AND ($3::text[] IS NULL OR type = ANY($3::text[]))
     AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($4::text[]) AS p(prefix) WHERE starts_with(stream_name, p.prefix)))
   ORDER BY events.position LIMIT $2
) e ON true
ORDER BY e.position::bigint`;

interface Row {
  position: string;
  stream_name: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: Date;
}

/** An append waiting for the commit of its group, its events serialised once by the size check. */
interface PendingAppend {
  streamName: string;
  events: EventEnvelope[];
  serialised: SerialisedEvent[];
  expectedRevision: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** Appends committed in one transaction at most: the lock is not held for long, however many are waiting. */
const MAX_GROUP = 64;

interface Known {
  position: string;
  stream_name: string;
  revision: number;
  id: string;
}

/** The scale-out event store on PostgreSQL; open it with `createPostgresEventStore` (which creates the table). */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly maxEventBytes: number;
  private readonly pollIntervalMs: number;
  private readonly listen: boolean;
  readonly reconnectForMs: number;
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<Subscription>();
  /** Counts the wake-ups (notifications, own appends), so that a subscription notices one that came while it read. */
  private wakeups = 0;
  private listener: Promise<pg.Client | undefined> | undefined;
  private pending: PendingAppend[] = [];
  private closed = false;

  constructor(private readonly options: PostgresEventStoreOptions) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.listen = options.listen ?? true;
    this.reconnectForMs = options.reconnectForMs ?? 60_000;
    this.pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, ...SESSION });
    // An idle connection that the server drops emits here; the pool discards it. Unhandled, it would end the process.
    this.pool.on('error', () => undefined);
    this.appended.setMaxListeners(0);
  }

  /** Creates the `events` table when it is missing (under SCHEMA_LOCK: two processes opening a fresh database do not race). */
  async createSchema(): Promise<void> {
    await createSchemaOnce(this.pool, SCHEMA_LOCK, SCHEMA);
  }

  /**
   * Group commit, as in the SQLite adapter: appends issued in the same turn of the event loop (concurrent activities)
   * run in one transaction under one hold of the append lock, so one commit (one WAL flush) covers them all; the lock
   * serialises commits, so without this an append's throughput would be one flush each. Each append decides before
   * it writes (a retry, a conflict, a duplicate id reject only that append, nothing to undo). Should the database fail
   * the group's transaction itself, each append runs again alone, so that only the faulty one fails.
   */
  async append(streamName: string, events: EventEnvelope[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const serialised = checkEnvelopes(streamName, events, this.maxEventBytes);
    serialised.forEach((s, i) => {
      if (s.data === undefined || s.metadata === undefined) throw new InvalidEventError(`event ${events[i]!.type} has data or metadata with no JSON form; the store keeps JSON only`);
    });
    const expected = options.expectedRevision;
    if (typeof expected === 'number' && (!Number.isSafeInteger(expected) || expected < -1)) throw new InvalidEventError(`expected revision ${expected} is not a stream revision`);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ streamName, events, serialised, expectedRevision: expected, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.commitPending());
    });
  }

  private async commitPending(): Promise<void> {
    const batch = this.pending.splice(0, MAX_GROUP);
    if (this.pending.length > 0) setImmediate(() => void this.commitPending());
    if (batch.length > 1) {
      let outcomes: Outcome[] | undefined;
      try {
        outcomes = await this.inTransaction(async (client) => {
          const out: Outcome[] = [];
          for (const p of batch) {
            try {
              out.push({ ok: true, result: await this.appendIn(client, p) });
            } catch (error) {
              // A decision (conflict, duplicate) rejects this append only; a database error fails the transaction.
              if (!(error instanceof EventStoreError)) throw error;
              out.push({ ok: false, error });
            }
          }
          return out;
        });
      } catch {
        outcomes = undefined;
      }
      if (outcomes) {
        if (outcomes.some((o) => o.ok && !o.result.alreadyAppended)) this.wake();
        batch.forEach((p, i) => {
          const o = outcomes[i]!;
          if (o.ok) p.resolve(o.result);
          else p.reject(o.error);
        });
        return;
      }
    }
    // Alone: a single append, or each of a group whose transaction failed (a retried one that did commit is recognised).
    await Promise.all(
      batch.map(async (p) => {
        try {
          const result = await this.inTransaction((client) => this.appendIn(client, p));
          if (!result.alreadyAppended) this.wake();
          p.resolve(result);
        } catch (error) {
          p.reject(error instanceof EventStoreError ? error : mapAppendError(error, p.streamName, String(p.expectedRevision)));
        }
      }),
    );
  }

  /**
   * Runs `work` in a transaction that holds the append lock (see the top of this file) and commits it. Whatever
   * fails rolls back, which also releases the lock; a connection that cannot even roll back is destroyed, never
   * handed back to the pool where it could still hold the lock.
   */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // From BEGIN on (a failed BEGIN's rollback is harmless) until COMMIT succeeded.
    let open = true;
    let broken: Error | undefined;
    try {
      // One round trip: the transaction, then the lock that orders it among all appends.
      await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${APPEND_LOCK})`);
      const result = await work(client);
      await client.query('COMMIT');
      open = false;
      return result;
    } finally {
      if (open) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      client.release(broken);
    }
  }

  /** One append inside a transaction that holds the lock: decided from the stream's revision and the stored ids, then written. */
  private async appendIn(client: pg.PoolClient, { streamName, events, serialised, expectedRevision: expected }: PendingAppend): Promise<AppendResult> {
    const ids = events.map((e) => e.id);
    const before = (await client.query<{ current: number | null; known: Known[] }>(BEFORE_APPEND, [streamName, ids])).rows[0]!;
    const current = before.current ?? -1;
    // Some ids are stored: all of them where this append would have put them is a retry, anything else is refused.
    if (before.known.length > 0) return judgeRetry(streamName, events, expected, current, before.known);
    if (!meetsExpected(expected, current)) throw new ConcurrencyError(streamName, String(expected), current === -1 ? 'no_stream' : String(current));
    if (events.length === 0) {
      const head = await client.query<{ p: string }>('SELECT coalesce(max(position), 0)::text AS p FROM events');
      return { nextExpectedRevision: current, position: head.rows[0]!.p, alreadyAppended: false };
    }
    const inserted = await client.query<{ position: string }>(INSERT, [
      streamName,
      current,
      ids,
      events.map((e) => e.type),
      serialised.map((s) => s.data),
      serialised.map((s) => s.metadata),
    ]);
    return { nextExpectedRevision: current + events.length, position: inserted.rows[0]!.position, alreadyAppended: false };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const fromRevision = options.fromRevision ?? 0;
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) throw new EventStoreError(`fromRevision ${fromRevision} is not a stream revision`);
    const limit = options.maxCount === undefined || options.maxCount < 0 ? null : options.maxCount;
    const r = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM events WHERE stream_name = $1 AND revision >= $2 ORDER BY revision LIMIT $3`, [streamName, fromRevision, limit]);
    return r.rows.map(toRecorded);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        let after = checkPosition(options.fromPosition ?? START);
        let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
        if (remaining <= 0) return;
        for (;;) {
          const page = await store.readPage(after, PAGE, options.filter);
          for (const e of page.events) {
            yield e;
            if (--remaining <= 0) return;
          }
          if (page.exhausted) return;
          after = page.scannedTo;
        }
      },
    };
  }

  /**
   * One page of `$all` after a position. `scannedTo` is the last position looked at: the last event of a full page,
   * else the head in the page's snapshot (safe to move a checkpoint to: positions are assigned in commit order).
   */
  async readPage(after: string, limit: number, filter?: AllFilter): Promise<{ events: RecordedEvent[]; scannedTo: string; exhausted: boolean }> {
    const rows = (await this.pool.query<Row & { head: string }>(PAGE_QUERY, [after, limit, filter?.eventTypes ?? null, filter?.streamPrefixes ?? null])).rows;
    const events = rows.filter((r) => r.position !== null).map(toRecorded);
    if (events.length >= limit) return { events, scannedTo: events[events.length - 1]!.position, exhausted: false };
    const head = rows[0]?.head ?? START;
    return { events, scannedTo: comparePositions(head, after) > 0 ? head : after, exhausted: true };
  }

  subscribeAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    const sub = new PostgresSubscription(this, options, handler);
    this.subscriptions.add(sub);
    void sub.done.catch(() => undefined).finally(() => this.subscriptions.delete(sub));
    return sub;
  }

  async head(): Promise<StoreHead> {
    const r = await this.pool.query<{ p: string }>('SELECT coalesce(max(position), 0)::text AS p FROM events');
    return { position: r.rows[0]!.p };
  }

  async firstUnreadableAfter(after: string): Promise<string | undefined> {
    let from = checkPosition(after);
    for (;;) {
      const r = await this.pool.query<Pick<Row, 'position' | 'data' | 'metadata'>>(
        'SELECT position::text AS position, data, metadata FROM events WHERE position > $1::bigint ORDER BY events.position LIMIT $2',
        [from, PAGE],
      );
      for (const row of r.rows) {
        try {
          JSON.parse(row.data);
          JSON.parse(row.metadata);
        } catch {
          return row.position;
        }
      }
      if (r.rows.length < PAGE) return undefined;
      from = r.rows[r.rows.length - 1]!.position;
    }
  }

  /** The wake-up count now: pass it to `waitForMore` so that a wake-up after this moment is not missed. */
  get wakeCount(): number {
    return this.wakeups;
  }

  /** Resolves at the next wake-up after `seen` (a notification, an append here), the polling interval, or the abort. */
  async waitForMore(seen: number, signal: AbortSignal): Promise<void> {
    // Not awaited: a server that does not answer must not hold the wait longer than the polling interval.
    if (this.listen) this.ensureListener();
    if (this.wakeups !== seen || signal.aborted) return;
    await nextAppendOrPoll(this.appended, this.pollIntervalMs, signal);
  }

  private wake(): void {
    this.wakeups++;
    this.appended.emit('append');
  }

  /**
   * The one listening connection, opened at the first wait. When it fails it is dropped and opened again at a later
   * wait; meanwhile subscriptions poll. Once LISTEN is in effect every subscription is woken to read once more: what
   * committed before that moment was never notified to it.
   */
  private ensureListener(): void {
    if (this.closed || this.listener) return;
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: 10_000, ...SESSION });
    let listening = false;
    // Only this attempt's own end forgets it: a late 'end' of a dropped connection must not forget its successor.
    // A listening connection that is lost wakes the subscriptions, whose next wait opens another; a failed attempt
    // does not (that would loop while the server refuses), they poll and try again at their next wait.
    const forget = () => {
      if (this.listener !== attempt) return;
      this.listener = undefined;
      if (listening) this.wake();
    };
    const drop = () => {
      forget();
      void client.end().catch(() => undefined);
    };
    const attempt = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${APPEND_CHANNEL}`);
        listening = true;
        this.wake();
        return client;
      } catch {
        drop();
        return undefined;
      }
    })();
    client.on('error', drop);
    client.on('end', forget);
    client.on('notification', () => this.wake());
    this.listener = attempt;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    const listener = await this.listener?.catch(() => undefined);
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}

/**
 * Catch-up then live, one event at a time: pages read after the checkpoint until a page is not full, then a wait for
 * a notification (or the polling interval). `caughtUp` is raised once the head taken at subscription time is behind
 * the checkpoint.
 */
class PostgresSubscription implements Subscription {
  readonly done: Promise<void>;
  private _caughtUp = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly store: PostgresEventStore,
    private readonly options: SubscribeOptions,
    private readonly handler: EventHandler,
  ) {
    this.done = this.run();
  }

  get caughtUp(): boolean {
    return this._caughtUp;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let after = checkPosition(this.options.fromPosition ?? START);
    const initialHead = (await this.retrying(() => this.store.head())).position;
    if (comparePositions(initialHead, after) <= 0) this._caughtUp = true;
    while (!signal.aborted) {
      const seen = this.store.wakeCount;
      const from = after;
      const page = await this.retrying(() => this.store.readPage(from, PAGE, this.options.filter));
      for (const e of page.events) {
        if (signal.aborted) return;
        await this.handler(e);
        after = e.position;
      }
      if (signal.aborted) return;
      if (comparePositions(page.scannedTo, after) > 0) after = page.scannedTo;
      if (!this._caughtUp && comparePositions(after, initialHead) >= 0) this._caughtUp = true;
      if (page.exhausted) {
        this._caughtUp = true;
        await this.store.waitForMore(seen, signal);
      }
    }
  }

  /**
   * A read that fails for want of the server is tried again (the pool opens new connections), with pauses growing to
   * 2 s, for up to `reconnectForMs`; then, or for any other failure (a damaged row, a missing table), the subscription
   * fails. Reads have no effect, so trying one again delivers nothing twice.
   */
  private async retrying<T>(read: () => Promise<T>): Promise<T> {
    let since: number | undefined;
    let pause = 50;
    for (;;) {
      try {
        return await read();
      } catch (err) {
        since ??= Date.now();
        if (!isTransient(err) || this.abort.signal.aborted) throw err;
        if (Date.now() - since >= this.store.reconnectForMs) {
          throw new EventStoreError(`the PostgreSQL event store did not answer for ${Date.now() - since} ms (reconnectForMs): ${(err as Error).message}`);
        }
        const signal = this.abort.signal;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, pause);
          signal.addEventListener('abort', done);
        });
        pause = Math.min(pause * 2, 2000);
      }
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done.catch(() => undefined);
  }
}

/** Connection-level failures (the server is gone, restarting, refusing connections), as opposed to a failing query. */
export function isTransient(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return err.code !== undefined && (err.code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(err.code));
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message);
}

function checkPosition(position: string): string {
  if (!DECIMAL.test(position)) throw new EventStoreError(`"${position}" is not a position (a decimal string)`);
  return position;
}

function meetsExpected(expected: ExpectedRevision, current: number): boolean {
  return expected === 'any' || (expected === 'no_stream' && current === -1) || (expected === 'stream_exists' && current >= 0) || expected === current;
}

/**
 * A retry re-sends events the store holds: all of them in this stream, consecutive, where the original append put
 * them (after the expected revision, or at the tail for 'any' / 'stream_exists'). Any other overlap is an error,
 * never a silent duplicate (the rule of the SQLite adapter).
 */
function judgeRetry(streamName: string, events: EventEnvelope[], expected: ExpectedRevision, current: number, known: Known[]): AppendResult {
  const byId = new Map(known.map((k) => [k.id, k]));
  const found = events.map((e) => byId.get(e.id));
  const first = found[0];
  const consecutive = first !== undefined && found.every((f, i) => f !== undefined && f.stream_name === streamName && f.revision === first.revision + i);
  const start = typeof expected === 'number' ? expected + 1 : expected === 'no_stream' ? 0 : current - events.length + 1;
  if (consecutive && first.revision === start) {
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, alreadyAppended: true };
  }
  throw new DuplicateEventIdError(found.find((f) => f !== undefined)!.id, streamName);
}

/**
 * The unique indexes are the last word should a writer bypass the lock: a taken revision is a concurrency conflict,
 * a taken id a duplicate. Other failures (a dropped connection, a server shutting down) stay as they are: a caller
 * may retry them.
 */
function mapAppendError(err: unknown, streamName: string, expected: string): unknown {
  if (err instanceof pg.DatabaseError && err.code === '23505') {
    if (err.constraint === 'events_stream_revision_unique') return new ConcurrencyError(streamName, expected, 'unknown');
    if (err.constraint === 'events_id_unique') return new DuplicateEventIdError(/\(id\)=\((.*)\)/.exec(err.detail ?? '')?.[1] ?? 'unknown', streamName);
  }
  return err;
}

function toRecorded(r: Row): RecordedEvent {
  return {
    id: r.id,
    type: r.type,
    data: JSON.parse(r.data),
    metadata: JSON.parse(r.metadata),
    streamName: r.stream_name,
    revision: r.revision,
    position: r.position,
    recordedAt: r.recorded_at.toISOString(),
  };
}

/** Opens the PostgreSQL event store at a `postgres://…` URL: connects, and creates the `events` table if missing. */
export async function createPostgresEventStore(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  const store = new PostgresEventStore(options);
  try {
    await store.createSchema();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new EventStoreError(`the PostgreSQL event store at ${redact(options.url)} cannot be opened: ${(err as Error).message}`);
  }
  return store;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}

/** Whether a URL names PostgreSQL (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
