import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Owner-only files. DATA_DIR holds personal data (the event store, the ledgers, Temporal's history) and the local
 * tokens; an export holds personal data too. Nobody but the account the stack runs as has a reason to read them.
 */

/** Group and other get nothing: new files 0600, new directories 0700. */
export const PRIVATE_UMASK = 0o077;

/**
 * From now on this process (and every child it spawns, which inherits the umask) creates owner-only files, whoever
 * creates them: SQLite and its journals, the Temporal dev server's database, ExcelJS's workbooks. Set once at each
 * entry point (not in library code: a worker thread may not change it).
 */
export function restrictNewFiles(): void {
  process.umask(PRIVATE_UMASK);
}

/** A file removed while the directory was walked (a SQLite journal, a pid file of a process that just ended). */
const gone = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Mode bits with group and other taken off (an executable stays executable for its owner). */
const ownerOnly = (mode: number) => mode & 0o700;

/**
 * Creates `dir` 0700, or, when it exists (written by an earlier run with 0755 and 0644), takes group and other off it
 * and everything in it. Symbolic links are left alone (their target is not ours to change). Returns the paths it could
 * not tighten (another account's files), for the caller to warn about.
 */
export function securePrivateDir(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const refused: string[] = [];
  const tighten = (p: string) => {
    let stat;
    try {
      stat = lstatSync(p);
    } catch {
      return; // removed while we looked
    }
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) {
      try {
        chmodSync(p, ownerOnly(stat.mode));
      } catch (err) {
        if (!gone(err)) refused.push(p);
      }
    }
    if (stat.isDirectory()) {
      let entries: string[] = [];
      try {
        entries = readdirSync(p);
      } catch (err) {
        if (!gone(err)) refused.push(p);
      }
      for (const e of entries) tighten(path.join(p, e));
    }
  };
  tighten(dir);
  return refused;
}

/**
 * Writes `file` so that only its owner can read it, whatever the umask: created 0600, and an existing file (whose mode
 * a plain write would keep) tightened before the data goes in.
 */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
}

/**
 * DATA_DIR made owner-only at a service's start (see securePrivateDir); what cannot be tightened is logged, once, as a
 * warning: the service still runs, since refusing to start would not make those files any less readable.
 */
export function securePrivateDataDir(dataDir: string, logger: { warn(detail: object, message: string): void }): void {
  const refused = securePrivateDir(dataDir);
  if (refused.length) logger.warn({ dataDir, count: refused.length, paths: refused.slice(0, 5) }, 'DATA_DIR: some files stay readable by other accounts (owned by another account; chmod them)');
}
