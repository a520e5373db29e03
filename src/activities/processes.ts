import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { initialCommand, signCommand } from '../domain/signature';

export interface StartWorkflowInput {
  workflowType: string;
  workflowId: string;
  args: unknown[];
}

/**
 * The start input with its `initial` command sealed by this worker (src/domain/signature.ts): the started workflow
 * runs it, as system, only with a seal it can verify, so nobody else can start a process with a command of their own.
 */
export function sealInitial(workflowId: string, arg: unknown, key: Buffer | undefined): unknown {
  const initial = (arg as { initial?: { action: string; data: unknown; meta: Record<string, unknown> } } | null)?.initial;
  if (!initial) return arg;
  if (!key) throw ApplicationFailure.nonRetryable('this worker has no command key (TAIZHANG_COMMAND_KEYS) to seal the processes it starts', 'NoCommandKey');
  const { name, updateId } = initialCommand(workflowId, initial);
  return { ...(arg as object), initial: { ...initial, ...signCommand(key, { workflowId, name, updateId, data: initial.data, meta: initial.meta }, new Date().toISOString()) } };
}

/**
 * Starts another process's workflow for a workflow (a survey round opening its corrective actions, a schedule's
 * launcher opening a round). Not a child workflow: the started process lives on its own, whatever becomes of the one
 * that started it. An id that was ever started is left as it is, so a retried start never makes a second process.
 */
export function createProcessActivities(deps: { client?: Client; commandKeys?: readonly Buffer[] }) {
  return {
    async startProcessWorkflow(input: StartWorkflowInput): Promise<'started' | 'exists'> {
      if (!deps.client) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to start other workflows with', 'NoClient');
      try {
        await deps.client.workflow.start(input.workflowType, {
          workflowId: input.workflowId,
          taskQueue: Context.current().info.taskQueue,
          args: input.args.map((a) => sealInitial(input.workflowId, a, deps.commandKeys?.[0])),
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return 'started';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
        throw err;
      }
    },
  };
}
