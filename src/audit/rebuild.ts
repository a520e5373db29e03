/**
 * Audit replay of the ledgers: rebuild them from position 0 into a fresh database (optionally as of a moment), hash
 * their contents, and compare a clean rebuild with the live ledger database (DESIGN: "rebuilding from position 0 gives
 * exactly the live tables (compared by hash)").
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { illegalState, notFound, validationError } from '../domain/errors';
import { maskPii } from '../domain/pii';
import { comparePositions, START, type RecordedEvent } from '../events/envelope';
import type { EventStore } from '../events/store/port';
import { SqliteEventStore, type RecordFilter } from '../events/store/sqlite';
import { LedgerDb, positionNumber, type LedgerReplay } from '../projections/ledger-db';
import { LEDGERS } from '../projections/ledgers';
import type { CellValue, LedgerProjection, LedgerRow } from '../domain/ledger';
import { tableOf } from '../projections/projection';
import { canonicalJson } from './hashing';
import { verifyChain, type ChainVerification, type VerifyChainOptions } from './verify';

/**
 * Which clock "as of" reads.
 * - `recordedAt` (default): the store's clock, when the event became part of the record. The ledgers as of T are then
 *   exactly what the system showed at T: a prefix of the log, a state the live tables really passed through, which is
 *   what an auditor compares with the copy handed to finance at the monthly close. Nobody can move an event into or
 *   out of that past after the fact.
 * - `occurredAt`: the business time on the event (the workflow clock). Here it differs from `recordedAt` only when an
 *   append was delayed (activity retries, an outage), so it answers "which facts had happened by T, counting those
 *   recorded late" — offered for that question, not as the default.
 */
export type AsOfBasis = 'recordedAt' | 'occurredAt';

export interface RebuildProgress {
  eventsRead: number;
  eventsApplied: number;
  position: string;
}

export interface RebuildOptions {
  /** Where to build; must not exist yet. Default: a new temporary directory (removed by `dispose`). */
  file?: string;
  /** Replay up to and including this position. */
  upToPosition?: string;
  /** Include only events at or before this instant (ISO 8601), on the clock `asOfBasis` names. */
  asOf?: string;
  asOfBasis?: AsOfBasis;
  /** Events applied between two progress reports (default 1000); rows are written in larger transactions. */
  batchSize?: number;
  onProgress?: (p: RebuildProgress) => void;
  /**
   * 2: half of the ledgers are replayed by a worker thread beside this one (a SQLite store in a file, every ledger one
   * of LEDGERS, no `asOf`). Default: 2 from PARALLEL_EVENTS events on a machine of two cores or more, else 1.
   */
  threads?: 1 | 2;
  /** Rows held in memory before they are written (default 50,000); fewer use less memory and write more often. */
  rowsInMemory?: number;
}

export interface RebuiltLedgers {
  /** The rebuilt ledgers, open read-write. */
  db: LedgerDb;
  file: string;
  eventsRead: number;
  eventsApplied: number;
  /** Position of the last event applied ('0' when none). */
  position: string;
  /** Threads the replay ran on: 2 when half of the ledgers were replayed by a worker thread. */
  threads: 1 | 2;
  /** Closes the database and deletes it (with its temporary directory when one was made). */
  dispose(): void;
}

/** A store that hands out stored events in pages, unparsed (the SQLite store): read without a promise per event. */
type RecordPages = Pick<SqliteEventStore, 'readRecords' | 'sampleTypes' | 'countThrough' | 'file'>;
const pagesOf = (store: EventStore): RecordPages | undefined =>
  typeof (store as Partial<RecordPages>).readRecords === 'function' ? (store as unknown as RecordPages) : undefined;

const PAGE = 2000;
/** Events between two commits of the rebuilt rows, at most; sooner when `rowsInMemory` rows are held in memory. */
const COMMIT_EVENTS = 100_000;
const ROWS_IN_MEMORY = 50_000;
/** From this many events a rebuild on two cores splits its ledgers between two threads. */
export const PARALLEL_EVENTS = 200_000;

