import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client, type Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, type DomainErrorKind } from '../domain/errors';
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
