import COLUMN_LABELS from './labels/columns.json';
import { replannedEventOf, type DeadlinesReplannedData } from './deadlines/replan';
import type { PiiKind } from './pii';
import { idOfStream } from './streams';

/**
 * A ledger (台账) as a process declares it: its shape and, for a projection, a pure fold of events into rows. The SQL
 * that stores rows lives in src/projections; here there is only data and pure functions.
 */
export type ColumnType = 'TEXT' | 'INTEGER' | 'REAL';
export type CellValue = string | number | null;
export type LedgerRow = Record<string, CellValue>;

export interface Column {
  name: string;
  type: ColumnType;
  /** Headers for exports and tables: Chinese by default, English on request. */
  label: { zh: string; en: string };
  /** Personal data: masked for roles that may not see it. */
  pii?: PiiKind;
  /** Personal data except in rows where another column holds a value: a customer's name, unless it is an organisation's. */
  piiUnless?: { column: string; equals: string };
  /** Holds an instant (ISO 8601); shown in the configured time zone. */
  instant?: boolean;
  /** Holds 0 or 1 (否 / 是). */
  flag?: boolean;
  indexed?: boolean;
  /** Holds the id of a member of staff (an owner, a handler): the API adds the person's display name beside it. */
  staff?: boolean;
  /** Read from another ledger at read time (see LedgerLookup): no column of this ledger's table. */
  lookup?: { ledger: string; key: string; via: string; column: string };
}

/**
 * Columns a ledger shows from another ledger, joined when it is read (src/projections/projection.ts, `sourceOf`):
 * the row of `ledger` whose `key` equals this row's `via` column, each of `columns` (shown name → the other ledger's
 * column). The projector never writes them (one event still touches one row), so a customer renamed after a complaint
 * shows its new name in the complaint's row, and an as-of read (a rebuild at a past position) shows the name then.
 */
export interface LedgerLookup {
  via: string;
  ledger: string;
  key: string;
  columns: Readonly<Record<string, string>>;
}

/** The customer's name (and whether a person or an organisation: the name's masking) beside a `customer_id`. */
export const CUSTOMER_LOOKUP: LedgerLookup = { via: 'customer_id', ledger: 'customers', key: 'customer_id', columns: { customer_name: 'name', customer_party: 'party' } };

/** What every ledger shows: a name, a title, columns and an order. */
export interface LedgerShape {
  /** Public name, as in `GET /ledgers/<name>`. */
  name: string;
  title: { zh: string; en: string };
  /** Columns that identify a row. */
  key: string[];
  columns: Column[];
  /** Default ordering for listings. */
  orderBy: string;
  /** Columns read from other ledgers (see LedgerLookup); `readShapeOf` adds them to `columns` for readers. */
  lookups?: readonly LedgerLookup[];
}

/** The event as a projection sees it: the recorded envelope's fields it may read. */
export interface ProjectedEvent<T extends string = string, D = unknown> {
  id: string;
  type: T;
  data: D;
  streamName: string;
  revision: number;
  position: string;
  recordedAt: string;
  metadata: { actor: string; role: string; reason?: string; occurredAt: string };
}

/**
 * One ledger as a pure projection: which row an event touches and how the row changes. Uses only the event's own time
 * and data, so a rebuild gives exactly the live table.
 */
export interface LedgerProjection extends LedgerShape {
  /** Bump when evolve() changes meaning: the ledgers are then rebuilt from position 0. */
  version: number;
  /** Event types this ledger reads. */
  handles: readonly string[];
  /** The key of the row an event touches, or undefined when it touches none. */
  rowKey(event: ProjectedEvent): LedgerRow | undefined;
  /** The row after the event: a row to write, null to delete it, undefined to leave it as it is. */
  evolve(row: LedgerRow | undefined, event: ProjectedEvent): LedgerRow | null | undefined;
}

type LabelEntry = [zh: string, en: string, kind?: string];
const LABELS = COLUMN_LABELS as unknown as Record<string, LabelEntry>;

/**
 * The columns of a ledger, by name, from the one label dictionary (src/domain/labels/columns.json: headers in Chinese
 * and English and what a column holds); `scope` picks a ledger's own label where one column name means something else
 * there. Unknown names are a programming error.
 */
export function columnsOf(scope: string, names: readonly string[], options: { indexed?: readonly string[] } = {}): Column[] {
  return names.map((name) => {
    const entry = LABELS[`${scope}.${name}`] ?? LABELS[name];
    if (!entry) throw new Error(`column ${name} of ${scope} has no entry in src/domain/labels/columns.json`);
    const [zh, en, kind = 'text'] = entry;
    const column: Column = { name, type: kind === 'integer' || kind === 'flag' ? 'INTEGER' : kind === 'real' ? 'REAL' : 'TEXT', label: { zh, en } };
    if (kind === 'instant') column.instant = true;
    if (kind === 'flag') column.flag = true;
    if (kind === 'staff') column.staff = true;
    if (kind.startsWith('pii:')) column.pii = kind.slice(4) as PiiKind;
    if (options.indexed?.includes(name)) column.indexed = true;
    return column;
  });
}

/** A 0/1 cell from a boolean. */
export const flag = (b: boolean): 0 | 1 => (b ? 1 : 0);

