import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ContactChanges, RegisterCustomerInput } from '../domain/customer/model';
import type { CustomerState } from '../domain/customer/decider';
import type { ActorRole } from '../domain/roles';
import type { Alarm, ComplaintState } from '../domain/complaint/decider';

/**
 * Wire names of every message, shared by workflows, API and CLI so each name exists once.
 */

/** Who issues a command and why; becomes the event metadata. */
export interface CommandMeta {
  actor: string;
  role: ActorRole;
  reason?: string;
  /** Ties the events of one user request together (the API's request id by default). */
  correlationId?: string;
}

export interface CommandRequest<D> {
  data: D;
  meta: CommandMeta;
}

/** Returned once the command's events are durable in the store. */
export interface CommandResult {
  streamName: string;
  /** Revision of the stream's last event after the command. */
  revision: number;
  /** Global position of the last event written (unchanged when the command changed nothing). */
  position: string | null;
  eventIds: string[];
  eventTypes: string[];
}

export interface EntityView<S> {
  streamName: string;
  revision: number;
  state: S;
}

// ── customer-<id> ───────────────────────────────────────────────────────────────────────
export const registerCustomer = defineUpdate<CommandResult, [CommandRequest<RegisterCustomerInput>]>('registerCustomer');
export const updateCustomerContact = defineUpdate<CommandResult, [CommandRequest<{ customerId: string; changes: ContactChanges }>]>(
  'updateCustomerContact',
);
export const customerQuery = defineQuery<EntityView<CustomerState>>('customer');

export const WORKFLOW_TYPES = {
  customer: 'customerWorkflow',
  complaint: 'complaintWorkflow',
} as const;

// ── complaint-<id> ──────────────────────────────────────────────────────────────────────
/** Every complaint command is an Update named after the command; its argument is `{ data, meta }`. */
export const COMPLAINT_COMMANDS = {
  receive: 'ReceiveComplaint',
  acknowledge: 'AcknowledgeComplaint',
  verify: 'VerifyComplaint',
  assign: 'AssignComplaint',
  propose: 'ProposeResolution',
  notify: 'NotifyCustomer',
  followUp: 'RecordFollowUp',
  close: 'CloseComplaint',
  reopen: 'ReopenComplaint',
  pause: 'PauseComplaint',
  resume: 'ResumeComplaint',
  withdraw: 'WithdrawComplaint',
} as const;
export type ComplaintAction = keyof typeof COMPLAINT_COMMANDS;
export const complaintUpdate = (action: ComplaintAction) => defineUpdate<CommandResult, [CommandRequest<unknown>]>(COMPLAINT_COMMANDS[action]);
export const complaintQuery = defineQuery<ComplaintView>('complaint');

export interface ComplaintView extends EntityView<ComplaintState> {
  pendingAlarms: Alarm[];
}
