import type { PiiKind } from '../domain/pii';
import type { RecordedEvent } from '../events/envelope';

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
  /** Holds an instant (ISO 8601); shown in the configured time zone. */
  instant?: boolean;
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

/**
 * A ledger computed from other ledgers by SQL at read time (the KPI views): always consistent with them, live, as of
 * any moment (it reads the as-of rebuild) and in exports.
 */
export interface LedgerView extends LedgerShape {
  sql: string;
}

/** The FROM clause of a ledger: its table, or its view's query. */
export const sourceOf = (l: LedgerShape): string => ('sql' in l ? `(${(l as LedgerView).sql})` : `"${tableOf(l)}"`);

export const isProjection = (l: LedgerShape): l is LedgerProjection => 'evolve' in l;

/**
 * One ledger (台账) as a pure projection: which row an event touches and how the row changes. Uses only the event's
 * own time and data, so a rebuild gives exactly the live table.
 */
export interface LedgerProjection extends LedgerShape {
  /** Bump when evolve() changes meaning: the ledgers are then rebuilt from position 0. */
  version: number;
  /** Event types this ledger reads. */
  handles: readonly string[];
  /** The key of the row an event touches, or undefined when it touches none. */
  rowKey(event: RecordedEvent): LedgerRow | undefined;
  /** The row after the event: a row to write, null to delete it, undefined to leave it as it is. */
  evolve(row: LedgerRow | undefined, event: RecordedEvent): LedgerRow | null | undefined;
}

export const tableOf = (p: Pick<LedgerProjection, 'name'>): string => `ledger_${p.name}`;
