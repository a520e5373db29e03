import type { PiiKind } from './pii';

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

/** A 0/1 cell from a boolean. */
export const flag = (b: boolean): 0 | 1 => (b ? 1 : 0);
