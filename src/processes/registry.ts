import type { ProcessDefinition } from '../domain/process';
import { complaintProcess } from './complaint';
import { customerProcess } from './customer';
import { enquiryProcess } from './enquiry';

/**
 * Every process, one line each: the workflow body, the Updates, the API routes and OpenAPI, the CLI and the ledgers are
 * generated from this list.
 */
export const PROCESSES: readonly ProcessDefinition[] = [customerProcess, complaintProcess, enquiryProcess];

export function processNamed(name: string): ProcessDefinition | undefined {
  return PROCESSES.find((p) => p.name === name);
}

export function processOfWorkflowType(workflowType: string): ProcessDefinition | undefined {
  return PROCESSES.find((p) => p.workflowType === workflowType);
}

/** The process that owns a stream (`complaint-K1` → complaint). */
export function processOfStream(streamName: string): ProcessDefinition | undefined {
  return PROCESSES.find((p) => streamName.startsWith(`${p.name}-`));
}
