import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { CellValue, Column, LedgerProjection, LedgerRow, ProjectedEvent } from '../domain/ledger';
import { START, type RecordedEvent } from '../events/envelope';
import { openSqlite } from '../support/sqlite';
import { tableOf } from './projection';

export interface Checkpoint {
  position: string;
  eventsApplied: number;
  /** Wall-clock time of the last commit. */
  updatedAt: string | null;
  /** Store time of the last event applied. */
  lastEventRecordedAt: string | null;
}

interface CheckpointRow {
  position: string;
  events_applied: number;
  updated_at: string | null;
  last_event_recorded_at: string | null;
}

const CHECKPOINT = 'ledgers';

/** Rows kept in memory between the commits of a replay; past this they are written and forgotten. */
const MAX_CACHED_ROWS = 50_000;

/** A position as a number, compared without parsing a string per event. */
export function positionNumber(position: string): number {
  const n = Number(position);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`position ${position} is not a whole number the ledgers can compare`);
  return n;
}

/**
 * The read side in SQLite: one table per ledger plus the projector's checkpoint. Rows and checkpoint commit in one
 * transaction, and each row remembers the position of the last event applied to it, so applying an event twice
 * changes nothing.
 */
export class LedgerDb {
  readonly db: Database.Database;
  private readonly tables: LedgerTable[];
  private readonly byType = new Map<string, LedgerTable[]>();
  private statements?: { read: Database.Statement<[string], CheckpointRow>; move: Database.Statement<[string, number, string, string, string]> };
  private readonly applyInTransaction: Database.Transaction<(events: readonly RecordedEvent[]) => void>;
  /** Secondary indexes still to be built (a fresh file gets them after its rows). */
  private deferredIndexes: Array<{ ledger: string; ddl: string }> = [];
  private fresh: boolean;

  /**
   * `fresh`: a new file that a replay fills from position 0 (the audit rebuild). It is written without fsync and
   * without WAL, its secondary indexes are built after its rows, and `LedgerReplay.finish` makes it an ordinary
   * ledger database; a crash before then leaves a file to throw away, never a live one.
   */
  constructor(
    file: string,
    readonly ledgers: readonly LedgerProjection[],
    options: { readonly?: boolean; fresh?: boolean } = {},
  ) {
    this.fresh = options.fresh ?? false;
    if (this.fresh && (options.readonly || file === ':memory:' || existsSync(file))) throw new Error(`a fresh ledger database needs a new file; ${file} exists`);
    this.db = this.fresh ? openSqlite(file, { synchronous: 'OFF', journal: 'MEMORY' }) : openSqlite(file, { readonly: options.readonly ?? false });
    if (this.fresh) this.db.pragma('cache_size = -65536');
    if (!options.readonly) this.migrate();
    this.tables = options.readonly ? [] : ledgers.map((l) => new LedgerTable(this.db, l));
    for (const t of this.tables) for (const type of t.ledger.handles) this.byType.set(type, [...(this.byType.get(type) ?? []), t]);
    this.applyInTransaction = this.db.transaction((events: readonly RecordedEvent[]) => this.applyEvents(events));
  }

  /** A hash of every ledger's shape and version: when it changes, the tables are rebuilt from position 0. */
  static schemaHash(ledgers: readonly LedgerProjection[]): string {
    const shape = ledgers.map((l) => ({ n: l.name, v: l.version, k: l.key, c: l.columns.map((c) => [c.name, c.type, c.indexed ?? false]) }));
    return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
  }

  /** The schema hash a ledger database file holds (undefined when the file or its checkpoint is missing). */
  static storedSchemaHash(file: string): string | undefined {
    if (!existsSync(file)) return undefined;
    const db = openSqlite(file, { readonly: true });
    try {
      const known = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projector_checkpoint'").get();
      if (!known) return undefined;
      return (db.prepare('SELECT schema_hash FROM projector_checkpoint WHERE name = ?').get(CHECKPOINT) as { schema_hash: string } | undefined)?.schema_hash;
    } finally {
      db.close();
    }
  }

