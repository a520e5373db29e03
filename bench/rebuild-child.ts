import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rebuildLedgers, tableHashes } from '../src/audit/rebuild';
import { createLogger } from '../src/config/logger';
import { SqliteEventStore } from '../src/events/store/sqlite';
import { LedgerDb } from '../src/projections/ledger-db';
import { LEDGERS } from '../src/projections/ledgers';
import { Projector } from '../src/projections/projector';

/**
 * Builds the ledgers from an events file in its own process, so its peak memory is its own, and prints one JSON line:
 * the time taken, the peak memory and every table's hash. `rebuild`: the audit rebuild (what is measured); `live`: the
 * live projector as it runs in production (batches of 500, its checkpoint per batch), to compare the tables with.
 */
const [mode, file] = [process.argv[2], process.argv[3]!];
const store = new SqliteEventStore({ file, readonly: true });
const dir = mkdtempSync(path.join(tmpdir(), 'taizhang-bench-ledgers-'));
let result: { events: number; ms: number; cpuMs: number; threads: number; hashes: ReturnType<typeof tableHashes> };
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
if (mode === 'rebuild') {
  const [t, cpu] = [performance.now(), process.cpuUsage()];
  const rebuilt = await rebuildLedgers(store, LEDGERS, { file: path.join(dir, 'ledger.db') });
  const [ms, used] = [performance.now() - t, cpuMs(cpu)];
  result = { events: rebuilt.eventsRead, ms, cpuMs: used, threads: rebuilt.threads, hashes: tableHashes(rebuilt.db) };
  rebuilt.dispose();
} else if (mode === 'live') {
  const db = new LedgerDb(path.join(dir, 'ledger.db'), LEDGERS);
  const projector = new Projector(store, db, { batchSize: 500, logger: createLogger({ level: 'error', name: 'bench' }) });
  const head = (await store.head()).position;
  const [t, cpu] = [performance.now(), process.cpuUsage()];
  projector.start();
  await projector.waitFor(head, 3_600_000);
  const [ms, used] = [performance.now() - t, cpuMs(cpu)];
  await projector.stop();
  result = { events: db.checkpoint().eventsApplied, ms, cpuMs: used, threads: 1, hashes: tableHashes(db) };
  db.close();
} else throw new Error(`usage: rebuild-child.ts rebuild|live <events.db>`);
await store.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
