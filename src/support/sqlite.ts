import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface OpenSqliteOptions {
  /** Opened read-only; the file must exist. */
  readonly?: boolean;
  /** PRAGMA synchronous for a writable file: FULL survives power loss, NORMAL process crashes only. Default NORMAL. */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /**
   * PRAGMA journal_mode for a writable file. Default WAL. MEMORY only for a file nobody else reads and that is thrown
   * away after a crash (a rebuild in progress): no WAL, no journal file, transactions still roll back.
   */
  journal?: 'WAL' | 'MEMORY';
}

/**
 * Every SQLite file of the stack opens here (events, ledgers, audit chain, notifications sent): WAL for a writable file
 * (one writer, many readers across processes), a busy timeout so readers wait out a writer's checkpoint, the parent
 * directory created when needed.
 */
export function openSqlite(file: string, options: OpenSqliteOptions = {}): Database.Database {
  const readonly = options.readonly ?? false;
  if (file !== ':memory:' && !readonly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { readonly, fileMustExist: readonly });
  db.pragma('busy_timeout = 10000');
  if (!readonly) {
    db.pragma(`journal_mode = ${options.journal ?? 'WAL'}`);
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  }
  return db;
}
