import type Database from 'better-sqlite3';
import { createSchemaOnce } from '../../support/pg-schema';
import type pg from 'pg';
import { openSqlite } from '../../support/sqlite';

/**
 * Which notification keys were sent, and how far the dispatcher has read. A key is marked `sending` (durably) before
 * the channel is called and `sent` after. A key still `sending` after a crash may or may not have gone out: a missed
 * escalation is worse than a repeated one, so it is sent again, with the same key (Message-ID, Idempotency-Key) for
 * the receiver to drop a copy. `in_doubt` marks keys an earlier version left unsent on purpose.
 * Kept beside the event store (DATA_DIR/notifications.db).
 */
export type SendState = 'sending' | 'sent' | 'in_doubt';

/**
 * The sent log as the dispatcher uses it: SQLite beside a single node's store, or PostgreSQL (tables `taizhang_…` in
 * the events' database) for a cluster, where whichever node holds the outbox lease reads and writes the same log.
 * Methods may answer synchronously (SQLite) or not (PostgreSQL): callers await each.
 */
export interface SentLogPort {
  /** The key's state, if the dispatcher has ever tried it. */
  stateOf(key: string): SendState | undefined | Promise<SendState | undefined>;
  /** Sent (or, by an earlier version, given up as in doubt): not to be sent again. */
  isDone(key: string): boolean | Promise<boolean>;
  /** Recorded before the channel is called; a key begun before (cut off by a crash) counts one more attempt. */
  begin(key: string, recipient: string): void | Promise<void>;
  markSent(key: string, channel: string, recipient: string, addresses: number): void | Promise<void>;
  /** A failed attempt is known not to have gone out: it may be retried. */
  abandon(key: string): void | Promise<void>;
  /** Keys caught between `begin` and `markSent` by a crash: they are sent again. */
  interrupted(): string[] | Promise<string[]>;
  /** Keys sent more than once (a send cut off by a crash, repeated with the same key). */
  resent(): string[] | Promise<string[]>;
  /** Position of the last NotificationIssued event handled (sent or found sent). */
  checkpoint(): string | Promise<string>;
  setCheckpoint(position: string): void | Promise<void>;
  count(): number | Promise<number>;
  close(): void | Promise<void>;
}

