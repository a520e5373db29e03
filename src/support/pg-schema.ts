import type pg from 'pg';

/** The namespace of every advisory lock taizhang takes on PostgreSQL ('taiz'); the second key says which lock. */
export const LOCK_NAMESPACE = 0x7461697a;

/**
 * Runs DDL (`CREATE TABLE IF NOT EXISTS …`) in one transaction under a transaction-scoped advisory lock: two processes
 * opening a fresh database at once would otherwise race on creating the same tables.
 */
export async function createSchemaOnce(pool: pg.Pool, lockKey: number, ddl: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, lockKey]);
    await client.query(ddl);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
