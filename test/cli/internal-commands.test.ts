import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerProcessGroups } from '../../src/cli/commands/process-groups';
import { manifestOf, processCliOf } from '../../src/cli/manifest';
import { actionPath, type ProcessDefinition } from '../../src/domain/process';
import { complaintProcess } from '../../src/processes/complaint';
import { PROCESSES } from '../../src/processes/registry';
import { cli } from '../support/stack';

/**
 * Commands the system sends (the calendar import's `replanDeadlines`) are marked `internal` in their process
 * definition: the CLI makes no command of them and no `--help` lists them; the API still takes them (for their roles),
 * so the calendar import keeps sending them through the gateway.
 */
const marked: ProcessDefinition = {
  ...complaintProcess,
  commands: { ...complaintProcess.commands, replanDeadlines: { ...complaintProcess.commands.replanDeadlines!, internal: true } },
} as ProcessDefinition;

/** A program with the process groups of `processes`, its output and exits caught. */
function programOf(processes: readonly ProcessDefinition[]) {
  const out: string[] = [];
  const program = new Command().name('taizhang').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
  registerProcessGroups(program, processCliOf(processes));
  return { program, out };
}

describe('internal commands are not offered to people', () => {
  it('processCliOf leaves out a command its definition marks internal, and only that one', () => {
    const all = Object.keys(complaintProcess.commands).map(actionPath);
    const [complaint] = processCliOf([marked]);
    expect(complaint!.commands.map((c) => c.action)).toEqual(all.filter((a) => a !== 'replan-deadlines'));
    // Unmarked, the same definition lists every command.
    expect(processCliOf([{ ...marked, commands: { ...marked.commands, replanDeadlines: { ...marked.commands.replanDeadlines!, internal: false } } }])[0]!.commands.map((c) => c.action)).toEqual(all);
  });

  it('`taizhang complaint --help` does not list it, and `taizhang complaint replan-deadlines` is no command', async () => {
    const help = programOf([marked]);
    await expect(help.program.parseAsync(['complaint', '--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    const text = help.out.join('');
    expect(text).toContain('acknowledge');
    expect(text).toContain('receive');
    expect(text).not.toContain('replan-deadlines');
    expect(text).not.toMatch(/re-plan/i);

    const run = programOf([marked]);
    await expect(run.program.parseAsync(['complaint', 'replan-deadlines', 'K1', '--calendar-version', '1'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.unknownCommand' });
  });

  it('the CLI manifest of the real registry lists every command except those marked internal', () => {
    const manifest = manifestOf();
    for (const p of PROCESSES) {
      const expected = Object.entries(p.commands)
        .filter(([, spec]) => spec.internal !== true)
        .map(([action]) => actionPath(action));
      expect(manifest.processes.find((x) => x.name === p.name)!.commands.map((c) => c.action)).toEqual(expected);
    }
  });

  // Needs `internal: true` on replanDeadlines in src/processes/complaint/index.ts (the process definition's owner adds it).
  it.skipIf(complaintProcess.commands.replanDeadlines?.internal !== true)('the real CLI: `taizhang complaint --help` does not list replan-deadlines', () => {
    expect(manifestOf().processes.find((p) => p.name === 'complaint')!.commands.map((c) => c.action)).not.toContain('replan-deadlines');
    const r = cli(['complaint', '--help'], {});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('acknowledge');
    expect(r.stdout).not.toContain('replan-deadlines');
  });
});
