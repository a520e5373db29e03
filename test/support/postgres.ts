import { afterAll, afterEach } from 'vitest';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { runningPostgres } from '../../src/config/postgres';

let server: Promise<string> | undefined;

/** The URL of the tests' running server (src/config/postgres.ts), found once per test file. */
export const postgresServer = (): Promise<string> => (server ??= runningPostgres());

/** A database of its own on the test server, dropped by `drop` (so a test can count on an empty store). */
export async function freshDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = await postgresServer();
  const name = `taizhang_test_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * For a test file at its top level: `cleanup(fn)` runs after the current test (last registered first), and each
 * `database(label)` is a fresh database dropped after the file.
 */
export function testResources(): { database(label: string): Promise<string>; cleanup(fn: () => Promise<void> | void): void } {
  const drops: Array<() => Promise<void>> = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await Promise.all(drops.map((d) => d()));
  });
  return {
    async database(label) {
      const db = await freshDatabase(label);
      drops.push(db.drop);
      return db.url;
    },
    cleanup: (fn) => void cleanups.push(fn),
  };
}
