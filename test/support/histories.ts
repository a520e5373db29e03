import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = fileURLToPath(new URL('../workflows/histories/', import.meta.url));

/**
 * With RECORD_HISTORIES=1 (or a sub-folder's name), saves a workflow's history as a replay fixture (test/workflows/histories), so the replay
 * test can prove that later code still replays what earlier code recorded.
 */
/** The workflow id a recorded history ran under: after `@` in its file name (older recordings: the name itself). */
export const workflowIdOfHistory = (file: string): string => {
  const base = path.basename(file, '.pb');
  return base.includes('@') ? base.slice(base.indexOf('@') + 1) : base;
};

export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  // RECORD_HISTORIES=<folder> records into that sub-folder, keeping what earlier code recorded beside it.
  const dir = process.env.RECORD_HISTORIES === '1' ? HISTORIES_DIR : path.join(HISTORIES_DIR, process.env.RECORD_HISTORIES);
  mkdirSync(dir, { recursive: true });
  // Protobuf binary: exactly what the server sent, independent of JSON mapping details.
  // The file name carries the workflow id after `@`: a history does not hold it, and a replay under another id would
  // fail what the workflow checks against its own id (the seal of a process started by the engine).
  writeFileSync(path.join(dir, `${name}@${workflowId}.pb`), temporal.api.history.v1.History.encode(history).finish());
}
