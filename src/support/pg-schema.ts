import type pg from 'pg';

/** The namespace of every advisory lock taizhang takes on PostgreSQL ('taiz'); the second key says which lock. */
export const LOCK_NAMESPACE = 0x7461697a;

/**
 * Runs `work` in one transaction that first takes a transaction-scoped advisory lock (LOCK_NAMESPACE, lockKey): writers
 * that must not interleave (two recorders extending the chain, two processes creating the same tables) queue on it.
 */
export async function inLockedTransaction<T>(pool: pg.Pool, lockKey: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, lockKey]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** DDL (`CREATE TABLE IF NOT EXISTS …`) under its lock: two processes opening a fresh database at once do not race. */
export const createSchemaOnce = (pool: pg.Pool, lockKey: number, ddl: string): Promise<void> => inLockedTransaction(pool, lockKey, async (c) => void (await c.query(ddl)));