export class SentLog implements SentLogPort {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, { synchronous: 'FULL' });
    this.db.exec(`CREATE TABLE IF NOT EXISTS notifications_sent (
      key TEXT PRIMARY KEY, channel TEXT, recipient TEXT NOT NULL, addresses INTEGER, sent_at TEXT, state TEXT NOT NULL DEFAULT 'sent');
      CREATE TABLE IF NOT EXISTS dispatcher_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT NOT NULL)`);
    const columns = (this.db.prepare('PRAGMA table_info(notifications_sent)').all() as Array<{ name: string }>).map((c) => c.name);
    if (!columns.includes('attempts')) this.db.exec('ALTER TABLE notifications_sent ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1');
  }

  /** The key's state, if the dispatcher has ever tried it. */
  stateOf(key: string): SendState | undefined {
    return (this.db.prepare('SELECT state FROM notifications_sent WHERE key = ?').get(key) as { state: SendState } | undefined)?.state;
  }

  /** Sent (or, by an earlier version, given up as in doubt): not to be sent again. */
  isDone(key: string): boolean {
    const state = this.stateOf(key);
    return state === 'sent' || state === 'in_doubt';
  }

  /** Recorded before the channel is called; a key begun before (cut off by a crash) counts one more attempt. */
  begin(key: string, recipient: string): void {
    this.db
      .prepare("INSERT INTO notifications_sent (key, recipient, state, attempts) VALUES (?, ?, 'sending', 1) ON CONFLICT(key) DO UPDATE SET attempts = attempts + 1")
      .run(key, recipient);
  }

  markSent(key: string, channel: string, recipient: string, addresses: number): void {
    this.db
      .prepare(
        `INSERT INTO notifications_sent (key, channel, recipient, addresses, sent_at, state) VALUES (?, ?, ?, ?, ?, 'sent')
         ON CONFLICT(key) DO UPDATE SET channel = excluded.channel, addresses = excluded.addresses, sent_at = excluded.sent_at, state = 'sent'`,
      )
      .run(key, channel, recipient, addresses, new Date().toISOString());
  }

  /** A failed attempt is known not to have gone out: it may be retried. */
  abandon(key: string): void {
    this.db.prepare("UPDATE notifications_sent SET attempts = attempts - 1 WHERE key = ? AND state = 'sending'").run(key);
    this.db.prepare("DELETE FROM notifications_sent WHERE key = ? AND state = 'sending' AND attempts <= 0").run(key);
  }

  /** Keys caught between `begin` and `markSent` by a crash: they are sent again. */
  interrupted(): string[] {
    return (this.db.prepare("SELECT key FROM notifications_sent WHERE state = 'sending'").all() as Array<{ key: string }>).map((r) => r.key);
  }

  /** Keys sent more than once (a send cut off by a crash, repeated with the same key). */
  resent(): string[] {
    return (this.db.prepare("SELECT key FROM notifications_sent WHERE attempts > 1").all() as Array<{ key: string }>).map((r) => r.key);
  }

  /** Position of the last NotificationIssued event handled (sent or found sent). */
  checkpoint(): string {
    return (this.db.prepare('SELECT position FROM dispatcher_checkpoint WHERE id = 1').get() as { position: string } | undefined)?.position ?? '0';
  }

  setCheckpoint(position: string): void {
    this.db.prepare('INSERT INTO dispatcher_checkpoint (id, position) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET position = excluded.position').run(position);
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM notifications_sent WHERE state = 'sent'").get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const PG_SCHEMA = `
CREATE TABLE IF NOT EXISTS taizhang_notifications_sent (
  key TEXT PRIMARY KEY, channel TEXT, recipient TEXT NOT NULL, addresses INTEGER, sent_at TEXT,
  state TEXT NOT NULL DEFAULT 'sent', attempts INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS taizhang_dispatcher_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT NOT NULL);
`;
/** Held while the tables are created (namespace 'taiz'; 1 and 2 are the event store's, 10–12 the leases'). */
/** Advisory lock key (namespace LOCK_NAMESPACE) of creating the sent-log tables. */
const SCHEMA_LOCK = 20;

/** The sent log in PostgreSQL, beside the events: the same rows and rules as `SentLog`, shared by every node. */
export class PostgresSentLog implements SentLogPort {
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresSentLog> {
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({ connectionString: url, max: 2, application_name: 'taizhang-outbox', keepAlive: true });
    // An idle connection that breaks is dropped by the pool; the next query takes a new one.
    pool.on('error', () => undefined);
    try {
      await createSchemaOnce(pool, SCHEMA_LOCK, PG_SCHEMA);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresSentLog(pool);
  }

  async stateOf(key: string): Promise<SendState | undefined> {
    const r = await this.pool.query<{ state: SendState }>('SELECT state FROM taizhang_notifications_sent WHERE key = $1', [key]);
    return r.rows[0]?.state;
  }

  async isDone(key: string): Promise<boolean> {
    const state = await this.stateOf(key);
    return state === 'sent' || state === 'in_doubt';
  }

  async begin(key: string, recipient: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO taizhang_notifications_sent (key, recipient, state, attempts) VALUES ($1, $2, 'sending', 1)
       ON CONFLICT (key) DO UPDATE SET attempts = taizhang_notifications_sent.attempts + 1`,
      [key, recipient],
    );
  }

  async markSent(key: string, channel: string, recipient: string, addresses: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO taizhang_notifications_sent (key, channel, recipient, addresses, sent_at, state) VALUES ($1, $2, $3, $4, $5, 'sent')
       ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, addresses = excluded.addresses, sent_at = excluded.sent_at, state = 'sent'`,
      [key, channel, recipient, addresses, new Date().toISOString()],
    );
  }

  async abandon(key: string): Promise<void> {
    await this.pool.query("UPDATE taizhang_notifications_sent SET attempts = attempts - 1 WHERE key = $1 AND state = 'sending'", [key]);
    await this.pool.query("DELETE FROM taizhang_notifications_sent WHERE key = $1 AND state = 'sending' AND attempts <= 0", [key]);
  }

  async interrupted(): Promise<string[]> {
    const r = await this.pool.query<{ key: string }>("SELECT key FROM taizhang_notifications_sent WHERE state = 'sending' ORDER BY key");
    return r.rows.map((row) => row.key);
  }

  async resent(): Promise<string[]> {
    const r = await this.pool.query<{ key: string }>('SELECT key FROM taizhang_notifications_sent WHERE attempts > 1 ORDER BY key');
    return r.rows.map((row) => row.key);
  }

  async checkpoint(): Promise<string> {
    const r = await this.pool.query<{ position: string }>('SELECT position FROM taizhang_dispatcher_checkpoint WHERE id = 1');
    return r.rows[0]?.position ?? '0';
  }

  async setCheckpoint(position: string): Promise<void> {
    await this.pool.query('INSERT INTO taizhang_dispatcher_checkpoint (id, position) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET position = excluded.position', [position]);
  }

  async count(): Promise<number> {
    const r = await this.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM taizhang_notifications_sent WHERE state = 'sent'");
    return r.rows[0]!.n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** The sent log a deployment uses: PostgreSQL beside a PostgreSQL event store (a cluster), else the SQLite file. */
export async function openSentLog(options: { url?: string | undefined; file: string }): Promise<SentLogPort> {
  if (options.url && /^postgres(ql)?:\/\//i.test(options.url)) return PostgresSentLog.open(options.url);
  return new SentLog(options.file);
}
