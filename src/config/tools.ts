import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is src/config/tools.ts). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type ToolLocation = { kind: 'path'; path: string; version?: string; source?: string } | { kind: 'download' };

interface ToolsFile {
  temporalCli?: ToolLocation;
  testServer?: ToolLocation;
  compose?: { kind: 'path'; path: string; args?: string[] } | { kind: 'missing' };
}

function readTools(): ToolsFile {
  const file = path.join(ROOT, '.tools', 'tools.json');
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as ToolsFile;
}

/** The Temporal CLI found by `scripts/setup.mjs` (TEMPORAL_CLI_PATH wins), or 'download' for the SDK's own. */
export function temporalCli(env: NodeJS.ProcessEnv = process.env): ToolLocation {
  if (env.TEMPORAL_CLI_PATH) return { kind: 'path', path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH' };
  const found = readTools().temporalCli;
  if (found?.kind === 'path' && existsSync(found.path)) return found;
  const built = path.join(ROOT, '.tools', 'bin', 'temporal');
  if (existsSync(built)) return { kind: 'path', path: built };
  return { kind: 'download' };
}

/**
 * `temporal server start-dev` as the embedded stack runs it, besides its address and namespace:
 *  - its database in `dbFilename`, write-ahead logged and synced at checkpoints (SQLite's `journal_mode=WAL`,
 *    `synchronous=NORMAL`), the durability the event store and the ledgers beside it have: a killed process loses
 *    nothing (the fault suites kill it), a power cut may lose the last commits, as it may of the event store. The
 *    default, a sync on every commit, held intake here to about half;
 *  - one partition per task queue. One server with one worker gains nothing from the four partitions a cluster uses
 *    to spread a queue's load; a task that lands in a partition no poller waits on is forwarded late, which made the
 *    p99 of a filed complaint 0.5–2 s (a few hundred ms with one partition, measured by `npm run bench`).
 */
export function devServerArgs(dbFilename: string): string[] {
  return [
    '--db-filename',
    dbFilename,
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--dynamic-config-value',
    'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value',
    'matching.numTaskqueueWritePartitions=1',
  ];
}

/** The time-skipping test server wrapper, or 'download'. */
export function testServer(): ToolLocation {
  const found = readTools().testServer;
  if (found?.kind === 'path' && existsSync(found.path)) return found;
  const wrapper = path.join(ROOT, '.tools', 'temporal-test-server', 'bin', 'temporal-test-server');
  if (existsSync(wrapper)) return { kind: 'path', path: wrapper };
  return { kind: 'download' };
}

/** Docker Compose as set-up found or built it (`docker-compose`, or `docker compose`): the command and its leading arguments. */
export function composeCli(): string[] | undefined {
  const found = readTools().compose;
  if (found?.kind === 'path' && existsSync(found.path)) return [found.path, ...(found.args ?? [])];
  return undefined;
}

/** The test server that starts its clock at TAIZHANG_TEST_SERVER_START_MS (set-up compiles it), when there is one. */
export function testServerAt(): string | undefined {
  const found = readTools().testServer as (ToolLocation & { startAtPath?: string }) | undefined;
  const at = found?.kind === 'path' ? found.startAtPath : undefined;
  if (at && existsSync(at)) return at;
  const wrapper = path.join(ROOT, '.tools', 'temporal-test-server', 'bin', 'temporal-test-server-at');
  return existsSync(wrapper) ? wrapper : undefined;
}
