import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../src/events/store/sqlite';
import { benchDir, emit, rate, sampleEnvelope, scale } from './lib';

const SECONDS = 3000 * Math.max(scale, 0.34);
/** Ours and raw take turns in short slices, so on a shared machine both meet the same load. */
const ROUNDS = 10;
const SIDE_BY_SIDE = `ours and raw in ${ROUNDS} alternating slices each, same files throughout`;

/** Runs `a` and `b` in alternating slices for about `ms` each in all; the rate of each over its own slices. */
async function sideBySide(ms: number, a: () => Promise<number> | number, b: () => Promise<number> | number): Promise<[number, number]> {
  const totals = [
    { ops: 0, seconds: 0 },
    { ops: 0, seconds: 0 },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, fn] of (round % 2 === 0 ? [[0, a], [1, b]] : [[1, b], [0, a]]) as Array<[number, typeof a]>) {
      const r = await rate(ms / ROUNDS, fn);
      totals[i]!.ops += r.ops;
      totals[i]!.seconds += r.ops / r.perSecond;
    }
  }
  return [totals[0]!.ops / totals[0]!.seconds, totals[1]!.ops / totals[1]!.seconds];
}

interface EmmettResult {
  single: number;
  batch: number;
}

/**
 * Emmett's SQLite event store (installed apart in bench/peers) on the same workload, in its own process: its driver
 * can throw outside any promise, and a crash there must not end the benchmark. Up to two attempts, each on a fresh
 * file: its failures are intermittent (SQLITE_BUSY on commit).
 */
function emmettRun(dir: string, label: string): Array<EmmettResult | { failure: string }> {
  const out: Array<EmmettResult | { failure: string }> = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const stdout = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./emmett-child.ts', import.meta.url)), String(SECONDS), path.join(dir, `emmett-${label}-${attempt}.db`)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      out.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as EmmettResult);
      return out;
    } catch (err) {
      out.push({ failure: String((err as { stderr?: string }).stderr ?? (err as Error).message).split('\n').find((l) => /Error/.test(l)) ?? 'crashed' });
    }
  }
  return out;
}

/**
 * Appends: our SQLite event store against raw better-sqlite3 inserts of the same rows at the same durability
 * (WAL, synchronous FULL, one transaction per append), and against Emmett's SQLite event store on its own driver.
 */
export async function benchAppends(): Promise<void> {
  const dir = benchDir('appends');
  let n = 0;
  const earlyEmmett = emmettRun(dir, 'before');

  const ours = new SqliteEventStore({ file: path.join(dir, 'ours.db'), synchronous: 'FULL' });
  // Raw better-sqlite3: the same rows into the same table shape, one transaction per append.
  const raw = new Database(path.join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_name TEXT NOT NULL, revision INTEGER NOT NULL, id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_name, revision))`);
  const insert = raw.prepare('INSERT INTO events (stream_name, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const write = raw.transaction((stream: string, events: ReturnType<typeof sampleEnvelope>[]) => {
    events.forEach((e, i) => insert.run(stream, i, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString()));
  });

  // Sequential single-event appends (each awaited: one fsync each).
  const [single, rawSingle] = await sideBySide(
    SECONDS,
    async () => {
      await ours.append(`s-${n}`, [sampleEnvelope(n++)], { expectedRevision: 'no_stream' });
      return 1;
    },
    () => {
      write(`s-${n}`, [sampleEnvelope(n++)]);
      return 1;
    },
  );
  // Ours, 32 concurrent appenders (group commit: one fsync per event-loop turn), on a file of their own: the batches
  // below then meet a file of the same size as raw's.
  const grouped = new SqliteEventStore({ file: path.join(dir, 'ours-concurrent.db'), synchronous: 'FULL' });
  const concurrent = (
    await rate(SECONDS, async () => {
      await Promise.all(Array.from({ length: 32 }, () => grouped.append(`s-${n}`, [sampleEnvelope(n++)], { expectedRevision: 'no_stream' })));
      return 32;
    })
  ).perSecond;
  await grouped.close();
  // 100-event batches.
  const [batch, rawBatch] = await sideBySide(
    SECONDS,
    async () => {
      await ours.append(`b-${n}`, Array.from({ length: 100 }, () => sampleEnvelope(n++)), { expectedRevision: 'no_stream' });
      return 100;
    },
    () => {
      write(`b-${n}`, Array.from({ length: 100 }, () => sampleEnvelope(n++)));
      return 100;
    },
  );
  await ours.close();
  raw.close();

  // Emmett's runs bracket ours (one before, one after), and the peer value is their mean: a shared machine's load
  // then weighs on both sides alike.
  const emmettRuns = [...earlyEmmett, ...emmettRun(dir, 'after')];
  const ran = emmettRuns.filter((r): r is EmmettResult => 'single' in r);
  const failures = emmettRuns.filter((r): r is { failure: string } => 'failure' in r).map((r) => r.failure);
  const em = ran.length ? { single: ran.reduce((a, r) => a + r.single, 0) / ran.length, batch: ran.reduce((a, r) => a + r.batch, 0) / ran.length } : undefined;
  const emError = failures.length ? `${failures.length} of ${emmettRuns.length} attempts crashed: ${failures[0]}` : undefined;
  const installed = (name: string) => (JSON.parse(readFileSync(fileURLToPath(new URL(`./peers/node_modules/${name}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;
  const peer = `emmett-sqlite@${installed('@event-driven-io/emmett-sqlite')} on sqlite3@${installed('sqlite3')}`;
  const vsEmmett = (ours: number, theirs: number | undefined) =>
    theirs === undefined ? { peer_error: emError } : { peer_value: theirs, ratio: ours / theirs, detail: `mean of ${ran.length} Emmett runs, one before ours and one after`, ...(emError ? { peer_note: emError } : {}) };

  emit({ name: 'append_single_event', value: single, unit: 'events/s', peer: 'raw better-sqlite3 (WAL, synchronous=FULL, 1 tx per append)', peer_value: rawSingle, ratio: single / rawSingle, detail: SIDE_BY_SIDE });
  emit({ name: 'append_single_event', value: single, unit: 'events/s', peer, ...vsEmmett(single, em?.single) });
  emit({
    name: 'append_single_event_32_concurrent',
    value: concurrent,
    unit: 'events/s',
    peer,
    peer_error: 'not measured: concurrent appendToStream calls on one file database crash the process (SQLITE_BUSY / SQLITE_MISUSE from its per-call connections, seen on this machine)',
    detail: 'our appends group-commit: one fsync per event-loop turn',
  });
  emit({ name: 'append_100_event_batch', value: batch, unit: 'events/s', peer: 'raw better-sqlite3 (WAL, synchronous=FULL, 1 tx per append)', peer_value: rawBatch, ratio: batch / rawBatch, detail: SIDE_BY_SIDE });
  emit({ name: 'append_100_event_batch', value: batch, unit: 'events/s', peer, ...vsEmmett(batch, em?.batch) });
}