/** A ledger with one row per record (stream) of a process: what its first event sets, what later events change. */
export interface EntityLedgerSpec<E extends { type: string; data: unknown }> {
  name: string;
  /** Bump when the rows change meaning: the ledgers are then rebuilt from position 0. */
  version: number;
  title: { zh: string; en: string };
  /** The id column: the record's id (`complaint_id` of `complaint-K1`). */
  key: string;
  orderBy: string;
  columns: readonly string[];
  indexed?: readonly string[];
  /** Columns read from other ledgers when this one is read (see LedgerLookup). */
  lookups?: readonly LedgerLookup[];
  handles: readonly string[];
  /** The row the record's first event writes, or undefined for any other event. */
  created(e: ProjectedEvent & E): LedgerRow | undefined;
  /** What a later event changes; the status, `updated_at` and `revision` are kept here. */
  changed?(row: LedgerRow, e: ProjectedEvent & E): Partial<LedgerRow> | undefined;
  /** The process's own status transitions, for a ledger that shows the status (one statement of them: the decider's). */
  status?(status: string | null, e: E): string | null;
  /**
   * The columns that show a deadline's due instant, by the slot the kernel's re-plan on new holiday data names it
   * (`firstResponse` → `first_response_due`): the process's `<Process>DeadlinesReplanned` moves them.
   */
  replanned?: { process: string; dueColumns: Readonly<Record<string, string>> };
}

export function entityLedger<E extends { type: string; data: unknown }>(spec: EntityLedgerSpec<E>): LedgerProjection {
  const replannedType = spec.replanned ? replannedEventOf({ name: spec.replanned.process }) : undefined;
  for (const column of Object.values(spec.replanned?.dueColumns ?? {})) if (!spec.columns.includes(column)) throw new Error(`ledger ${spec.name}: no column ${column} for a re-planned deadline`);
  return {
    name: spec.name,
    version: spec.version,
    title: spec.title,
    key: [spec.key],
    orderBy: spec.orderBy,
    columns: columnsOf(spec.name, spec.columns, { indexed: spec.indexed ?? [] }),
    ...(spec.lookups ? { lookups: spec.lookups } : {}),
    handles: replannedType ? [...spec.handles, replannedType] : spec.handles,
    rowKey: (e) => ({ [spec.key]: idOfStream(e.streamName) }),
    evolve(row, raw) {
      const e = raw as ProjectedEvent & E;
      const stamp = { updated_at: e.metadata.occurredAt, revision: e.revision };
      if (e.type === replannedType) {
        if (!row) return undefined;
        const moved = (e.data as DeadlinesReplannedData).deadlines;
        const due = Object.fromEntries(Object.entries(spec.replanned!.dueColumns).flatMap(([slot, column]) => (moved[slot] ? [[column, moved[slot].due]] : [])));
        return { ...row, ...due, ...stamp };
      }
      const created = spec.created(e);
      if (created) return { ...created, ...(spec.status ? { status: spec.status(null, e) } : {}), ...stamp };
      if (!row) return undefined;
      return { ...row, ...(spec.status ? { status: spec.status(row.status as string | null, e) } : {}), ...spec.changed?.(row, e), ...stamp };
    },
  };
}

/**
 * A ledger as readers see it: its own columns, then those its lookups read from the other ledgers (`ledgers`), each
 * with its header from the label dictionary (else the other ledger's) and what it holds there; personal data stays
 * personal data. A name that is personal unless another column says otherwise (`piiUnless`) keeps that rule when the
 * lookup reads that column too, and is personal in every row otherwise (masked more, never less). A lookup of a
 * ledger not among `ledgers` adds nothing. The result carries no fold: it is a shape to read, never to project.
 */
export function readShapeOf<L extends LedgerShape>(ledger: L, ledgers: readonly LedgerShape[]): LedgerShape {
  if (!ledger.lookups?.length || 'sql' in ledger) return ledger;
  const extra: Column[] = [];
  for (const lk of ledger.lookups) {
    const other = ledgers.find((l) => l.name === lk.ledger);
    if (!other) continue;
    for (const [alias, name] of Object.entries(lk.columns)) {
      const source = other.columns.find((c) => c.name === name);
      if (!source) throw new Error(`lookup ${alias} of ${ledger.name}: ledger ${lk.ledger} has no column ${name}`);
      if (ledger.columns.some((c) => c.name === alias)) throw new Error(`lookup ${alias} of ${ledger.name}: the ledger has a column of that name`);
      const entry = LABELS[`${ledger.name}.${alias}`] ?? LABELS[alias];
      const column: Column = { name: alias, type: source.type, label: entry ? { zh: entry[0], en: entry[1] } : source.label, lookup: { ledger: lk.ledger, key: lk.key, via: lk.via, column: name } };
      if (source.pii) column.pii = source.pii;
      if (source.piiUnless) {
        const unless = Object.entries(lk.columns).find(([, n]) => n === source.piiUnless!.column)?.[0];
        if (unless) column.piiUnless = { column: unless, equals: source.piiUnless.equals };
      }
      if (source.instant) column.instant = true;
      if (source.flag) column.flag = true;
      if (source.staff) column.staff = true;
      extra.push(column);
    }
  }
  const { evolve: _evolve, rowKey: _rowKey, handles: _handles, version: _version, ...shape } = ledger as unknown as LedgerProjection;
  return { ...shape, columns: [...ledger.columns, ...extra] };
}