  private migrate(): void {
    this.db.exec(`CREATE TABLE IF NOT EXISTS projector_checkpoint (
      name TEXT PRIMARY KEY, position TEXT NOT NULL, events_applied INTEGER NOT NULL,
      updated_at TEXT, last_event_recorded_at TEXT, schema_hash TEXT NOT NULL)`);
    const hash = LedgerDb.schemaHash(this.ledgers);
    const row = this.db.prepare('SELECT schema_hash FROM projector_checkpoint WHERE name = ?').get(CHECKPOINT) as { schema_hash: string } | undefined;
    this.db.transaction(() => {
      if (row && row.schema_hash !== hash) {
        // The ledgers changed shape or meaning: drop them all and rebuild from the first event.
        for (const t of this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ledger\\_%' ESCAPE '\\'").all() as Array<{ name: string }>)
          this.db.exec(`DROP TABLE "${t.name}"`);
        this.db.prepare('DELETE FROM projector_checkpoint WHERE name = ?').run(CHECKPOINT);
      }
      for (const l of this.ledgers) {
        const cols = l.columns.map((c) => `"${c.name}" ${c.type}`).join(', ');
        this.db.exec(`CREATE TABLE IF NOT EXISTS "${tableOf(l)}" (${cols}, _position TEXT NOT NULL, PRIMARY KEY (${l.key.map((k) => `"${k}"`).join(', ')}))`);
        for (const c of l.columns.filter((c) => c.indexed)) {
          const ddl = `CREATE INDEX IF NOT EXISTS "${tableOf(l)}_${c.name}" ON "${tableOf(l)}" ("${c.name}")`;
          if (this.fresh) this.deferredIndexes.push({ ledger: l.name, ddl });
          else this.db.exec(ddl);
        }
      }
      this.db
        .prepare(
          `INSERT INTO projector_checkpoint (name, position, events_applied, schema_hash) VALUES (?, ?, 0, ?)
           ON CONFLICT(name) DO UPDATE SET schema_hash = excluded.schema_hash`,
        )
        .run(CHECKPOINT, START, hash);
    })();
  }

  /** Prepared on first use: a read-only file may not have the checkpoint table yet. */
  private get checkpointStatements() {
    this.statements ??= {
      read: this.db.prepare('SELECT position, events_applied, updated_at, last_event_recorded_at FROM projector_checkpoint WHERE name = ?'),
      move: this.db.prepare('UPDATE projector_checkpoint SET position = ?, events_applied = events_applied + ?, updated_at = ?, last_event_recorded_at = ? WHERE name = ?'),
    };
    return this.statements;
  }

  private moveCheckpoint(last: { position: string; recordedAt: string }, applied: number): void {
    this.checkpointStatements.move.run(last.position, applied, new Date().toISOString(), last.recordedAt, CHECKPOINT);
  }

  checkpoint(): Checkpoint {
    const r = this.checkpointStatements.read.get(CHECKPOINT);
    return {
      position: r?.position ?? START,
      eventsApplied: r?.events_applied ?? 0,
      updatedAt: r?.updated_at ?? null,
      lastEventRecordedAt: r?.last_event_recorded_at ?? null,
    };
  }

  /** Applies events (in global order) to every ledger that reads them, and moves the checkpoint, in one transaction. */
  applyBatch(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    try {
      this.applyInTransaction(events);
    } finally {
      for (const t of this.tables) t.forget();
    }
  }

  private applyEvents(events: readonly RecordedEvent[]): void {
    // Rows are cached for the batch only: between batches the file is the truth.
    for (const t of this.tables) t.forget();
    const after = positionNumber(this.checkpoint().position);
    let applied = 0;
    let last: RecordedEvent | undefined;
    for (const e of events) {
      const position = positionNumber(e.position);
      if (position <= after) continue; // already in the checkpoint
      this.applyEvent(e, position);
      applied++;
      last = e;
    }
    if (!last) return;
    for (const t of this.tables) t.write();
    this.moveCheckpoint(last, applied);
  }

  private applyEvent(e: ProjectedEvent, position: number): void {
    const tables = this.byType.get(e.type);
    if (tables) for (const t of tables) t.apply(e, position);
  }

  /** Replays events into this fresh database (see `LedgerReplay`), into every ledger or only those named. */
  replay(only?: readonly LedgerProjection[]): LedgerReplay {
    if (!this.fresh) throw new Error('a replay writes a fresh ledger database only');
    const tables = only ? this.tables.filter((t) => only.includes(t.ledger)) : this.tables;
    const byType = new Map<string, LedgerTable[]>();
    for (const t of tables) for (const type of t.ledger.handles) byType.set(type, [...(byType.get(type) ?? []), t]);
    return new LedgerReplay(this, {
      reads: (type) => byType.has(type),
      apply: (e, position) => {
        const readers = byType.get(e.type);
        if (readers) for (const t of readers) t.apply(e, position);
      },
      cachedRows: () => tables.reduce((n, t) => n + t.size, 0),
      commit: (last, applied, keepRows) => {
        for (const t of tables) t.write();
        if (last) this.moveCheckpoint(last, applied);
        if (this.db.inTransaction) this.db.exec('COMMIT');
        if (tables.reduce((n, t) => n + t.size, 0) > keepRows) for (const t of tables) t.evict();
      },
      begin: () => {
        if (!this.db.inTransaction) this.db.exec('BEGIN');
      },
      finish: () => {
        this.buildIndexes();
        for (const t of this.tables) t.forget();
        this.db.pragma('cache_size = -2000');
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        this.fresh = false;
      },
    });
  }

  /** Builds the secondary indexes a fresh file left for after its rows: of these ledgers, or of all that are left. */
  buildIndexes(ledgers?: readonly LedgerProjection[]): void {
    const now = this.deferredIndexes.filter((d) => !ledgers || ledgers.some((l) => l.name === d.ledger));
    this.deferredIndexes = this.deferredIndexes.filter((d) => !now.includes(d));
    for (const d of now) this.db.exec(d.ddl);
  }

  /** Copies the rows of these ledgers from another ledger database file (a part replayed apart) into this fresh one. */
  adoptRows(file: string, ledgers: readonly LedgerProjection[]): void {
    if (!this.fresh) throw new Error('rows are adopted into a fresh ledger database only');
    this.db.prepare('ATTACH DATABASE ? AS part').run(file);
    try {
      this.db.transaction(() => {
        for (const l of ledgers) {
          const names = [...l.columns.map((c) => `"${c.name}"`), '_position'].join(', ');
          this.db.exec(`INSERT INTO main."${tableOf(l)}" (${names}) SELECT ${names} FROM part."${tableOf(l)}"`);
        }
      })();
    } finally {
      this.db.exec('DETACH DATABASE part');
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface ReplayTarget {
  reads(type: string): boolean;
  apply(e: ProjectedEvent, position: number): void;
  cachedRows(): number;
  begin(): void;
  commit(last: { position: string; recordedAt: string } | undefined, applied: number, keepRows: number): void;
  finish(): void;
}

/**
 * A replay from position 0 into a fresh ledger database: the same folds as `applyBatch`, with the rows kept in memory
 * between commits, so a row that many events change is written once per commit instead of once per event.
 */
export class LedgerReplay {
  private applied = 0;
  private lastPosition = 0;
  private lastPositionText: string = START;
  private lastRecordedAt = '';
  private inTransaction = false;

  constructor(
    readonly ledgers: LedgerDb,
    private readonly target: ReplayTarget,
  ) {}

  /** Whether any ledger reads events of this type (others need not be parsed: they change no row). */
  reads(type: string): boolean {
    return this.target.reads(type);
  }

  /** Counts an event that no ledger reads, so the checkpoint still moves past it. */
  skip(position: number, positionText: string, recordedAt: string): void {
    this.advance(position, positionText, recordedAt);
  }

  /**
   * Counts `count` events up to `position` that another replay applies (a split rebuild): the checkpoint moves past
   * them as if they had been skipped one by one.
   */
  skipMany(count: number, position: number, positionText: string, recordedAt: string): void {
    if (count === 0) return;
    if (position < this.lastPosition) throw new Error(`replay out of order: position ${positionText} before ${this.lastPositionText}`);
    this.move(position, positionText, recordedAt, count);
  }

  /** Applies one event; events come in position order, each after the last. */
  apply(e: ProjectedEvent, position: number): void {
    this.advance(position, e.position, e.recordedAt);
    this.target.apply(e, position);
  }

  private advance(position: number, positionText: string, recordedAt: string): void {
    if (position <= this.lastPosition) throw new Error(`replay out of order: position ${positionText} after ${this.lastPositionText}`);
    this.move(position, positionText, recordedAt, 1);
  }

  /** Moves the checkpoint to `position`, counting `count` events, inside the replay's open transaction. */
  private move(position: number, positionText: string, recordedAt: string, count: number): void {
    if (!this.inTransaction) {
      this.target.begin();
      this.inTransaction = true;
    }
    this.lastPosition = position;
    this.lastPositionText = positionText;
    this.lastRecordedAt = recordedAt;
    this.applied += count;
  }

  /** Rows held in memory (changed or read): the caller commits when it wants them on disk. */
  get cachedRows(): number {
    return this.target.cachedRows();
  }

  /** Writes every changed row and the checkpoint, in one transaction; keeps at most `keepRows` rows in memory. */
  commit(keepRows = MAX_CACHED_ROWS): void {
    this.target.commit(this.applied > 0 ? { position: this.lastPositionText, recordedAt: this.lastRecordedAt } : undefined, this.applied, keepRows);
    this.applied = 0;
    this.inTransaction = false;
  }

  /** Commits, builds the secondary indexes and turns the file into an ordinary (WAL, durable) ledger database. */
  finish(): void {
    this.commit();
    this.target.finish();
  }
}

/**
 * A row as SQLite returns it, kept as its values in column order followed by the `_position` text (what the upsert
 * binds); `values` undefined: the table has no such row (`deleted`: it had one, to be deleted on write).
 */
interface CachedRow {
  values: CellValue[] | undefined;
  keyValues: CellValue[];
  position: number;
  dirty: boolean;
}

/**
 * One ledger's table with a write-back cache of its rows. A cached row is exactly what SQLite would return for it, so
 * a fold reads the same row either way: values that SQLite would convert on the way in (a number in a TEXT column, a
 * NULL key, -0, NaN, anything not a string or number) are never cached — such a row is written at once and read back
 * from the table, as without a cache.
 */
class LedgerTable {
  private readonly select: Database.Statement<unknown[], CellValue[]>;
  private readonly upsert: Database.Statement<unknown[]>;
  private readonly remove: Database.Statement<unknown[]>;
  private readonly isEmpty: Database.Statement<[], { n: number }>;
  private readonly columns: readonly Column[];
  private readonly names: readonly string[];
  private readonly keyNames: readonly string[];
  private readonly keyColumns: readonly Column[];
  private readonly keyAt: readonly number[];
  private readonly rows = new Map<string, CachedRow>();
  private dirty: CachedRow[] = [];
  /**
   * Set while every row of the table is in `rows` or named in it (it was empty when caching began): a key in neither
   * has no row, and is not looked up. Holds the keys of rows written and then dropped from memory.
   */
  private evicted: Set<string> | undefined;

  constructor(
    db: Database.Database,
    readonly ledger: LedgerProjection,
  ) {
    const t = `"${tableOf(ledger)}"`;
    const keyWhere = ledger.key.map((k) => `"${k}" = ?`).join(' AND ');
    const names = [...ledger.columns.map((c) => c.name), '_position'];
    // Columns named one by one: the cached values follow this order whatever the table's.
    this.select = db.prepare<unknown[], CellValue[]>(`SELECT ${names.map((n) => `"${n}"`).join(', ')} FROM ${t} WHERE ${keyWhere}`).raw();
    this.upsert = db.prepare(`INSERT OR REPLACE INTO ${t} (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    this.remove = db.prepare(`DELETE FROM ${t} WHERE ${keyWhere}`);
    this.isEmpty = db.prepare(`SELECT NOT EXISTS (SELECT 1 FROM ${t}) AS n`);
    this.columns = ledger.columns;
    this.names = ledger.columns.map((c) => c.name);
    this.keyNames = ledger.key;
    this.keyAt = ledger.key.map((k) => ledger.columns.findIndex((c) => c.name === k));
    this.keyColumns = this.keyAt.map((i) => ledger.columns[i]!);
  }

  get size(): number {
    return this.rows.size;
  }

  apply(e: ProjectedEvent, position: number): void {
    const l = this.ledger;
    const key = l.rowKey(e);
    if (!key) return;
    const keyValues = this.keyNames.length === 1 ? [key[this.keyNames[0]!] ?? null] : this.keyNames.map((k) => key[k] ?? null);
    const cacheKey = this.cacheKey(keyValues);
    if (cacheKey === undefined) {
      this.applyUncached(e, position, keyValues);
      return;
    }
    let entry = this.rows.get(cacheKey);
    if (entry === undefined) {
      if (!this.evicted && this.rows.size === 0 && this.dirty.length === 0 && this.isEmpty.get()!.n === 1) this.evicted = new Set();
      entry = this.evicted && !this.evicted.has(cacheKey) ? { values: undefined, keyValues, position: 0, dirty: false } : this.load(keyValues);
      this.rows.set(cacheKey, entry);
    }
    const current = entry.values;
    if (current !== undefined && entry.position >= position) return; // this row has seen the event
    // A fresh object for every fold: whatever the fold does with it, the cached values stay as stored.
    const next = l.evolve(current === undefined ? undefined : this.rowOf(current), e);
    if (next === undefined) return;
    if (next === null) {
      if (current === undefined) return; // nothing to delete
      entry.values = undefined;
      entry.keyValues = keyValues;
      entry.position = 0;
      this.markDirty(entry);
      return;
    }
    const values = this.cells(next, e.position);
    const writtenKey = values && this.writtenKey(values);
    if (values === undefined || writtenKey === undefined) {
      this.writeThrough(next, e.position);
      return;
    }
    let target = writtenKey === cacheKey ? entry : this.rows.get(writtenKey);
    if (target === undefined) {
      target = { values, keyValues: [], position, dirty: false };
      this.rows.set(writtenKey, target);
    }
    target.values = values;
    target.position = position;
    this.markDirty(target);
  }

  /** Writes the changed rows (inside the caller's transaction). */
  write(): void {
    for (const entry of this.dirty) {
      if (entry.values === undefined) this.remove.run(entry.keyValues);
      else this.upsert.run(entry.values);
      entry.dirty = false;
    }
    this.dirty = [];
  }

  /** Drops the cache (changed rows must have been written, or are being rolled back). */
  forget(): void {
    this.rows.clear();
    this.dirty = [];
    this.evicted = undefined;
  }

  /** Drops the rows from memory after they were written, remembering which keys have rows (a replay's commit). */
  evict(): void {
    if (this.dirty.length > 0) throw new Error('rows must be written before they are evicted');
    if (this.evicted) for (const [key, entry] of this.rows) if (entry.values !== undefined) this.evicted.add(key);
    this.rows.clear();
  }

  private markDirty(entry: CachedRow): void {
    if (entry.dirty) return;
    entry.dirty = true;
    this.dirty.push(entry);
  }

  private load(keyValues: CellValue[]): CachedRow {
    const stored = this.select.get(keyValues);
    if (!stored) return { values: undefined, keyValues, position: 0, dirty: false };
    return { values: stored, keyValues, position: Number(stored[stored.length - 1]), dirty: false };
  }

  /** The event without the cache, as a plain read-fold-write: after writing what the cache holds, then forgetting it. */
  private applyUncached(e: ProjectedEvent, position: number, keyValues: CellValue[]): void {
    this.write();
    this.forget();
    const stored = this.select.get(keyValues);
    if (stored && Number(stored[stored.length - 1]) >= position) return;
    const next = this.ledger.evolve(stored ? this.rowOf(stored) : undefined, e);
    if (next === undefined) return;
    if (next === null) this.remove.run(keyValues);
    else this.upsert.run(...this.columns.map((c) => toCell(next[c.name])), e.position);
  }

  private writeThrough(next: LedgerRow, position: string): void {
    this.write();
    this.forget();
    this.upsert.run(...this.columns.map((c) => toCell(next[c.name])), position);
  }

  /**
   * The values as SQLite stores and returns them, then the `_position` text: what the upsert binds. Undefined when
   * SQLite might return something else.
   */
  private cells(next: LedgerRow, position: string): CellValue[] | undefined {
    const n = this.columns.length;
    const out = new Array<CellValue>(n + 1);
    for (let i = 0; i < n; i++) {
      const c = this.columns[i]!;
      const v = toCell(next[c.name] as CellValue | boolean | undefined);
      if (v !== null && !keepsValue(c, v)) return undefined;
      out[i] = v;
    }
    out[n] = position;
    return out;
  }

  /** The cache key of the row these values write (which may not be the row the event's key named). */
  private writtenKey(values: readonly CellValue[]): string | undefined {
    if (this.keyAt.length === 1) {
      const v = values[this.keyAt[0]!]!;
      return v !== null && keepsValue(this.keyColumns[0]!, v) ? String(v) : undefined;
    }
    return this.cacheKey(this.keyAt.map((i) => values[i]!));
  }

  /** The row as SQLite returns it: every column, in column order, nothing else. */
  private rowOf(values: readonly CellValue[]): LedgerRow {
    const row: LedgerRow = {};
    const names = this.names;
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i]!;
    return row;
  }

  /** The cache key of a row key, or undefined when SQLite would compare or store the key differently. */
  private cacheKey(keyValues: readonly CellValue[]): string | undefined {
    for (let i = 0; i < keyValues.length; i++) {
      const v = keyValues[i]!;
      if (v === null || !keepsValue(this.keyColumns[i]!, v)) return undefined;
    }
    return keyValues.length === 1 ? String(keyValues[0]) : JSON.stringify(keyValues);
  }
}

/** Whether a column gives back exactly this value: text in a TEXT column, a finite number (not -0) in a numeric one. */
function keepsValue(c: Column, v: unknown): boolean {
  if (c.type === 'TEXT') return typeof v === 'string';
  return typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0);
}

function toCell(v: CellValue | boolean | undefined): CellValue {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}