type Metadata = RecordedEvent['metadata'];

interface ReplayLoop {
  upTo: number;
  asOfMs?: number | undefined;
  basis: AsOfBasis;
  filter?: RecordFilter | undefined;
  /** Called after every event counted into the replay (applied or skipped), with its position. */
  counted: (position: string) => void;
  /** Called for every event read, before any filter. */
  read: () => void;
}

/** Replays the stored records after position 0 up to `upTo`, page by page, parsing only the events a ledger reads. */
async function replayRecords(pages: RecordPages, replay: LedgerReplay, loop: ReplayLoop): Promise<void> {
  const { upTo, asOfMs, basis } = loop;
  let after = 0;
  for (let done = false; !done; ) {
    const page = pages.readRecords(after, PAGE, loop.filter);
    for (let i = 0; i < page.length; i++) {
      const r = page[i]!;
      const at = r[0];
      if (at > upTo) {
        done = true;
        break;
      }
      loop.read();
      const type = r[4];
      const recordedAt = r[7];
      let meta: Metadata | undefined;
      if (asOfMs !== undefined) {
        if (basis === 'recordedAt' ? Date.parse(recordedAt) > asOfMs : Date.parse((meta = JSON.parse(r[6]!) as Metadata).occurredAt) > asOfMs) continue;
      }
      const atText = String(at);
      if (replay.reads(type))
        replay.apply({ id: r[3], type, data: JSON.parse(r[5]!) as unknown, metadata: meta ?? (JSON.parse(r[6]!) as Metadata), streamName: r[1], revision: r[2], position: atText, recordedAt }, at);
      else replay.skip(at, atText, recordedAt);
      loop.counted(atText);
    }
    if (page.length < PAGE) done = true;
    else after = page[page.length - 1]![0];
    // Let the rest of the process (an API serving requests, a worker's messages) run between pages.
    if (!done) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Commits every COMMIT_EVENTS events, or sooner when `rows` rows are held in memory; after a commit, rows beyond half
 * of that are dropped from memory (they are on disk).
 */
function committer(replay: LedgerReplay, rows: number): () => void {
  let since = 0;
  return () => {
    if (++since >= COMMIT_EVENTS || (since % 100 === 0 && replay.cachedRows >= rows)) {
      replay.commit(rows / 2);
      since = 0;
    }
  };
}

/**
 * Replays `$all` from position 0 into a fresh ledger database: the same folds as the live projector, into a file
 * written without fsync whose rows are kept in memory between large commits. From the SQLite store the events are
 * read in pages and only those a ledger reads are parsed; a large store is split between two threads by ledger.
 */
export async function rebuildLedgers(store: EventStore, ledgers: readonly LedgerProjection[], options: RebuildOptions = {}): Promise<RebuiltLedgers> {
  const asOfMs = options.asOf === undefined ? undefined : Date.parse(options.asOf);
  if (asOfMs !== undefined && Number.isNaN(asOfMs)) throw validationError([{ field: 'asOf', rule: 'must be an ISO 8601 instant, e.g. 2026-09-25T18:00:00+08:00' }]);
  const basis = options.asOfBasis ?? 'recordedAt';
  const tempDir = options.file === undefined ? mkdtempSync(path.join(tmpdir(), 'taizhang-rebuild-')) : undefined;
  const file = options.file ?? path.join(tempDir!, 'ledger.db');
  if (existsSync(file)) throw illegalState('audit.rebuild_target_exists', `${file} exists; a rebuild needs a fresh file`);
  const part = `${file}.part`;
  const removeFiles = (f: string) => {
    for (const x of [f, `${f}-wal`, `${f}-shm`, `${f}-journal`]) rmSync(x, { force: true });
  };
  let db = new LedgerDb(file, ledgers, { fresh: true });
  const dispose = () => {
    db.close();
    removeFiles(part);
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    else removeFiles(file);
  };
  const progressEvery = options.batchSize ?? 1000;
  const rowsInMemory = options.rowsInMemory ?? ROWS_IN_MEMORY;
  let eventsRead = 0;
  let eventsApplied = 0;
  let position: string = START;
  let used: 1 | 2 = 1;
  const attempt = async (threads: 1 | 2): Promise<void> => {
    const pages = pagesOf(store);
    const upTo = pages ? positionNumber(options.upToPosition ?? (await store.head()).position) : undefined;
    // A worker thread takes a moment to start: worth it for a large store only, unless asked for.
    const split =
      pages && upTo !== undefined && threads === 2 && (options.threads === 2 || upTo >= PARALLEL_EVENTS) ? splitLedgers(pages, ledgers, upTo, asOfMs === undefined) : undefined;
    const [mine, theirs] = split ?? [ledgers, []];
    const replay = db.replay(mine);
    const commit = committer(replay, rowsInMemory);
    const counted = (at: string) => {
      eventsApplied++;
      position = at;
      if (eventsApplied % progressEvery === 0) options.onProgress?.({ eventsRead, eventsApplied, position });
      commit();
    };
    if (pages && upTo !== undefined && split) {
      // This thread replays its half of the ledgers, a worker thread the other half; each reads only the events its
      // ledgers read. The events read here are counted by position as they go (the totals come from the store).
      const through = pages.countThrough(upTo);
      const worker = replayPart({ events: pages.file, out: part, ledgers: theirs.map((l) => l.name), upTo, rowsInMemory });
      let mineApplied = 0;
      try {
        await replayRecords(pages, replay, {
          upTo,
          basis,
          filter: { types: [...new Set(mine.flatMap((l) => l.handles))], others: 'skip' },
          read: () => undefined,
          counted: (at) => {
            if (++mineApplied % progressEvery === 0) {
              const n = Math.min(through.count, Number(at));
              options.onProgress?.({ eventsRead: n, eventsApplied: n, position: at });
            }
            commit();
          },
        });
        if (through.last) replay.skipMany(through.count - mineApplied, through.last.position, String(through.last.position), through.last.recordedAt);
        replay.commit();
        db.buildIndexes(mine); // while the worker finishes its half
      } catch (err) {
        await worker.stop();
        throw err;
      }
      await worker.done;
      db.adoptRows(part, theirs);
      removeFiles(part);
      [eventsRead, eventsApplied, position] = [through.count, through.count, through.last ? String(through.last.position) : START];
      used = 2;
    } else if (pages && upTo !== undefined) {
      await replayRecords(pages, replay, { upTo, asOfMs, basis, read: () => eventsRead++, counted });
    } else {
      const timeOf = (e: RecordedEvent) => Date.parse(basis === 'recordedAt' ? e.recordedAt : e.metadata.occurredAt);
      for await (const e of store.readAll()) {
        if (options.upToPosition !== undefined && comparePositions(e.position, options.upToPosition) > 0) break;
        eventsRead++;
        if (asOfMs !== undefined && timeOf(e) > asOfMs) continue;
        const at = positionNumber(e.position);
        if (replay.reads(e.type)) replay.apply(e, at);
        else replay.skip(at, e.position, e.recordedAt);
        counted(e.position);
      }
    }
    replay.finish();
  };
  try {
    const threads = options.threads ?? (availableParallelism() >= 2 ? 2 : 1);
    try {
      await attempt(threads);
    } catch (err) {
      if (!(err instanceof PartFailed)) throw err;
      // The worker thread could not do its part (it could not start, say): the whole rebuild again, in this thread.
      db.close();
      removeFiles(part);
      removeFiles(file);
      db = new LedgerDb(file, ledgers, { fresh: true });
      [eventsRead, eventsApplied, position] = [0, 0, START];
      await attempt(1);
    }
    if (eventsApplied % progressEvery !== 0) options.onProgress?.({ eventsRead, eventsApplied, position });
  } catch (err) {
    dispose();
    throw err;
  }
  return { db, file, eventsRead, eventsApplied, position: db.checkpoint().position, threads: used, dispose };
}

// ── the rebuild on two threads ───────────────────────────────────────────────────────────────

/** This module runs as the worker of a split rebuild too; elsewhere (a bundle) the split is not offered. */
const THIS_MODULE = import.meta.url;
const isRebuildModule = /\/audit\/rebuild\.(ts|js)$/.test(new URL(THIS_MODULE).pathname);

/** Relative costs per event, for choosing the split: reading and parsing one, folding it into one ledger, this thread's share of the rest. */
const COST = { read: 5, fold: 5, scan: 0.2 };

/**
 * The two halves of a rebuild that finish closest together, from the mix of event types in a sample of the store:
 * each thread reads and folds the events of its half (this one also counts the store and adopts the worker's rows). Undefined when the rebuild is not worth splitting or cannot be split (a ledger that is not one of LEDGERS
 * cannot be named to a worker).
 */
function splitLedgers(pages: RecordPages, ledgers: readonly LedgerProjection[], upTo: number, noAsOf: boolean): [LedgerProjection[], LedgerProjection[]] | undefined {
  if (!noAsOf || !isRebuildModule || !isMainThread || pages.file === ':memory:' || pages.file === '' || upTo < 2) return undefined;
  if (!ledgers.every((l) => LEDGERS.includes(l)) || new Set(ledgers.map((l) => l.name)).size !== ledgers.length || ledgers.length < 2) return undefined;
  const counts = new Map<string, number>();
  for (let k = 0; k < 4; k++) for (const [type, n] of pages.sampleTypes(Math.floor((upTo * k) / 4), upTo, 5000)) counts.set(type, (counts.get(type) ?? 0) + n);
  const sampled = [...counts.values()].reduce((a, b) => a + b, 0);
  const n = (t: string) => counts.get(t) ?? 0;
  const costOf = (group: readonly LedgerProjection[], main: boolean) => {
    const types = new Set(group.flatMap((l) => l.handles));
    let cost = main ? COST.scan * sampled : 0;
    for (const t of types) cost += COST.read * n(t);
    for (const l of group) for (const t of l.handles) cost += COST.fold * n(t);
    return cost;
  };
  // The worker starts a moment later (it loads the ledgers' modules) and this thread adopts its rows after it ends.
  const startup = 0.04 * costOf(ledgers, false);
  let best: { makespan: number; mask: number } | undefined;
  for (let mask = 1; mask < (1 << ledgers.length) - 1; mask++) {
    const theirs = ledgers.filter((_, i) => mask & (1 << i));
    const mine = ledgers.filter((_, i) => !(mask & (1 << i)));
    const makespan = Math.max(costOf(mine, true), costOf(theirs, false) + startup);
    if (!best || makespan < best.makespan) best = { makespan, mask };
  }
  if (!best) return undefined;
  const theirs = ledgers.filter((_, i) => best.mask & (1 << i));
  const mine = ledgers.filter((_, i) => !(best.mask & (1 << i)));
  // Not worth a thread when the other half is nearly nothing.
  if (costOf(theirs, false) < 0.2 * costOf(mine, true)) return undefined;
  return [mine, theirs];
}

interface PartJob {
  events: string;
  out: string;
  ledgers: string[];
  upTo: number;
  rowsInMemory: number;
}
const PART = 'taizhang-ledger-part';

/** The worker thread could not replay its half (it could not start, or failed): the rebuild is done in one thread. */
class PartFailed extends Error {
  override name = 'PartFailed';
}

/** Starts a worker thread replaying some ledgers into their own file. */
function replayPart(job: PartJob): { done: Promise<void>; stop: () => Promise<void> } {
  let worker: Worker;
  try {
    // In development the sources are TypeScript: the worker registers the same loader before importing this module.
    const entry = THIS_MODULE.endsWith('.ts')
      ? new URL(`data:text/javascript,${encodeURIComponent(`const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(THIS_MODULE)});`)}`)
      : new URL(THIS_MODULE);
    worker = new Worker(entry, { workerData: { [PART]: job } });
  } catch (err) {
    return { done: Promise.reject(new PartFailed(String(err))), stop: async () => undefined };
  }
  const done = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; error?: string }) => (m.ok ? resolve() : reject(new PartFailed(m.error))));
    worker.once('error', (err) => reject(new PartFailed(String(err))));
    worker.once('exit', (code) => reject(new PartFailed(`the rebuild worker exited with code ${code}`)));
  });
  done.catch(() => undefined); // awaited by the caller, or superseded by a failure of its own half
  return {
    done,
    stop: async () => {
      await worker.terminate();
    },
  };
}

