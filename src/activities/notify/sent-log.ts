import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Which notification keys were sent, and how far the dispatcher has read: the guard that sends nothing twice.
 * A key is marked `sending` (durably) before the channel is called and `sent` after; a key still `sending` after a
 * crash may or may not have gone out, so it becomes `in_doubt` and is not sent again (at most once per key).
 * Kept beside the event store (DATA_DIR/notifications.db).
 */
export type SendState = 'sending' | 'sent' | 'in_doubt';
export class SentLog {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS notifications_sent (
      key TEXT PRIMARY KEY, channel TEXT, recipient TEXT NOT NULL, addresses INTEGER, sent_at TEXT, state TEXT NOT NULL DEFAULT 'sent');
      CREATE TABLE IF NOT EXISTS dispatcher_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT NOT NULL)`);
  }

  /** The key's state, if the dispatcher has ever tried it. */
  stateOf(key: string): SendState | undefined {
    return (this.db.prepare('SELECT state FROM notifications_sent WHERE key = ?').get(key) as { state: SendState } | undefined)?.state;
  }

  wasSent(key: string): boolean {
    return this.stateOf(key) !== undefined;
  }

  /** Recorded before the channel is called. */
  begin(key: string, recipient: string): void {
    this.db.prepare("INSERT OR IGNORE INTO notifications_sent (key, recipient, state) VALUES (?, ?, 'sending')").run(key, recipient);
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
    this.db.prepare("DELETE FROM notifications_sent WHERE key = ? AND state = 'sending'").run(key);
  }

  /** After a crash: keys caught between `begin` and `markSent` are in doubt. Returns them. */
  settleInterrupted(): string[] {
    const keys = (this.db.prepare("SELECT key FROM notifications_sent WHERE state = 'sending'").all() as Array<{ key: string }>).map((r) => r.key);
    this.db.prepare("UPDATE notifications_sent SET state = 'in_doubt' WHERE state = 'sending'").run();
    return keys;
  }

  inDoubt(): string[] {
    return (this.db.prepare("SELECT key FROM notifications_sent WHERE state = 'in_doubt'").all() as Array<{ key: string }>).map((r) => r.key);
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
