import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { maskPii } from '../domain/pii';
import { PII_VISIBLE_TO, type ActorRole } from '../domain/roles';
import { openSqlite } from '../support/sqlite';
import { notFound, validationError } from '../domain/errors';
import { LedgerDb } from './ledger-db';
import type { LedgerRow, LedgerShape } from '../domain/ledger';
import { isProjection, sourceOf } from './projection';

export interface LedgerQuery {
  /** Equality filters on columns. */
  where?: Record<string, string | number>;
  limit?: number;
  offset?: number;
}

export interface LedgerPage {
  ledger: string;
  title: { zh: string; en: string };
  total: number;
  limit: number;
  offset: number;
  /** Position of the last event the ledgers include. */
  checkpoint: string;
  rows: LedgerRow[];
  /** Columns whose personal data was masked for the caller's role. */
  masked: string[];
}

export const mayReadPii = (role: ActorRole): boolean => role === 'system' || (PII_VISIBLE_TO as readonly string[]).includes(role);

/** Masks the personal-data columns of rows for roles that may not see them. */
export function maskRows(ledger: LedgerShape, rows: LedgerRow[], role: ActorRole): { rows: LedgerRow[]; masked: string[] } {
  if (mayReadPii(role)) return { rows, masked: [] };
  const piiCols = ledger.columns.filter((c) => c.pii);
  return {
    masked: piiCols.map((c) => c.name),
    rows: rows.map((r) => {
      const out = { ...r };
      for (const c of piiCols) {
        const v = out[c.name];
        if (typeof v === 'string' && v) out[c.name] = maskPii(c.pii!, v);
      }
      return out;
    }),
  };
}

/**
 * Read-only access to the ledger database for API nodes and the CLI. Opens lazily, so an API can start before the
 * projector has created the file.
 */
export class LedgerReader {
  private db: Database.Database | undefined;

  constructor(
    readonly file: string,
    readonly ledgers: readonly LedgerShape[],
  ) {}

  private open(): Database.Database | undefined {
    if (this.db) return this.db;
    if (!existsSync(this.file)) return undefined;
    const db = openSqlite(this.file, { readonly: true });
    const cp = db.prepare("SELECT schema_hash FROM sqlite_master m, projector_checkpoint c WHERE m.name = 'projector_checkpoint' AND c.name = 'ledgers'").get() as
      | { schema_hash: string }
      | undefined;
    if (!cp || cp.schema_hash !== LedgerDb.schemaHash(this.ledgers.filter(isProjection))) {
      db.close();
      return undefined; // the projector has not created (or is rebuilding) this version of the ledgers
    }
    this.db = db;
    return db;
  }

  ledger(name: string): LedgerShape {
    const l = this.ledgers.find((x) => x.name === name);
    if (!l) throw notFound('ledger.unknown', `no ledger named ${name}; known: ${this.ledgers.map((x) => x.name).join(', ')}`);
    return l;
  }

  checkpoint(): string {
    const db = this.open();
    if (!db) return '0';
    return (db.prepare("SELECT position FROM projector_checkpoint WHERE name = 'ledgers'").get() as { position: string } | undefined)?.position ?? '0';
  }

  /** True once the projector has created the current ledgers. */
  ready(): boolean {
    return this.open() !== undefined;
  }

  list(name: string, role: ActorRole, query: LedgerQuery = {}): LedgerPage {
    const ledger = this.ledger(name);
    const limit = query.limit ?? 100;
    const offset = query.offset ?? 0;
    const where = Object.entries(query.where ?? {});
    const known = new Set(ledger.columns.map((c) => c.name));
    const bad = where.filter(([k]) => !known.has(k));
    if (bad.length) throw validationError(bad.map(([k]) => ({ field: k, rule: `is not a column of ledger ${name}` })));
    const db = this.open();
    if (!db) return { ledger: name, title: ledger.title, total: 0, limit, offset, checkpoint: '0', rows: [], masked: [] };
    const clause = where.length ? `WHERE ${where.map(([k]) => `"${k}" = ?`).join(' AND ')}` : '';
    const values = where.map(([, v]) => v);
    const cols = ledger.columns.map((c) => `"${c.name}"`).join(', ');
    const read = db.transaction(() => {
      const total = (db.prepare(`SELECT count(*) AS n FROM ${sourceOf(ledger)} ${clause}`).get(...values) as { n: number }).n;
      const rows = db.prepare(`SELECT ${cols} FROM ${sourceOf(ledger)} ${clause} ORDER BY ${ledger.orderBy} LIMIT ? OFFSET ?`).all(...values, limit, offset) as LedgerRow[];
      const checkpoint = (db.prepare("SELECT position FROM projector_checkpoint WHERE name = 'ledgers'").get() as { position: string }).position;
      return { total, rows, checkpoint };
    });
    const { total, rows, checkpoint } = read();
    const m = maskRows(ledger, rows, role);
    return { ledger: name, title: ledger.title, total, limit, offset, checkpoint, rows: m.rows, masked: m.masked };
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
