import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rate, sampleEnvelope } from './lib';

/** Emmett's SQLite event store on the append workload of bench/appends.ts; prints one JSON line. */
const [ms, file] = [Number(process.argv[2]), process.argv[3]!];
const peers = createRequire(fileURLToPath(new URL('./peers/package.json', import.meta.url)));
const { getSQLiteEventStore } = (await import(pathToFileURL(peers.resolve('@event-driven-io/emmett-sqlite')).href)) as {
  getSQLiteEventStore: (o: { fileName: string; schema?: { autoMigration?: 'CreateOrUpdate' } }) => {
    appendToStream: (stream: string, events: Array<{ type: string; data: unknown; metadata?: unknown }>) => Promise<unknown>;
  };
};
const emmett = getSQLiteEventStore({ fileName: file, schema: { autoMigration: 'CreateOrUpdate' } });
const asEmmett = (e: ReturnType<typeof sampleEnvelope>) => ({ type: e.type, data: e.data, metadata: e.metadata });
let n = 0;
await emmett.appendToStream('warmup', [asEmmett(sampleEnvelope(n++))]);
const single = await rate(ms, async () => {
  await emmett.appendToStream(`s-${n}`, [asEmmett(sampleEnvelope(n++))]);
  return 1;
});
const batch = await rate(ms, async () => {
  await emmett.appendToStream(`b-${n}`, Array.from({ length: 100 }, () => asEmmett(sampleEnvelope(n++))));
  return 100;
});
process.stdout.write(JSON.stringify({ single: single.perSecond, batch: batch.perSecond }) + '\n');
