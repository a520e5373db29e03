import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from '../../src/config/tools';

/**
 * The PostgreSQL server the tests use: PG_URL when set, else the private cluster `scripts/setup.mjs --for-tests`
 * created in .tools/postgres (recorded in .tools/tools.json), started here when it is not running (background
 * processes do not outlive a session). Without either the tests fail with the reason: PostgreSQL can be had on these
 * machines, so a silent skip would hide a broken set-up.
 */
type Recorded =
  | { kind: 'env'; source: 'PG_URL' }
  | { kind: 'cluster'; url: string; dataDir: string; bin: string; logFile: string; runAs?: string }
  | { kind: 'missing'; reason: string };

function recorded(): Recorded | undefined {
  const file = path.join(ROOT, '.tools', 'tools.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { postgres?: Recorded }).postgres;
}

async function reachable(url: string): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let server: Promise<string> | undefined;

/** The URL of a running server (its maintenance database), starting the private cluster if need be. */
export function postgresServer(): Promise<string> {
  return (server ??= (async () => {
    if (process.env.PG_URL) {
      const failed = await reachable(process.env.PG_URL);
      if (failed) throw new Error(`PG_URL does not answer: ${failed.message}`);
      return process.env.PG_URL;
    }
    const found = recorded();
    if (!found || found.kind === 'env') throw new Error('PostgreSQL is not set up: run `node scripts/setup.mjs --for-tests` (npm test does) or set PG_URL');
    if (found.kind === 'missing') throw new Error(`PostgreSQL is not available: ${found.reason}`);
    if ((await reachable(found.url)) === undefined) return found.url;
    const pgCtl = path.join(found.bin, 'pg_ctl');
    const args = ['start', '-D', found.dataDir, '-l', found.logFile, '-w', '-t', '60'];
    const r = found.runAs ? spawnSync('runuser', ['-u', found.runAs, '--', pgCtl, ...args], { encoding: 'utf8' }) : spawnSync(pgCtl, args, { encoding: 'utf8' });
    // Another test file may have started it meanwhile: what counts is that it answers now.
    const failed = await reachable(found.url);
    if (failed) throw new Error(`the private PostgreSQL cluster in ${found.dataDir} did not start (${(r.stderr || r.stdout || '').trim() || failed.message}; see ${found.logFile})`);
    return found.url;
  })());
}

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
