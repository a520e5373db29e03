import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { holdsPersonalData, maskFreeText, maskPii } from '../domain/pii';
import { PII_VISIBLE_TO, type ActorRole } from '../domain/roles';
import { openSqlite } from '../support/sqlite';
import { notFound, validationError } from '../domain/errors';
import { LedgerDb } from './ledger-db';
import type { PiiCipher } from '../events/keys/cipher';
import { readShapeOf, type Column, type LedgerRow, type LedgerShape } from '../domain/ledger';
import { isProjection, sourceOf } from './projection';
import { acceptedValues, isClosedColumn, isFlagColumn, valueOfLabel } from '../domain/labels';

export interface LedgerQuery {
  /**
   * Equality filters on columns (refused on personal data for roles that see it masked: see refuseMaskingOracle). A
   * column is named by its name or its Chinese or English header; a value by its code or its label (see resolveWhere).
   */
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
  /** Columns whose personal data was masked for the caller's role (free-text columns too, where some was masked). */
  masked: string[];
}

export const mayReadPii = (role: ActorRole): boolean => role === 'system' || (PII_VISIBLE_TO as readonly string[]).includes(role);

/** Whether a column holds personal data in a row: a personal-data column does, unless the row says otherwise (`piiUnless`). */
export function isPersonalIn(c: Column, row: LedgerRow): boolean {
  if (!c.pii) return false;
  return !c.piiUnless || row[c.piiUnless.column] !== c.piiUnless.equals;
}

/**
 * Columns of free text (summaries, notes, reasons): every text column that is not personal data, an id or an instant.
 * People type phone numbers and e-mail addresses into them, which are masked like fields (maskFreeText).
 */
export function freeTextColumns(ledger: LedgerShape): Column[] {
  return ledger.columns.filter((c) => c.type === 'TEXT' && !c.pii && !c.instant && !ledger.key.includes(c.name) && !c.name.endsWith('_id'));
}

/**
 * Masks rows for roles that may not see personal data: the personal-data columns (a name only in a person's row) and
 * what looks like personal data in free text. `masked` lists the personal-data columns that always are, and the others
 * where something was.
 */
export function maskRows(ledger: LedgerShape, rows: LedgerRow[], role: ActorRole): { rows: LedgerRow[]; masked: string[] } {
  if (mayReadPii(role)) return { rows, masked: [] };
  const piiCols = ledger.columns.filter((c) => c.pii);
  const texts = freeTextColumns(ledger);
  const masked = new Set(piiCols.filter((c) => !c.piiUnless).map((c) => c.name));
  const out = rows.map((r) => {
    const row = { ...r };
    for (const c of piiCols) {
      const v = row[c.name];
      if (typeof v === 'string' && v && isPersonalIn(c, r)) {
        row[c.name] = maskPii(c.pii!, v);
        masked.add(c.name);
      }
    }
    for (const c of texts) {
      const v = row[c.name];
      if (typeof v !== 'string' || !v) continue;
      const m = maskFreeText(v);
      if (m !== v) (row[c.name] = m), masked.add(c.name);
    }
    return row;
  });
  return { rows: out, masked: ledger.columns.filter((c) => masked.has(c.name)).map((c) => c.name) };
}

/** The column a filter names: its name, its Chinese header or its English header (any case), or undefined. */
export function columnByNameOrHeader(ledger: LedgerShape, typed: string): Column | undefined {
  const t = typed.trim();
  const lower = t.toLowerCase();
  return (
    ledger.columns.find((c) => c.name === t) ??
    ledger.columns.find((c) => c.label.zh === t) ??
    ledger.columns.find((c) => c.label.en.toLowerCase() === lower) ??
    ledger.columns.find((c) => c.name.toLowerCase() === lower)
  );
}

/**
 * Filters as people write them, as the ledger stores them: `状态=已结案`, `Status=closed` and `status=closed` all become
 * `status=closed`; a flag takes 是/否, yes/no, true/false or 1/0. A column that holds codes accepts only its codes and
 * their labels. An unknown column or value is refused, naming it and listing what is accepted.
 */
export function resolveWhere(ledger: LedgerShape, where: Record<string, string | number> | ReadonlyArray<[string, string | number]>): Array<[string, string | number]> {
  const entries = Array.isArray(where) ? (where as ReadonlyArray<[string, string | number]>) : Object.entries(where);
  const issues: Array<{ field: string; rule: string }> = [];
  const out: Array<[string, string | number]> = [];
  for (const [typed, value] of entries) {
    const c = columnByNameOrHeader(ledger, typed);
    if (!c) {
      issues.push({ field: typed, rule: `is not a column of ledger ${ledger.name}; its columns are ${ledger.columns.map((x) => `${x.name} (${x.label.zh})`).join(', ')}` });
      continue;
    }
    const text = String(value).trim();
    const code = valueOfLabel(c.name, text, ledger.name);
    if (code !== undefined) out.push([c.name, code]);
    else if (isClosedColumn(c.name, ledger.name) || isFlagColumn(c.name, ledger.name)) {
      const field = typed === c.name ? c.name : `${typed} (${c.name})`;
      issues.push({ field, rule: `${JSON.stringify(text)} is not a value of this column; it accepts ${acceptedValues(c.name, ledger.name).join(', ')}` });
    } else out.push([c.name, value]);
  }
  if (issues.length) throw validationError(issues);
  return out;
}

