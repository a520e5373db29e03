import { commandsOf, defineProcess } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { customerDecider, type CustomerCommand, type CustomerState } from './decider';
import { customersLedger } from './ledger';
import { contactChanges, customerEvents, registerCustomerInput, type ContactChanges, type CustomerEvent } from './schemas';

const command = commandsOf<CustomerState, CustomerCommand, undefined>({ roles: STAFF_ROLES });

/** 客户 (customer master data): `customer-<id>`, every change to a customer goes through it. */
export const customerProcess = defineProcess<CustomerState, CustomerCommand, CustomerEvent>({
  name: 'customer',
  collection: 'customers',
  title: { zh: '客户', en: 'Customer' },
  idPrefix: 'C',
  decider: customerDecider,
  commands: {
    register: command({
      type: 'RegisterCustomer',
      aliases: ['registerCustomer'],
      summary: 'Register a customer (客户登记)',
      creates: true,
      input: registerCustomerInput,
      toCommand: (input) => ({ type: 'RegisterCustomer', data: input }),
    }),
    updateContact: command({
      type: 'UpdateCustomerContact',
      aliases: ['updateCustomerContact'],
      summary: "Change a customer's contact details (联系方式变更)",
      input: contactChanges,
      // Workflows started by earlier code sent `{ customerId, changes }`.
      toCommand: (input: ContactChanges | { changes: ContactChanges }, ctx) => ({
        type: 'UpdateCustomerContact',
        data: { customerId: ctx.id, changes: 'changes' in input ? input.changes : input },
      }),
    }),
  },
  events: customerEvents,
  ledgers: [customersLedger],
});
