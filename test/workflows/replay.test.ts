import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HISTORIES_DIR, workflowIdOfHistory } from '../support/histories';
import { testDataConverter } from '../support/keys';
import { testLogger, workflowBundle } from '../support/temporal';

/**
 * Recorded histories of real runs, replayed against today's workflow code: a change that breaks determinism fails
 * here, before it breaks running complaints. `before-kernel/` holds histories recorded by the per-process workflows
 * that came before the one process kernel (they must keep replaying: workflows started then are still running);
 * the top folder holds the kernel's own from before its alarm timers were kept (keep them: re-recording would lose
 * that path), whose inputs carry the whole policy; `policy-ref/` holds runs whose inputs name a shipped policy by `name@version`;
 * `alarm-timers-kept/` runs whose alarm timers are never cancelled (`RECORD_HISTORIES=alarm-timers-kept npx vitest run …`);
 * `replanned/` runs re-planned on an imported calendar version by the kernel (test/calendar/import.e2e.test.ts).
 */
describe('replay of recorded workflow histories', () => {
  const files = readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.pb'));
  const named = (folder: string, prefix: string) => files.filter((f) => path.dirname(f) === folder && path.basename(f).startsWith(prefix));

  it('has histories of complaints and customers from before the kernel, and of every process from the kernel', () => {
    expect(named('before-kernel', 'complaint-').length).toBeGreaterThanOrEqual(3);
    expect(named('before-kernel', 'customer-').length).toBeGreaterThanOrEqual(1);
    expect(named('.', 'complaint-').length).toBeGreaterThanOrEqual(3);
    expect(named('.', 'customer-').length).toBeGreaterThanOrEqual(2);
    expect(named('.', 'enquiry-').length).toBeGreaterThanOrEqual(2);
    expect(named('.', 'change-').length).toBeGreaterThanOrEqual(5);
    expect(named('.', 'survey-').length).toBeGreaterThanOrEqual(1);
    expect(named('.', 'corrective-').length).toBeGreaterThanOrEqual(2);
    // Started with a shipped policy by reference (`policyRef: "default@4"`), found in the bundle's policy table.
    expect(named('policy-ref', 'change-').length).toBeGreaterThanOrEqual(3);
    // Recorded since alarm timers are never cancelled (the patch alarm-timers-kept): the loop's newer path.
    for (const prefix of ['complaint-', 'enquiry-', 'change-', 'survey-', 'corrective-']) expect(named('alarm-timers-kept', prefix).length, prefix).toBeGreaterThanOrEqual(1);
    // Re-planned by the kernel on new holiday data (a paused complaint: the patch replan-from-stop).
    for (const prefix of ['complaint-', 'change-']) expect(named('replanned', prefix).length, prefix).toBeGreaterThanOrEqual(1);
  });

  // Histories recorded since payloads are encrypted need the test keys (older ones are plain and pass through).
  it.each(files)('%s replays without nondeterminism', async (file) => {
    void testLogger;
    const history = temporal.api.history.v1.History.decode(readFileSync(path.join(HISTORIES_DIR, file)));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: testDataConverter }, history, workflowIdOfHistory(file));
  });
});
