/**
 * The worker's workflows (its `workflowsPath`): one body for every process, run for any workflow type the registry
 * names (`complaintWorkflow`, `customerWorkflow`, …) as Temporal's default (dynamic) workflow.
 */
export { processWorkflow as default } from './process';
