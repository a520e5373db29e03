import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { newKey, open, seal } from '../../support/aead';
import { openSqlite } from '../../support/sqlite';

/**
 * Per-customer data keys, the keys of crypto-shredding: every personal field of a customer is stored encrypted with
 * that customer's key (src/events/keys/cipher.ts), in events, Temporal payloads and ledgers alike; erasing the customer
 * destroys the key, and every copy of those fields becomes unreadable at once while the events themselves (and the
 * hash chain over them) stay as they were. A KMS-shaped port: a deployment may keep the keys in a KMS or a database
 * of its own instead of the SQLite file.
 *
 * Losing this store is losing every customer's personal data (the events keep only ciphertext): back it up with the
 * event store, and know that a backup taken before an erasure still holds the erased customer's key; restore a backup
 * only with the erasures since replayed (`CustomerErased` events name every erased customer).
 */
export interface DataKeyStore {
  /** The customer's key, created on first use; undefined once the customer has been erased (a key is never re-made). */
  keyFor(customerId: string): { keyId: string; key: Buffer } | undefined;
  /** Keys by id: a Buffer, `erased` when destroyed, absent when unknown. */
  keysById(keyIds: readonly string[]): Map<string, Buffer | 'erased'>;
  /** Destroys the customer's key (idempotent); returns true when a key was destroyed now. */
  destroy(customerId: string, at: string): boolean;
  close(): void;
}

/**
 * DATA_DIR/customer-keys.db: one row per customer, its key wrapped (AES-256-GCM) with the deployment's wrapping key
 * and bound to the customer and key ids, so a copied row cannot be moved to another customer. `secure_delete` and a
 * truncating checkpoint after each erasure leave the destroyed key in no page of the file or its write-ahead log.
 */
export class SqliteDataKeyStore implements DataKeyStore {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly wrapKey: Buffer,
  ) {
    this.db = openSqlite(file, { synchronous: 'FULL' });
    this.db.pragma('secure_delete = ON');
    this.db.exec(`CREATE TABLE IF NOT EXISTS data_keys (
      customer_id TEXT PRIMARY KEY,
      key_id TEXT NOT NULL UNIQUE,
      wrapped BLOB,
      created_at TEXT NOT NULL,
      erased_at TEXT
    ) STRICT`);
  }

  private aad(customerId: string, keyId: string): Buffer {
    return Buffer.from(`${customerId}\0${keyId}`);
  }

  keyFor(customerId: string): { keyId: string; key: Buffer } | undefined {
    const read = () => this.db.prepare('SELECT key_id, wrapped FROM data_keys WHERE customer_id = ?').get(customerId) as { key_id: string; wrapped: Buffer | null } | undefined;
    let row = read();
    if (!row) {
      const keyId = randomBytes(8).toString('hex');
      const wrapped = seal(this.wrapKey, newKey(), this.aad(customerId, keyId));
      // Another process may have made one at the same moment: the first one stays.
      this.db.prepare('INSERT OR IGNORE INTO data_keys (customer_id, key_id, wrapped, created_at) VALUES (?, ?, ?, ?)').run(customerId, keyId, wrapped, new Date().toISOString());
      row = read()!;
    }
    if (!row.wrapped) return undefined;
    return { keyId: row.key_id, key: open(this.wrapKey, row.wrapped, this.aad(customerId, row.key_id)) };
  }

  keysById(keyIds: readonly string[]): Map<string, Buffer | 'erased'> {
    const out = new Map<string, Buffer | 'erased'>();
    const get = this.db.prepare('SELECT customer_id, key_id, wrapped FROM data_keys WHERE key_id = ?');
    for (const id of new Set(keyIds)) {
      const row = get.get(id) as { customer_id: string; key_id: string; wrapped: Buffer | null } | undefined;
      if (row) out.set(id, row.wrapped ? open(this.wrapKey, row.wrapped, this.aad(row.customer_id, row.key_id)) : 'erased');
    }
    return out;
  }

  destroy(customerId: string, at: string): boolean {
    const r = this.db.prepare('UPDATE data_keys SET wrapped = NULL, erased_at = ? WHERE customer_id = ? AND wrapped IS NOT NULL').run(at, customerId);
    // A customer erased before any key was made gets a tombstone, so none is made later.
    this.db.prepare('INSERT OR IGNORE INTO data_keys (customer_id, key_id, wrapped, created_at, erased_at) VALUES (?, ?, NULL, ?, ?)').run(customerId, randomBytes(8).toString('hex'), at, at);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return r.changes > 0;
  }

  close(): void {
    this.db.close();
  }
}
