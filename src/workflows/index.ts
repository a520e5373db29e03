/** Every workflow the worker runs (its `workflowsPath`). */
export { customerWorkflow } from './customer';
export { complaintWorkflow } from './complaint';