/**
 * No masking oracle: a role that sees personal data masked could still learn it by filtering on it (guess a number,
 * see whether a row comes back). Filters on personal-data columns are refused for such roles, and so are filters on
 * free text with a phone number, an ID-card number or an e-mail address in the value.
 */
export function refuseMaskingOracle(ledger: LedgerShape, where: ReadonlyArray<[string, string | number]>, role: ActorRole): void {
  if (mayReadPii(role)) return;
  const texts = new Set(freeTextColumns(ledger).map((c) => c.name));
  const issues: Array<{ field: string; rule: string }> = [];
  for (const [k, v] of where) {
    // Named by its name or by a header (the filter is resolved only later).
    const c = columnByNameOrHeader(ledger, k);
    if (c?.pii) issues.push({ field: k, rule: `is personal data, masked for role ${role}: it cannot be filtered on` });
    else if (c && texts.has(c.name) && typeof v === 'string' && holdsPersonalData(v))
      issues.push({ field: k, rule: `a filter value holding a phone number, ID-card number or e-mail address is refused for role ${role}, who sees them masked` });
  }
  if (issues.length) throw validationError(issues);
}

/**
 * Read-only access to the ledger database for API nodes and the CLI. Opens lazily, so an API can start before the
 * projector has created the file.
 */
export class LedgerReader {
  private db: Database.Database | undefined;
  /** The ledgers as read: each with the columns its lookups read from the others (readShapeOf). */
  readonly shapes: readonly LedgerShape[];

  constructor(
    readonly file: string,
    readonly ledgers: readonly LedgerShape[],
    /** Opens the personal fields the ledgers hold sealed (each with its customer's key) as they are read. */
    readonly pii?: PiiCipher,
  ) {
    this.shapes = ledgers.map((l) => readShapeOf(l, ledgers));
  }

  /** Rows as people read them: sealed personal fields opened ([已删除] once the customer is erased). */
  reveal(rows: LedgerRow[]): LedgerRow[] {
    return this.pii ? this.pii.reveal(rows) : rows;
  }

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

  /** A ledger as read (with its lookup columns): what pages, filters, masking and exports go by. */
  ledger(name: string): LedgerShape {
    const l = this.shapes.find((x) => x.name === name);
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
    const where = resolveWhere(ledger, query.where ?? {});
    refuseMaskingOracle(ledger, where, role);
    const db = this.open();
    if (!db) return { ledger: name, title: ledger.title, total: 0, limit, offset, checkpoint: '0', rows: [], masked: [] };
    // Personal data is stored sealed (random nonces): a filter on it, for a role that may use one, is applied to the
    // opened values here rather than in SQL. Lookup columns (a complaint's customer_name) come from the join in
    // sourceOf, so they filter, order and page like the ledger's own.
    const personal = new Set(ledger.columns.filter((c) => c.pii).map((c) => c.name));
    const inSql = where.filter(([k]) => !personal.has(k));
    const opened = where.filter(([k]) => personal.has(k));
    const clause = inSql.length ? `WHERE ${inSql.map(([k]) => `"${k}" = ?`).join(' AND ')}` : '';
    const values = inSql.map(([, v]) => v);
    const cols = ledger.columns.map((c) => `"${c.name}"`).join(', ');
    const read = db.transaction(() => {
      const checkpoint = (db.prepare("SELECT position FROM projector_checkpoint WHERE name = 'ledgers'").get() as { position: string }).position;
      if (opened.length) {
        const all = this.reveal(db.prepare(`SELECT ${cols} FROM ${sourceOf(ledger)} ${clause} ORDER BY ${ledger.orderBy}`).all(...values) as LedgerRow[]);
        const hits = all.filter((r) => opened.every(([k, v]) => String(r[k] ?? '') === String(v)));
        return { total: hits.length, rows: hits.slice(offset, offset + limit), checkpoint };
      }
      const total = (db.prepare(`SELECT count(*) AS n FROM ${sourceOf(ledger)} ${clause}`).get(...values) as { n: number }).n;
      const rows = this.reveal(db.prepare(`SELECT ${cols} FROM ${sourceOf(ledger)} ${clause} ORDER BY ${ledger.orderBy} LIMIT ? OFFSET ?`).all(...values, limit, offset) as LedgerRow[]);
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
