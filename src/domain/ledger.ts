import COLUMN_LABELS from './labels/columns.json';
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
}

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
  handles: readonly string[];
  /** The row the record's first event writes, or undefined for any other event. */
  created(e: ProjectedEvent & E): LedgerRow | undefined;
  /** What a later event changes; the status, `updated_at` and `revision` are kept here. */
  changed?(row: LedgerRow, e: ProjectedEvent & E): Partial<LedgerRow> | undefined;
  /** The process's own status transitions, for a ledger that shows the status (one statement of them: the decider's). */
  status?(status: string | null, e: E): string | null;
}

export function entityLedger<E extends { type: string; data: unknown }>(spec: EntityLedgerSpec<E>): LedgerProjection {
  return {
    name: spec.name,
    version: spec.version,
    title: spec.title,
    key: [spec.key],
    orderBy: spec.orderBy,
    columns: columnsOf(spec.name, spec.columns, { indexed: spec.indexed ?? [] }),
    handles: spec.handles,
    rowKey: (e) => ({ [spec.key]: idOfStream(e.streamName) }),
    evolve(row, raw) {
      const e = raw as ProjectedEvent & E;
      const stamp = { updated_at: e.metadata.occurredAt, revision: e.revision };
      const created = spec.created(e);
      if (created) return { ...created, ...(spec.status ? { status: spec.status(null, e) } : {}), ...stamp };
      if (!row) return undefined;
      return { ...row, ...(spec.status ? { status: spec.status(row.status as string | null, e) } : {}), ...spec.changed?.(row, e), ...stamp };
    },
  };
}
