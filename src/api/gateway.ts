import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, notFound, type DomainErrorKind } from '../domain/errors';
import type { ReceiveComplaintInput } from '../domain/complaint/model';
import type { SlaPolicy } from '../domain/sla';
import { complaintStream } from '../events/streams';
import { complaintQuery, complaintUpdate, type ComplaintAction, type ComplaintView } from '../workflows/messages';
import type { complaintWorkflow } from '../workflows/complaint';
import type { RegisterCustomerInput } from '../domain/customer/model';
import { customerStream } from '../events/streams';
import { registerCustomer, customerQuery, type CommandMeta, type CommandResult, type EntityView } from '../workflows/messages';
import type { CustomerState } from '../domain/customer/decider';
import type { customerWorkflow } from '../workflows/customer';
import { DOMAIN_FAILURE, type DomainFailureDetails } from '../workflows/support/failures';

/** Turns a failed Update into the DomainError the workflow raised, so every adapter maps it to the same status. */
export function unwrapUpdateFailure(err: unknown): unknown {
  let cause: unknown = err;
  if (err instanceof WorkflowUpdateFailedError) cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type === DOMAIN_FAILURE) {
    const d = cause.details?.[0] as DomainFailureDetails | undefined;
    return new DomainError((d?.kind ?? 'validation') as DomainErrorKind, d?.code ?? 'rejected', cause.message, d?.issues ?? []);
  }
  return err;
}

/** Short deterministic id for a resource created under an idempotency key, so a retried request reaches the same one. */
export function idFromKey(prefix: string, key: string): string {
  return `${prefix}${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Sends commands to the entity workflows; every write goes through Temporal, never straight to the store. */
export class TemporalGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Starts the customer's workflow if needed and registers the customer in one call (update-with-start). The
   * result returns once `CustomerRegistered` is durable. The same idempotency key returns the same result.
   */
  async registerCustomer(data: Omit<RegisterCustomerInput, 'customerId'> & { customerId?: string }, meta: CommandMeta, idempotencyKey?: string): Promise<CommandResult & { customerId: string }> {
    const customerId = data.customerId ?? (idempotencyKey ? idFromKey('C', idempotencyKey) : `C${randomUUID().replaceAll('-', '').slice(0, 16)}`);
    const workflowId = customerStream(customerId);
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof customerWorkflow>('customerWorkflow', {
      workflowId,
      taskQueue: this.taskQueue,
      args: [{ customerId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      const result = await this.client.workflow.executeUpdateWithStart(registerCustomer, {
        args: [{ data: { ...data, customerId }, meta }],
        startWorkflowOperation,
        updateId: idempotencyKey ? `register:${idempotencyKey}` : undefined,
      });
      return { ...result, customerId };
    } catch (err) {
      throw unwrapUpdateFailure(err);
    }
  }

  /**
   * Receives a complaint: starts its workflow and records ComplaintReceived in one call. The policy in force now
   * travels with the workflow, so its deadlines never change under it.
   */
  async receiveComplaint(
    data: Omit<ReceiveComplaintInput, 'complaintId'> & { complaintId?: string },
    meta: CommandMeta,
    context: { policy: SlaPolicy; customerClass: 'key' | 'ordinary' },
    idempotencyKey?: string,
  ): Promise<CommandResult & { complaintId: string }> {
    const complaintId = data.complaintId ?? (idempotencyKey ? idFromKey('K', idempotencyKey) : `K${randomUUID().replaceAll('-', '').slice(0, 16)}`);
    const startWorkflowOperation = this.complaintStart(complaintId, context);
    try {
      const result = await this.client.workflow.executeUpdateWithStart(complaintUpdate('receive'), {
        args: [{ data: { ...data, complaintId }, meta }],
        startWorkflowOperation,
        updateId: idempotencyKey ? `receive:${idempotencyKey}` : undefined,
      });
      return { ...result, complaintId };
    } catch (err) {
      throw unwrapUpdateFailure(err);
    }
  }

  private complaintStart(complaintId: string, context: { policy: SlaPolicy; customerClass: 'key' | 'ordinary' }) {
    return new WithStartWorkflowOperation<typeof complaintWorkflow>('complaintWorkflow', {
      workflowId: complaintStream(complaintId),
      taskQueue: this.taskQueue,
      args: [{ complaintId, sla: { policy: context.policy }, customerClass: context.customerClass }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }

  /**
   * Any other command on a complaint. A closed complaint's workflow has ended: a command (a reopening) starts a new
   * run that reloads the stream. An unknown complaint is a 404.
   */
  async complaintCommand(
    complaintId: string,
    action: Exclude<ComplaintAction, 'receive'>,
    data: unknown,
    meta: CommandMeta,
    context: { policy: SlaPolicy },
    idempotencyKey?: string,
  ): Promise<CommandResult> {
    const handle = this.client.workflow.getHandle(complaintStream(complaintId));
    const updateId = idempotencyKey ? `${action}:${idempotencyKey}` : undefined;
    try {
      const described = await handle.describe().catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) throw notFound('complaint.not_found', `no complaint ${complaintId}`);
        throw err;
      });
      if (described.status.name === 'RUNNING') return await handle.executeUpdate(complaintUpdate(action), { args: [{ data, meta }], updateId });
      return await this.client.workflow.executeUpdateWithStart(complaintUpdate(action), {
        args: [{ data, meta }],
        updateId,
        startWorkflowOperation: this.complaintStart(complaintId, { policy: context.policy, customerClass: 'ordinary' }),
      });
    } catch (err) {
      throw unwrapUpdateFailure(err);
    }
  }

  async complaint(complaintId: string): Promise<ComplaintView> {
    try {
      return await this.client.workflow.getHandle(complaintStream(complaintId)).query(complaintQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('complaint.not_found', `no complaint ${complaintId}`);
      throw err;
    }
  }

  async customer(customerId: string): Promise<EntityView<CustomerState>> {
    return this.client.workflow.getHandle(customerStream(customerId)).query(customerQuery);
  }

  /** True when the Temporal frontend answers. */
  async healthy(): Promise<boolean> {
    try {
      await (this.client.connection as Connection).healthService.check({});
      return true;
    } catch {
      return false;
    }
  }
}
