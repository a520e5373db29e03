import type { Command } from 'commander';
import type { ProcessDefinition } from '../../domain/process';
import { PROCESSES } from '../../processes/registry';
import { processCliOf } from '../manifest';
import { registerProcessGroups } from './process-groups';

/**
 * `taizhang <process> <command>` for every command of every process, from the registry itself: the creating command
 * takes `--id` (generated when absent), the others the record's id; options come from the command's input schema.
 */
export function registerProcessCommands(program: Command, processes: readonly ProcessDefinition[] = PROCESSES, populate?: (name: string) => boolean): void {
  registerProcessGroups(program, processCliOf(processes), populate);
}
