import type { LedgerProjection, LedgerRow } from '../../domain/ledger';
import { idOfStream } from '../../domain/process';
import { customerClassOf } from './decider';
import type { ContactChanges, RegisterCustomerInput } from './schemas';

/** Node side. 客户台账: one row per customer. */
export const customersLedger: LedgerProjection = {
  name: 'customers',
  version: 1,
  title: { zh: '客户台账', en: 'Customers' },
  key: ['customer_id'],
  orderBy: 'registered_at, customer_id',
  columns: [
    { name: 'customer_id', type: 'TEXT', label: { zh: '客户编号', en: 'Customer ID' } },
    { name: 'name', type: 'TEXT', label: { zh: '客户名称', en: 'Name' }, pii: 'person_name' },
    { name: 'contact_person', type: 'TEXT', label: { zh: '联系人', en: 'Contact person' }, pii: 'person_name' },
    { name: 'phone', type: 'TEXT', label: { zh: '电话', en: 'Phone' }, pii: 'phone' },
    { name: 'email', type: 'TEXT', label: { zh: '电子邮箱', en: 'Email' }, pii: 'email' },
    { name: 'address', type: 'TEXT', label: { zh: '地址', en: 'Address' }, pii: 'address' },
    { name: 'type', type: 'TEXT', label: { zh: '客户类型', en: 'Type' } },
    { name: 'importance', type: 'TEXT', label: { zh: '重要性', en: 'Importance' }, indexed: true },
    { name: 'grade', type: 'TEXT', label: { zh: '客户等级', en: 'Grade' }, indexed: true },
    { name: 'customer_class', type: 'TEXT', label: { zh: '服务级别', en: 'Customer class' } },
    { name: 'account_manager', type: 'TEXT', label: { zh: '客户经理', en: 'Account manager' } },
    { name: 'registered_at', type: 'TEXT', label: { zh: '登记时间', en: 'Registered at' }, instant: true, indexed: true },
    { name: 'registered_by', type: 'TEXT', label: { zh: '登记人', en: 'Registered by' } },
    { name: 'updated_at', type: 'TEXT', label: { zh: '更新时间', en: 'Updated at' }, instant: true },
    { name: 'revision', type: 'INTEGER', label: { zh: '版本', en: 'Revision' } },
  ],
  handles: ['CustomerRegistered', 'CustomerContactUpdated'],
  rowKey: (e) => ({ customer_id: idOfStream(e.streamName) }),
  evolve(row, e) {
    switch (e.type) {
      case 'CustomerRegistered': {
        const d = e.data as RegisterCustomerInput;
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
          updated_at: e.metadata.occurredAt,
          revision: e.revision,
        };
      }
      case 'CustomerContactUpdated': {
        if (!row) return undefined;
        const c = (e.data as { changes: ContactChanges }).changes;
        const next: LedgerRow = { ...row, updated_at: e.metadata.occurredAt, revision: e.revision };
        if (c.contactPerson !== undefined) next.contact_person = c.contactPerson;
        if (c.phone !== undefined) next.phone = c.phone;
        if (c.email !== undefined) next.email = c.email;
        if (c.address !== undefined) next.address = c.address;
        return next;
      }
      default:
        return undefined;
    }
  },
};
