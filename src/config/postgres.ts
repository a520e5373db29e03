import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from './tools';

/**
 * The PostgreSQL server of the tests and of `npm run cluster`: PG_URL when set, else the private cluster
 * `scripts/setup.mjs` (`--for-tests`, `--for-cluster`) created in .tools/postgres (recorded in .tools/tools.json),
 * started here when it is not running (background processes do not outlive a session). Without either it fails with
 * the reason: PostgreSQL can be had on these machines, so a silent skip would hide a broken set-up.
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

/** The URL of a running server (its maintenance database), starting the private cluster if need be. */
export async function runningPostgres(pgUrl: string | undefined = process.env.PG_URL): Promise<string> {
  if (pgUrl) {
    const failed = await reachable(pgUrl);
    if (failed) throw new Error(`PG_URL does not answer: ${failed.message}`);
    return pgUrl;
  }
  const found = recorded();
  if (!found || found.kind === 'env') throw new Error('PostgreSQL is not set up: run `node scripts/setup.mjs --for-tests` (npm test and npm run cluster do) or set PG_URL');
  if (found.kind === 'missing') throw new Error(`PostgreSQL is not available: ${found.reason}`);
  if ((await reachable(found.url)) === undefined) return found.url;
  const pgCtl = path.join(found.bin, 'pg_ctl');
  const args = ['start', '-D', found.dataDir, '-l', found.logFile, '-w', '-t', '60'];
  const r = found.runAs ? spawnSync('runuser', ['-u', found.runAs, '--', pgCtl, ...args], { encoding: 'utf8' }) : spawnSync(pgCtl, args, { encoding: 'utf8' });
  // Another process may have started it meanwhile: what counts is that it answers now.
  const failed = await reachable(found.url);
  if (failed) throw new Error(`the private PostgreSQL cluster in ${found.dataDir} did not start (${(r.stderr || r.stdout || '').trim() || failed.message}; see ${found.logFile})`);
  return found.url;
}
