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

/**
 * One ledger (台账) as a pure projection: which row an event touches and how the row changes. Uses only the event's
 * own time and data, so a rebuild gives exactly the live table.
 */
export interface LedgerProjection {
  /** Public name, as in `GET /ledgers/<name>`. */
  name: string;
  /** Bump when evolve() changes meaning: the ledgers are then rebuilt from position 0. */
  version: number;
  title: { zh: string; en: string };
  /** Primary-key columns. */
  key: string[];
  columns: Column[];
  /** Event types this ledger reads. */
  handles: readonly string[];
  /** The key of the row an event touches, or undefined when it touches none. */
  rowKey(event: RecordedEvent): LedgerRow | undefined;
  /** The row after the event: a row to write, null to delete it, undefined to leave it as it is. */
  evolve(row: LedgerRow | undefined, event: RecordedEvent): LedgerRow | null | undefined;
  /** Default ordering for listings. */
  orderBy: string;
}

export const tableOf = (p: Pick<LedgerProjection, 'name'>): string => `ledger_${p.name}`;
