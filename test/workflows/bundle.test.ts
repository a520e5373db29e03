import { describe, expect, it } from 'vitest';
import { bundlerOptions, WORKFLOWS_PATH } from '../../src/config/bundle';
import { TEST_KEYS } from '../support/keys';
import { POLICY_PROFILES } from '../../src/domain/policy';
import { workflowBundle } from '../support/temporal';

/**
 * Workflow code evaluates no schema library and no ledger code for every new workflow: the bundle leaves out each
 * process's node-side modules (schemas, ledgers), and zod with them; the calendar tables are built on first use.
 */
describe('the workflow bundle', () => {
  it('holds the process definitions but neither zod nor any process schema or ledger', async () => {
    const { code } = await workflowBundle();
    expect(code).toContain('src/processes/registry.ts');
    expect(code).toContain('src/workflows/process.ts');
    expect(code).not.toMatch(/node_modules\/zod\//);
    // The node-side modules are in the bundle as empty modules only.
    expect(code).not.toContain('complaintsLedger =');
    expect(code).not.toContain('receiveComplaintInput =');
    expect(code).not.toMatch(/better-sqlite3|node_modules\/pino\//);
    // Nor the ledgers' label dictionary: workflows show nothing to people.
    expect(code).not.toContain('labels/columns.json');
  });

  it('preloads the workflow modules once per worker thread, and carries every shipped policy as data', async () => {
    // Shared by every workflow of a thread instead of evaluated for each new one.
    expect(bundlerOptions([]).preloadModules).toEqual(['@temporalio/workflow', WORKFLOWS_PATH]);
    const { code } = await workflowBundle();
    expect(code).toContain('exports.preloadModules = function preloadModules()');
    // The policy table replaced the empty declaration: a start input names `default@5`, the bundle holds its document.
    expect(code).not.toMatch(/SHIPPED_POLICIES = \{\}/);
    for (const p of Object.values(POLICY_PROFILES)) expect(code).toContain(JSON.stringify(`${p.name}@${p.version}`));
  });

  it('carries the command keys its worker verifies commands with, and no others', async () => {
    const { code } = await workflowBundle();
    expect(code).not.toMatch(/COMMAND_KEYS = \[\]/);
    expect(code).toContain(JSON.stringify(TEST_KEYS.commandKeys[0]!.toString('hex')));
  });
});
