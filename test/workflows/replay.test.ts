import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HISTORIES_DIR } from '../support/histories';
import { testLogger, workflowBundle } from '../support/temporal';

/**
 * Recorded histories of real runs (regenerate with `RECORD_HISTORIES=1 npx vitest run test/workflows`), replayed
 * against today's workflow code: a change that breaks determinism fails here, before it breaks running complaints.
 */
describe('replay of recorded workflow histories', () => {
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.pb'));

  it('has recorded histories of complaintWorkflow and customerWorkflow', () => {
    expect(files.filter((f) => f.startsWith('complaint-')).length).toBeGreaterThanOrEqual(3);
    expect(files.some((f) => f.startsWith('customer-'))).toBe(true);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    void testLogger;
    const history = temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, path.basename(file, '.pb'));
  });
});
