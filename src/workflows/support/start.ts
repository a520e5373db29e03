import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { streamOf, type CommandMeta, type ProcessDefinition } from '../../domain/process';
import type { Policy } from '../../domain/policy/schema';

const { startProcessWorkflow } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** The creating command a process workflow is started with by another workflow, run once its stream is read. */
export interface InitialCommand {
  action: string;
  data: Record<string, unknown>;
  meta: CommandMeta;
}

/**
 * Starts `<process>-<id>` with `initial` as its first command (through an activity, so it is not a child: it outlives
 * whoever started it). An id started before (running or ended) is left as it is: a retried start never makes a second
 * process, and a new run of an ended one would find its stream not empty and skip the command.
 */
export function startProcess(target: Pick<ProcessDefinition, 'name' | 'workflowType'>, id: string, initial: InitialCommand, policy: { policy?: Policy; policyRef?: string }): Promise<'started' | 'exists'> {
  return startProcessWorkflow({ workflowType: target.workflowType, workflowId: streamOf(target, id), args: [{ id, ...policy, initial }] });
}
