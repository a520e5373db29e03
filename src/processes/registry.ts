import type { ProcessDefinition } from '../domain/process';
import { changeProcess } from './change';
import { complaintProcess } from './complaint';
import { correctiveProcess } from './corrective';
import { customerProcess } from './customer';
import { enquiryProcess } from './enquiry';
import { surveyProcess } from './survey';

/**
 * Every process, one line each: the workflow body, the Updates, the API routes and OpenAPI, the CLI and the ledgers are
 * generated from this list.
 */
export const PROCESSES: readonly ProcessDefinition[] = [customerProcess, complaintProcess, enquiryProcess, changeProcess, surveyProcess, correctiveProcess];

export function processNamed(name: string): ProcessDefinition | undefined {
  return PROCESSES.find((p) => p.name === name);
}

export function processOfWorkflowType(workflowType: string): ProcessDefinition | undefined {
  return PROCESSES.find((p) => p.workflowType === workflowType);
}

