import { rebuildLedgers } from '../src/audit/rebuild';
import { SqliteEventStore } from '../src/events/store/sqlite';
import { LEDGERS } from '../src/projections/ledgers';

/** Rebuilds every ledger from an events file in its own process, so its peak memory is its own. */
const file = process.argv[2]!;
const store = new SqliteEventStore({ file, readonly: true });
const t = performance.now();
const rebuilt = await rebuildLedgers(store, LEDGERS, { batchSize: 1000 });
const ms = performance.now() - t;
rebuilt.dispose();
await store.close();
process.stdout.write(JSON.stringify({ events: rebuilt.eventsRead, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
