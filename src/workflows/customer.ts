import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { authorize } from '../domain/access';
import { validationError } from '../domain/errors';
import { customerDecider, type CustomerCommand, type CustomerState } from '../domain/customer/decider';
import { contactChanges, registerCustomerInput } from '../domain/customer/model';
import { parseOrThrow } from '../domain/validation';
import { customerStream } from '../events/streams';
import { customerQuery, registerCustomer, updateCustomerContact, type CommandMeta } from './messages';
import { commandMeta } from './support/meta';
import { StreamEntity, type EntityCarry } from './support/entity';
import { domainCall } from './support/failures';

export interface CustomerWorkflowInput {
  customerId: string;
  carried?: EntityCarry<CustomerState>;
}

/** The entity workflow that owns `customer-<id>`: every change to a customer's master data goes through it. */
export async function customerWorkflow(input: CustomerWorkflowInput): Promise<void> {
  const entity = new StreamEntity(customerStream(input.customerId), customerDecider, input.carried);

  const registration = (raw: { data: unknown; meta: unknown }): { command: CustomerCommand; meta: CommandMeta } =>
    domainCall(() => {
      const meta = parseOrThrow(commandMeta, raw.meta);
      authorize('RegisterCustomer', meta.role);
      const data = parseOrThrow(registerCustomerInput, raw.data);
      if (data.customerId !== input.customerId)
        throw validationError([{ field: 'customerId', rule: `must be ${input.customerId}, the customer of workflow ${workflowInfo().workflowId}` }]);
      return { command: { type: 'RegisterCustomer', data }, meta };
    });

  const contactUpdate = (raw: { data: unknown; meta: unknown }): { command: CustomerCommand; meta: CommandMeta } =>
    domainCall(() => {
      const meta = parseOrThrow(commandMeta, raw.meta);
      authorize('UpdateCustomerContact', meta.role);
      const changes = parseOrThrow(contactChanges, (raw.data as { changes?: unknown } | undefined)?.changes);
      return { command: { type: 'UpdateCustomerContact', data: { customerId: input.customerId, changes } }, meta };
    });

  setHandler(
    registerCustomer,
    async (req) => {
      const { command, meta } = registration(req);
      return entity.execute(command, meta);
    },
    { validator: (req) => entity.check(registration(req).command) },
  );
  setHandler(
    updateCustomerContact,
    async (req) => {
      const { command, meta } = contactUpdate(req);
      return entity.execute(command, meta);
    },
    { validator: (req) => entity.check(contactUpdate(req).command) },
  );
  setHandler(customerQuery, () => entity.view());

  await entity.load();
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof customerWorkflow>({ customerId: input.customerId, carried: entity.carry() });
}
