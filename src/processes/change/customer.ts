import type { CustomerClass } from '../../domain/enums';
import { notFound } from '../../domain/errors';
import type { CommandLookups } from '../../domain/process';
import { customerProcess } from '../customer';
import { customerClassOf, type CustomerState } from '../customer/decider';

/** Node side: the customer's class now, from the customer's own stream (not a ledger that may lag). */
export async function customerClassLookup(customerId: string, lookups: CommandLookups): Promise<{ customerClass: CustomerClass }> {
  const { state } = await lookups.state<CustomerState>(customerProcess, customerId);
  if (state.status !== 'registered') throw notFound('customer.not_found', `no customer ${customerId}`);
  return { customerClass: customerClassOf(state.profile) };
}
