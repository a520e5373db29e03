/**
 * The worker's workflows (its `workflowsPath`): one body for every process, run for any workflow type the registry
 * names (`complaintWorkflow`, `customerWorkflow`, …) as Temporal's default (dynamic) workflow; and the launcher the
 * survey cycles' schedules start. The sandbox settings come first: they apply to every module after them.
 */
import './support/sandbox';
export { processWorkflow as default } from './process';
export { surveyCycleWorkflow } from './survey-cycle';
