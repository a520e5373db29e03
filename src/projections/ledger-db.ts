import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { CellValue, LedgerProjection, LedgerRow } from '../domain/ledger';
import { comparePositions, START, type RecordedEvent } from '../events/envelope';
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

interface LedgerStatements {
  select: Database.Statement<unknown[], LedgerRow & { _position: string }>;
  upsert: Database.Statement<unknown[]>;
  remove: Database.Statement<unknown[]>;
}

const CHECKPOINT = 'ledgers';

/**
 * The read side in SQLite: one table per ledger plus the projector's checkpoint. Rows and checkpoint commit in one
 * transaction, and each row remembers the position of the last event applied to it, so applying an event twice
 * changes nothing.
 */
export class LedgerDb {
  readonly db: Database.Database;
  private readonly statements = new Map<string, LedgerStatements>();
  private readonly byType = new Map<string, LedgerProjection[]>();

  constructor(
    file: string,
    readonly ledgers: readonly LedgerProjection[],
    options: { readonly?: boolean } = {},
  ) {
    this.db = openSqlite(file, { readonly: options.readonly ?? false });
    if (!options.readonly) this.migrate();
    for (const l of ledgers) for (const t of l.handles) this.byType.set(t, [...(this.byType.get(t) ?? []), l]);
  }

  /** A hash of every ledger's shape and version: when it changes, the tables are rebuilt from position 0. */
  static schemaHash(ledgers: readonly LedgerProjection[]): string {
    const shape = ledgers.map((l) => ({ n: l.name, v: l.version, k: l.key, c: l.columns.map((c) => [c.name, c.type, c.indexed ?? false]) }));
    return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
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
        for (const c of l.columns.filter((c) => c.indexed))
          this.db.exec(`CREATE INDEX IF NOT EXISTS "${tableOf(l)}_${c.name}" ON "${tableOf(l)}" ("${c.name}")`);
      }
      this.db
        .prepare(
          `INSERT INTO projector_checkpoint (name, position, events_applied, schema_hash) VALUES (?, ?, 0, ?)
           ON CONFLICT(name) DO UPDATE SET schema_hash = excluded.schema_hash`,
        )
        .run(CHECKPOINT, START, hash);
    })();
  }

  private stmts(l: LedgerProjection): LedgerStatements {
    let s = this.statements.get(l.name);
    if (!s) {
      const t = `"${tableOf(l)}"`;
      const keyWhere = l.key.map((k) => `"${k}" = ?`).join(' AND ');
      const names = [...l.columns.map((c) => c.name), '_position'];
      s = {
        select: this.db.prepare(`SELECT * FROM ${t} WHERE ${keyWhere}`),
        upsert: this.db.prepare(`INSERT OR REPLACE INTO ${t} (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`),
        remove: this.db.prepare(`DELETE FROM ${t} WHERE ${keyWhere}`),
      };
      this.statements.set(l.name, s);
    }
    return s;
  }

  checkpoint(): Checkpoint {
    const r = this.db.prepare('SELECT * FROM projector_checkpoint WHERE name = ?').get(CHECKPOINT) as
      | { position: string; events_applied: number; updated_at: string | null; last_event_recorded_at: string | null }
      | undefined;
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
    this.db.transaction(() => {
      const cp = this.checkpoint();
      let applied = 0;
      for (const e of events) {
        if (comparePositions(e.position, cp.position) <= 0) continue; // already in the checkpoint
        for (const l of this.byType.get(e.type) ?? []) this.applyOne(l, e);
        applied++;
      }
      const last = events[events.length - 1]!;
      if (applied === 0) return;
      this.db
        .prepare(
          'UPDATE projector_checkpoint SET position = ?, events_applied = events_applied + ?, updated_at = ?, last_event_recorded_at = ? WHERE name = ?',
        )
        .run(last.position, applied, new Date().toISOString(), last.recordedAt, CHECKPOINT);
    })();
  }

  private applyOne(l: LedgerProjection, e: RecordedEvent): void {
    const key = l.rowKey(e);
    if (!key) return;
    const s = this.stmts(l);
    const keyValues = l.key.map((k) => key[k] ?? null);
    const current = s.select.get(...keyValues);
    if (current && comparePositions(current._position, e.position) >= 0) return; // this row has seen the event
    let row: LedgerRow | undefined;
    if (current) {
      const { _position: _, ...rest } = current;
      row = rest;
    }
    const next = l.evolve(row, e);
    if (next === undefined) return;
    if (next === null) {
      s.remove.run(...keyValues);
      return;
    }
    s.upsert.run(...l.columns.map((c) => toCell(next[c.name])), e.position);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toCell(v: CellValue | boolean | undefined): CellValue {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}