/** The worker's half: only the events its ledgers read, straight from the events file, into a file of its own. */
async function runPart(job: PartJob): Promise<void> {
  const ledgers = job.ledgers.map((name) => LEDGERS.find((l) => l.name === name)!);
  const store = new SqliteEventStore({ file: job.events, readonly: true });
  const db = new LedgerDb(job.out, ledgers, { fresh: true });
  try {
    const replay = db.replay();
    const commit = committer(replay, job.rowsInMemory);
    await replayRecords(store, replay, { upTo: job.upTo, basis: 'recordedAt', filter: { types: [...new Set(ledgers.flatMap((l) => l.handles))], others: 'skip' }, read: () => undefined, counted: commit });
    replay.commit();
  } finally {
    db.close();
    await store.close();
  }
}

const job = isMainThread ? undefined : (workerData as Record<string, PartJob> | null)?.[PART];
if (job)
  runPart(job).then(
    () => parentPort!.postMessage({ ok: true }),
    (err: unknown) => parentPort!.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );

/**
 * Opens the live ledger database (the projector's). When the file is missing or holds ledgers of another definition,
 * they are rebuilt first: replayed into a fresh file beside it and renamed over it in one step, so that a reader finds
 * either the old file (which it does not use: its definition differs) or the complete new one, never a half-built
 * table; the projector then follows the store from the rebuilt checkpoint. The projector must be the file's only
 * writer, as it always is.
 */
