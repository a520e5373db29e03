import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

export interface StartWorkflowInput {
  workflowType: string;
  workflowId: string;
  args: unknown[];
}

/**
 * Starts another process's workflow for a workflow (a survey round opening its corrective actions, a schedule's
 * launcher opening a round). Not a child workflow: the started process lives on its own, whatever becomes of the one
 * that started it. An id that was ever started is left as it is, so a retried start never makes a second process.
 */
export function createProcessActivities(deps: { client?: Client }) {
  return {
    async startProcessWorkflow(input: StartWorkflowInput): Promise<'started' | 'exists'> {
      if (!deps.client) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to start other workflows with', 'NoClient');
      try {
        await deps.client.workflow.start(input.workflowType, {
          workflowId: input.workflowId,
          taskQueue: Context.current().info.taskQueue,
          args: input.args,
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
