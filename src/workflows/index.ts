/** Every workflow the worker runs (its `workflowsPath`). */
export { customerWorkflow } from './customer';
