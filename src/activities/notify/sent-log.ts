import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Which notification keys were sent, and how far the dispatcher has read: the guard that sends nothing twice.
 * Kept beside the event store (DATA_DIR/notifications.db).
 */
export class SentLog {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS notifications_sent (
      key TEXT PRIMARY KEY, channel TEXT NOT NULL, recipient TEXT NOT NULL, addresses INTEGER NOT NULL, sent_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS dispatcher_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT NOT NULL)`);
  }

  wasSent(key: string): { channel: string; addresses: number } | undefined {
    return this.db.prepare('SELECT channel, addresses FROM notifications_sent WHERE key = ?').get(key) as { channel: string; addresses: number } | undefined;
  }

  markSent(key: string, channel: string, recipient: string, addresses: number): void {
    this.db.prepare('INSERT OR IGNORE INTO notifications_sent (key, channel, recipient, addresses, sent_at) VALUES (?, ?, ?, ?, ?)').run(key, channel, recipient, addresses, new Date().toISOString());
  }

  /** Position of the last NotificationIssued event handled (sent or found sent). */
  checkpoint(): string {
    return (this.db.prepare('SELECT position FROM dispatcher_checkpoint WHERE id = 1').get() as { position: string } | undefined)?.position ?? '0';
  }

  setCheckpoint(position: string): void {
    this.db.prepare('INSERT INTO dispatcher_checkpoint (id, position) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET position = excluded.position').run(position);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM notifications_sent').get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
