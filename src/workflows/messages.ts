import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { TimedAlarm } from '../domain/deadlines/deadline';
import type { CommandMeta, CommandSpec, ProcessDefinition } from '../domain/process';

/**
 * Wire names of every message, derived from the process definitions and shared by workflows, the API and the CLI: an
 * Update per command (named by its `type`), a Query per process (named by the process).
 */

export interface CommandRequest<D = unknown> {
  data: D;
  meta: CommandMeta;
}

/** Returned once the command's events are durable in the store. */
export interface CommandResult {
  streamName: string;
  /** Revision of the stream's last event after the command. */
  revision: number;
  /** Global position of the last event written (null when the command changed nothing). */
  position: string | null;
  eventIds: string[];
  eventTypes: string[];
}

/** What a process's Query answers: its state and the alarms still to come. */
export interface ProcessView<S = unknown> {
  streamName: string;
  revision: number;
  state: S;
  pendingAlarms: TimedAlarm[];
}

export const commandUpdate = (spec: Pick<CommandSpec, 'type'>, name: string = spec.type) => defineUpdate<CommandResult, [CommandRequest]>(name);

export const processQuery = (p: Pick<ProcessDefinition, 'name'>) => defineQuery<ProcessView>(p.name);
