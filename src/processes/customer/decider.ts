import { assertNever, byType, type Decider } from '../../domain/decider';
import type { CustomerClass, Grade, Importance } from '../../domain/enums';
import { illegalState, notFound } from '../../domain/errors';
import type { FireAlarm } from '../../domain/process';
import type { ContactChanges, CustomerEvent, CustomerProfile, RegisterCustomerInput } from './schemas';

/** The customer master-data decider (客户台账): pure. */

export type CustomerCommand =
  | { type: 'RegisterCustomer'; data: RegisterCustomerInput }
  | { type: 'UpdateCustomerContact'; data: { customerId: string; changes: ContactChanges } };

export type CustomerState = { status: 'unregistered' } | { status: 'registered'; customerId: string; profile: CustomerProfile };

export const initialCustomerState = (): CustomerState => ({ status: 'unregistered' });

/** A key customer (重点客户 or grade A) gets halved SLA targets. */
export const customerClassOf = (c: { importance: Importance; grade: Grade }): CustomerClass => (c.importance === 'key' || c.grade === 'A' ? 'key' : 'ordinary');

function register(cmd: Extract<CustomerCommand, { type: 'RegisterCustomer' }>, state: CustomerState): CustomerEvent[] {
  if (state.status !== 'unregistered') throw illegalState('customer.already_registered', `customer ${state.customerId} is already registered`);
  return [{ type: 'CustomerRegistered', data: cmd.data }];
}

function updateContact(cmd: Extract<CustomerCommand, { type: 'UpdateCustomerContact' }>, state: CustomerState): CustomerEvent[] {
  if (state.status !== 'registered') throw notFound('customer.not_found', `customer ${cmd.data.customerId} is not registered`);
  const changed = Object.fromEntries(
    Object.entries(cmd.data.changes).filter(([k, v]) => v !== undefined && state.profile[k as keyof CustomerProfile] !== v),
  ) as ContactChanges;
  // Re-sending the current values is not a change: nothing to record.
  if (Object.keys(changed).length === 0) return [];
  return [{ type: 'CustomerContactUpdated', data: { customerId: state.customerId, changes: changed } }];
}

export const decideCustomer = byType<CustomerCommand | FireAlarm, CustomerState, CustomerEvent>({ RegisterCustomer: register, UpdateCustomerContact: updateContact, FireAlarm: () => [] });

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerRegistered': {
      const { customerId, ...profile } = event.data;
      return { status: 'registered', customerId, profile };
    }
    case 'CustomerContactUpdated':
      if (state.status !== 'registered') return state;
      return { ...state, profile: { ...state.profile, ...event.data.changes } };
    default:
      return assertNever(event, 'customer event');
  }
}

export const customerDecider: Decider<CustomerCommand | FireAlarm, CustomerState, CustomerEvent> = {
  initialState: initialCustomerState,
  decide: decideCustomer,
  evolve: evolveCustomer,
};
