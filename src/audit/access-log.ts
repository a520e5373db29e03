/**
 * The access log (访问记录): who read or exported personal data unmasked, when, through which route, and what — the
 * ledger, stream or customer, the customers' ids or the number of rows, and the columns — never the values themselves.
 * PIPL and seed 004 ask for strict control of staff access to customer data; an auditor lists this log to see it.
 *
 * Append-only: its own SQLite file (DATA_DIR/access.db) whose triggers refuse UPDATE and DELETE, so a row once written
 * stays as it was (short of replacing the file, which the file's mode and the host's backups guard against).
 */
import type Database from 'better-sqlite3';
import type { LedgerRow, LedgerShape } from '../domain/ledger';
import { ERASED, holdsPersonalData } from '../domain/pii';
import { freeTextColumns, isPersonalIn } from '../projections/reader';
import { openSqlite } from '../support/sqlite';

/**
 * What was read: a ledger page (now or as of an instant), a stream's history, a ledger export, a customer's record
 * (`GET /customers/:id`), another process's record holding personal data (`GET /complaints/:id`, …), or Temporal
 * payloads decoded through the codec endpoint (the Web UI, the temporal CLI).
 */
export const ACCESS_KINDS = ['ledger', 'stream', 'export', 'customer', 'record', 'payload'] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number];

export interface AccessEvent {
  /** Position in the log, from 1. */
  id: number;
  /** When it was read (ISO 8601, UTC). */
  at: string;
  actor: string;
  role: string;
  method: string;
  /** The route's pattern (`/ledgers/:name`), never the URL with its query values. */
  route: string;
  kind: AccessKind;
  /** The ledger's name, the stream's name, or the record's stream (`customer-C1`). */
  subject: string;
  /** The customers whose personal data was shown, as far as the rows name them (at most MAX_IDS). */
  customerIds: string[];
  /** How many rows (or events) held personal data. */
  rows: number;
  /** The personal-data columns (or fields) shown. */
  columns: string[];
  /** The instant an as-of view was replayed to. */
  asOf: string | null;
  /** The request's id, as in the request log. */
  requestId: string;
}

export type AccessRecord = Omit<AccessEvent, 'id' | 'at' | 'asOf'> & { at?: string; asOf?: string | null };

export interface AccessQuery {
  actor?: string;
  /** From this instant on (inclusive). */
  since?: string;
  /** Before this instant (exclusive). */
  until?: string;
  /** At most this many, newest first; default 100. */
  limit?: number;
}

/** An export of a whole ledger names its row count; the ids of more customers than this would make one entry a copy. */
export const MAX_IDS = 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS access_events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  at           TEXT    NOT NULL,
  actor        TEXT    NOT NULL,
  role         TEXT    NOT NULL,
  method       TEXT    NOT NULL,
  route        TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('ledger', 'stream', 'export', 'customer', 'record', 'payload')),
  subject      TEXT    NOT NULL,
  customer_ids TEXT    NOT NULL,
  rows         INTEGER NOT NULL,
  columns      TEXT    NOT NULL,
  as_of        TEXT,
  request_id   TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS access_events_actor_at ON access_events (actor, at);
CREATE INDEX IF NOT EXISTS access_events_at ON access_events (at);
CREATE TRIGGER IF NOT EXISTS access_events_no_update BEFORE UPDATE ON access_events
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_events_no_delete BEFORE DELETE ON access_events
  BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
`;

interface Row {
  id: number;
  at: string;
  actor: string;
  role: string;
  method: string;
  route: string;
  kind: AccessKind;
  subject: string;
  customer_ids: string;
  rows: number;
  columns: string;
  as_of: string | null;
  request_id: string;
}

const fromRow = (r: Row): AccessEvent => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  role: r.role,
  method: r.method,
  route: r.route,
  kind: r.kind,
  subject: r.subject,
  customerIds: JSON.parse(r.customer_ids) as string[],
  rows: r.rows,
  columns: JSON.parse(r.columns) as string[],
  asOf: r.as_of,
  requestId: r.request_id,
});

/** The append-only access log in one SQLite file. Several API processes may write it (WAL, busy timeout). */
export class AccessLog {
  readonly db: Database.Database;

  constructor(readonly file: string) {
    this.db = openSqlite(file);
    this.db.exec(SCHEMA);
  }

  /** Appends one access; throws when it cannot be written, so the caller does not show what it could not record. */
  record(e: AccessRecord): AccessEvent {
    const at = e.at ?? new Date().toISOString();
    const customerIds = e.customerIds.slice(0, MAX_IDS);
    const r = this.db
      .prepare(
        `INSERT INTO access_events (at, actor, role, method, route, kind, subject, customer_ids, rows, columns, as_of, request_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(at, e.actor, e.role, e.method, e.route, e.kind, e.subject, JSON.stringify(customerIds), e.rows, JSON.stringify(e.columns), e.asOf ?? null, e.requestId);
    return { ...e, id: Number(r.lastInsertRowid), at, customerIds, asOf: e.asOf ?? null };
  }

  /** Accesses newest first, by actor and time. */
  list(q: AccessQuery = {}): AccessEvent[] {
    const where: string[] = [];
    const values: Array<string | number> = [];
    if (q.actor !== undefined) (where.push('actor = ?'), values.push(q.actor));
    // Instants compare as UTC text, so both sides are normalised to toISOString().
    if (q.since !== undefined) (where.push('at >= ?'), values.push(new Date(q.since).toISOString()));
    if (q.until !== undefined) (where.push('at < ?'), values.push(new Date(q.until).toISOString()));
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM access_events ${clause} ORDER BY id DESC LIMIT ?`).all(...values, q.limit ?? 100) as Row[];
    return rows.map(fromRow);
  }

  close(): void {
    this.db.close();
  }
}

/** What personal data some rows of a ledger show: the columns holding it, the rows holding any, the customers named. */
export function personalDataIn(ledger: LedgerShape, rows: readonly LedgerRow[]): { columns: string[]; rows: number; customerIds: string[] } {
  const shown = new Set<string>();
  const ids = new Set<string>();
  let count = 0;
  const fields = ledger.columns.filter((c) => c.pii);
  const texts = freeTextColumns(ledger);
  const shows = (v: unknown): v is string => typeof v === 'string' && v !== '' && v !== ERASED;
  for (const row of rows) {
    const cols = [
      ...fields.filter((c) => isPersonalIn(c, row) && shows(row[c.name])),
      // Free text counts where it holds a phone number, an ID-card number or an e-mail address.
      ...texts.filter((c) => shows(row[c.name]) && holdsPersonalData(row[c.name] as string)),
    ];
    if (!cols.length) continue;
    count++;
    for (const c of cols) shown.add(c.name);
    if (typeof row.customer_id === 'string') ids.add(row.customer_id);
  }
  return { columns: ledger.columns.filter((c) => shown.has(c.name)).map((c) => c.name), rows: count, customerIds: [...ids] };
}

/**
 * The personal fields a process's record shows with a value, as dotted paths (`[]` for the items of a list), found by
 * field name as the log redaction finds them (piiKeyNames). Erased values show nothing.
 */
export function personalFieldsIn(value: unknown, names: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  const visit = (v: unknown, at: string, key: string | undefined) => {
    if (typeof v === 'string') {
      if (key !== undefined && names.has(key) && v !== '' && v !== ERASED) found.add(at);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, `${at}[]`, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, at ? `${at}.${k}` : k, k);
  };
  visit(value, '', undefined);
  return [...found];
}