export async function openLedgers(
  store: EventStore,
  file: string,
  ledgers: readonly LedgerProjection[],
  options: { onProgress?: (p: RebuildProgress) => void } = {},
): Promise<LedgerDb> {
  if (file === ':memory:' || LedgerDb.storedSchemaHash(file) === LedgerDb.schemaHash(ledgers)) return new LedgerDb(file, ledgers);
  const next = `${file}.rebuild`;
  for (const f of [next, `${next}-wal`, `${next}-shm`, `${next}-journal`]) rmSync(f, { force: true }); // an attempt cut short
  const rebuilt = await rebuildLedgers(store, ledgers, { file: next, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  rebuilt.db.close(); // a clean close of a WAL file leaves no -wal beside it
  // The old file's write-ahead log must never be read against the new file: it goes first.
  for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  renameSync(next, file);
  return new LedgerDb(file, ledgers);
}

// ── hashing ────────────────────────────────────────────────────────────────────────────────

export interface TableHash {
  name: string;
  rows: number;
  /** sha256 over the column names, then every row (all columns and `_position`) in key order. */
  hash: string;
}

const columnsOf = (l: LedgerProjection) => [...l.columns.map((c) => c.name), '_position'];
const selectAll = (l: LedgerProjection) =>
  `SELECT ${columnsOf(l).map((c) => `"${c}"`).join(', ')} FROM "${tableOf(l)}" ORDER BY ${l.key.map((k) => `"${k}"`).join(', ')}`;

/**
 * The content hash and row count of every ledger. `_position` (the last event applied to the row) is included: a
 * clean rebuild up to the same checkpoint applies the same events to the same rows, so it must agree too.
 */
export function tableHashes(ledgerDb: LedgerDb): TableHash[] {
  const read = ledgerDb.db.transaction(() => ledgerDb.ledgers.map((l) => hashTable(ledgerDb.db, l)));
  return read();
}

function hashTable(db: Database.Database, l: LedgerProjection): TableHash {
  const h = createHash('sha256').update(canonicalJson(columnsOf(l))).update('\n');
  let rows = 0;
  for (const r of db.prepare(selectAll(l)).raw().iterate() as IterableIterator<CellValue[]>) {
    h.update(canonicalJson(r)).update('\n');
    rows++;
  }
  return { name: l.name, rows, hash: h.digest('hex') };
}

// ── comparing with the live ledgers ────────────────────────────────────────────────────────

export interface RowDifference {
  /** The key of the first row (in key order) that differs. */
  key: LedgerRow;
  /** `changed`: both have the row, `column` differs; `missing_in_live`/`extra_in_live`: only one side has it. */
  kind: 'changed' | 'missing_in_live' | 'extra_in_live';
  column?: string;
  /** The two values of `column`; personal data masked, as the report may be printed or logged. */
  live?: CellValue;
  rebuilt?: CellValue;
}

export interface LedgerCheck {
  name: string;
  rows: number;
  rebuiltRows: number;
  liveHash: string;
  rebuiltHash: string;
  ok: boolean;
  firstDifference?: RowDifference;
}

export interface LedgerVerification {
  ok: boolean;
  /** The live checkpoint: the rebuild replays up to here, not beyond. */
  checkpoint: string;
  /** The last position the rebuild applied: equal to `checkpoint` unless events the live ledgers saw are gone. */
  rebuiltPosition: string;
  eventsChecked: number;
  rowsChecked: number;
  ledgers: LedgerCheck[];
  /** The hash chain over the whole store (absent when the caller turned it off). */
  chain?: ChainVerification;
  durationMs: number;
}

export interface VerifyLedgersOptions {
  /** Options for the chain check; `false` skips it. */
  chain?: VerifyChainOptions | false;
  /** Directory for the temporary rebuild. Default: the system temp directory. */
  tempDir?: string;
  onProgress?: (p: RebuildProgress) => void;
}

/**
 * Rebuilds the ledgers up to the live checkpoint in a temporary database and compares every table by hash; names the
 * first differing row key and column of a table that differs; checks the hash chain. The live file is only read, in
 * one read transaction held for the whole check, so a projector running meanwhile does not disturb the comparison.
 */
export async function verifyLedgers(
  store: EventStore,
  liveLedgerDbFile: string,
  ledgers: readonly LedgerProjection[],
  options: VerifyLedgersOptions = {},
): Promise<LedgerVerification> {
  const started = performance.now();
  if (!existsSync(liveLedgerDbFile)) throw notFound('audit.no_ledger_db', `no ledger database at ${liveLedgerDbFile}`);
  const chain = options.chain === false ? undefined : await verifyChain(store, options.chain ?? {});
  const live = new LedgerDb(liveLedgerDbFile, ledgers, { readonly: true });
  let rebuilt: RebuiltLedgers | undefined;
  let tempDir: string | undefined;
  try {
    live.db.exec('BEGIN'); // a snapshot: later commits of the live projector are not seen
    const stored = live.db.prepare("SELECT schema_hash FROM projector_checkpoint WHERE name = 'ledgers'").get() as { schema_hash: string } | undefined;
    if (stored?.schema_hash !== LedgerDb.schemaHash(ledgers))
      throw illegalState('audit.ledger_schema_mismatch', `${liveLedgerDbFile} holds ledgers of another definition; start the projector to rebuild them first`);
    const checkpoint = live.checkpoint().position;
    const liveHashes = tableHashes(live);

    tempDir = options.tempDir ? mkdtempSync(path.join(options.tempDir, 'taizhang-verify-')) : undefined;
    rebuilt = await rebuildLedgers(store, ledgers, {
      upToPosition: checkpoint,
      ...(tempDir ? { file: path.join(tempDir, 'ledger.db') } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const rebuiltHashes = tableHashes(rebuilt.db);
    const checks = ledgers.map((l, i): LedgerCheck => {
      const lh = liveHashes[i]!;
      const rh = rebuiltHashes[i]!;
      const ok = lh.hash === rh.hash;
      const firstDifference = ok ? undefined : findFirstDifference(live.db, rebuilt!.db.db, l);
      return { name: l.name, rows: lh.rows, rebuiltRows: rh.rows, liveHash: lh.hash, rebuiltHash: rh.hash, ok, ...(firstDifference ? { firstDifference } : {}) };
    });
    return {
      // A rebuild that stops short of the checkpoint means the live ledgers saw events the store no longer has.
      ok: checks.every((c) => c.ok) && comparePositions(rebuilt.position, checkpoint) === 0 && (chain?.ok ?? true),
      checkpoint,
      rebuiltPosition: rebuilt.position,
      eventsChecked: rebuilt.eventsRead,
      rowsChecked: checks.reduce((n, c) => n + Math.max(c.rows, c.rebuiltRows), 0),
      ledgers: checks,
      ...(chain ? { chain } : {}),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    if (live.db.inTransaction) live.db.exec('ROLLBACK');
    live.close();
    rebuilt?.dispose();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Walks both tables in key order (a merge join) to the first row that differs. */
export function findFirstDifference(live: Database.Database, rebuilt: Database.Database, l: LedgerProjection): RowDifference | undefined {
  const cols = columnsOf(l);
  const keyIdx = l.key.map((k) => cols.indexOf(k));
  const a = live.prepare(selectAll(l)).raw().iterate() as IterableIterator<CellValue[]>;
  const b = rebuilt.prepare(selectAll(l)).raw().iterate() as IterableIterator<CellValue[]>;
  const keyOf = (r: CellValue[]): LedgerRow => Object.fromEntries(l.key.map((k, i) => [k, r[keyIdx[i]!] ?? null]));
  const mask = (col: string, v: CellValue | undefined): CellValue => {
    const c = l.columns.find((x) => x.name === col);
    return c?.pii && typeof v === 'string' && v ? maskPii(c.pii, v) : (v ?? null);
  };
  try {
    let x = a.next();
    let y = b.next();
    while (!x.done || !y.done) {
      if (x.done) return { key: keyOf(y.value as CellValue[]), kind: 'missing_in_live' };
      if (y.done) return { key: keyOf(x.value), kind: 'extra_in_live' };
      const order = compareKeys(keyIdx.map((i) => x.value[i]!), keyIdx.map((i) => (y.value as CellValue[])[i]!));
      if (order < 0) return { key: keyOf(x.value), kind: 'extra_in_live' };
      if (order > 0) return { key: keyOf(y.value), kind: 'missing_in_live' };
      const col = cols.findIndex((_, i) => !sameCell(x.value[i], (y.value as CellValue[])[i]));
      if (col >= 0) {
        const name = cols[col]!;
        return { key: keyOf(x.value), kind: 'changed', column: name, live: mask(name, x.value[col]), rebuilt: mask(name, (y.value as CellValue[])[col]) };
      }
      x = a.next();
      y = b.next();
    }
    return undefined;
  } finally {
    a.return?.();
    b.return?.();
  }
}

const sameCell = (p: CellValue | undefined, q: CellValue | undefined) => (p ?? null) === (q ?? null);

/** SQLite's ORDER BY for the BINARY collation: NULL < numbers < text (compared as UTF-8 bytes). */
function compareKeys(p: CellValue[], q: CellValue[]): number {
  for (let i = 0; i < p.length; i++) {
    const c = compareCell(p[i] ?? null, q[i] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

function compareCell(p: CellValue, q: CellValue): number {
  const rank = (v: CellValue) => (v === null ? 0 : typeof v === 'number' ? 1 : 2);
  if (rank(p) !== rank(q)) return rank(p) - rank(q);
  if (typeof p === 'number' && typeof q === 'number') return p - q;
  if (typeof p === 'string' && typeof q === 'string') return Buffer.compare(Buffer.from(p, 'utf8'), Buffer.from(q, 'utf8'));
  return 0;
}
