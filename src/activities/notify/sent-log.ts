import type Database from 'better-sqlite3';
import { openSqlite } from '../../support/sqlite';

/**
 * Which notification keys were sent, and how far the dispatcher has read. A key is marked `sending` (durably) before
 * the channel is called and `sent` after. A key still `sending` after a crash may or may not have gone out: a missed
 * escalation is worse than a repeated one, so it is sent again, with the same key (Message-ID, Idempotency-Key) for
 * the receiver to drop a copy. `in_doubt` marks keys an earlier version left unsent on purpose.
 * Kept beside the event store (DATA_DIR/notifications.db).
 */
export type SendState = 'sending' | 'sent' | 'in_doubt';
export class SentLog {
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
