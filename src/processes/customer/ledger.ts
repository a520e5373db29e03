import { entityLedger } from '../../domain/ledger';
import { customerClassOf } from './decider';
import type { CustomerEvent } from './schemas';

/** Node side. 客户台账: one row per customer. */
export const customersLedger = entityLedger<CustomerEvent>({
  name: 'customers',
  version: 1,
  title: { zh: '客户台账', en: 'Customers' },
  key: 'customer_id',
  orderBy: 'registered_at, customer_id',
  columns: [
    ...['customer_id', 'name', 'contact_person', 'phone', 'email', 'address', 'type', 'importance', 'grade', 'customer_class'],
    ...['account_manager', 'registered_at', 'registered_by', 'updated_at', 'revision'],
  ],
  indexed: ['importance', 'grade', 'registered_at'],
  handles: ['CustomerRegistered', 'CustomerContactUpdated'],
  created(e) {
    if (e.type !== 'CustomerRegistered') return undefined;
    const d = e.data;
    return {
      customer_id: d.customerId,
      name: d.name,
      contact_person: d.contactPerson ?? null,
      phone: d.phone ?? null,
      email: d.email ?? null,
      address: d.address ?? null,
      type: d.type,
      importance: d.importance,
      grade: d.grade,
      customer_class: customerClassOf(d),
      account_manager: d.accountManager ?? null,
      registered_at: e.metadata.occurredAt,
      registered_by: e.metadata.actor,
    };
  },
  changed(_row, e) {
    if (e.type !== 'CustomerContactUpdated') return undefined;
    const c = e.data.changes;
    return {
      ...(c.contactPerson !== undefined ? { contact_person: c.contactPerson } : {}),
      ...(c.phone !== undefined ? { phone: c.phone } : {}),
      ...(c.email !== undefined ? { email: c.email } : {}),
      ...(c.address !== undefined ? { address: c.address } : {}),
    };
  },
});
