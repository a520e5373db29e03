import type { CustomerClass } from '../../domain/enums';
import { notFound } from '../../domain/errors';
import type { CommandLookups } from '../../domain/process';
import { approvedCustomerClass, type CustomerState } from './decider';
import { customerProcess } from './index';

/**
 * The customer's class now, from the customer's own stream (not a ledger that may lag), for a command that computes
 * deadlines or routes by it (a complaint's SLA, a change request's approval tier): its approved data, so a customer
 * whose registration still awaits its checker counts (ordinary until approvals say otherwise). What was computed with
 * it never moves when the class changes later.
 */
export async function customerClassLookup(customerId: string, lookups: CommandLookups): Promise<{ customerClass: CustomerClass }> {
  const { state } = await lookups.state<CustomerState>(customerProcess, customerId);
  const customerClass = approvedCustomerClass(state);
  if (!customerClass) throw notFound('customer.not_found', `no customer ${customerId}${state.status === 'unregistered' ? '' : `: its registration was ${state.status}`}`);
  return { customerClass };
}
