import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/events/store/sqlite';

/** A fresh directory under the system temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'taizhang-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function tempStore(): { store: SqliteEventStore; dir: string; cleanup: () => Promise<void> } {
  const t = tempDir();
  const store = new SqliteEventStore({ file: path.join(t.dir, 'events.db'), pollIntervalMs: 5 });
  return {
    store,
    dir: t.dir,
    cleanup: async () => {
      await store.close();
      t.cleanup();
    },
  };
}

/** Every file under a directory, recursively (to search a data directory for a value). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}
