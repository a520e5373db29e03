import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors';
import { maskPii } from '../../src/domain/pii';
import { authorize } from '../../src/domain/roles';
import { parseOrThrow } from '../../src/domain/validation';
import { piiFieldsOf } from '../../src/events/catalogue';
import { customerProcess } from '../../src/processes/customer';
import { customerClassOf } from '../../src/processes/customer/decider';
import { registerCustomerInput } from '../../src/processes/customer/schemas';
import { specification } from '../support/given';

const given = specification(customerProcess, 'customer-C1');
const registered = { type: 'CustomerRegistered' as const, data: { customerId: 'C1', name: '张三', phone: '13800138000', type: 'owner' as const, importance: 'ordinary' as const, grade: 'B' as const } };

describe('customer decider', () => {
  it('registers an unregistered customer', () => {
    const events = given([]).when({ type: 'RegisterCustomer', data: registered.data }).then([registered]);
    expect(events).toEqual([registered]);
    expect(given(events).state).toMatchObject({ status: 'registered', customerId: 'C1', profile: { name: '张三' } });
  });

  it('refuses a second registration with the state and the reason', () => {
    const err = given([registered]).when({ type: 'RegisterCustomer', data: registered.data }).rejects('illegal_state');
    expect(err.code).toBe('customer.already_registered');
  });

  it('records only the contact fields that change; the same values change nothing', () => {
    given([registered]).when({ type: 'UpdateCustomerContact', data: { customerId: 'C1', changes: { phone: '13800138000' } } }).then([]);
    const events = given([registered])
      .when({ type: 'UpdateCustomerContact', data: { customerId: 'C1', changes: { phone: '13800138000', email: 'z@example.com' } } })
      .then([{ type: 'CustomerContactUpdated', data: { customerId: 'C1', changes: { email: 'z@example.com' } } }]);
    expect(events[0]!.data).toEqual({ customerId: 'C1', changes: { email: 'z@example.com' } });
    expect(given([registered, ...events]).state).toMatchObject({ profile: { email: 'z@example.com', phone: '13800138000' } });
  });

  it('cannot update an unknown customer', () => {
    given([]).when({ type: 'UpdateCustomerContact', data: { customerId: 'C9', changes: { phone: '13800138000' } } }).rejects('not_found');
  });
});

describe('registration input', () => {
  const issues = (input: unknown) => {
    try {
      parseOrThrow(registerCustomerInput, input);
      return [];
    } catch (e) {
      return (e as DomainError).issues;
    }
  };
  it('names each bad field and its rule', () => {
    const found = issues({ customerId: 'C1', phone: '12345', grade: 'Z', email: 'nope' });
    expect(found.map((i) => i.field).sort()).toEqual(['email', 'grade', 'name', 'phone']);
    expect(found.find((i) => i.field === 'name')!.rule).toBe('is required');
    expect(found.find((i) => i.field === 'grade')!.rule).toBe('must be one of A, B, C, D');
  });
  it('rejects unknown fields and never echoes values', () => {
    const found = issues({ customerId: 'C1', name: 'x', secret: '13800138000' });
    expect(found).toEqual([{ field: 'secret', rule: 'is not a known field' }]);
    expect(JSON.stringify(found)).not.toContain('13800138000');
  });
  it('accepts mobile and landline numbers and applies defaults', () => {
    expect(parseOrThrow(registerCustomerInput, { customerId: 'C1', name: 'x', phone: '+8613800138000' })).toMatchObject({ type: 'potential', importance: 'ordinary', grade: 'C' });
    expect(issues({ customerId: 'C1', name: 'x', phone: '010-12345678' })).toEqual([]);
  });
  it('key customers are 重点客户 or grade A', () => {
    expect(customerClassOf({ importance: 'key', grade: 'C' })).toBe('key');
    expect(customerClassOf({ importance: 'ordinary', grade: 'A' })).toBe('key');
    expect(customerClassOf({ importance: 'ordinary', grade: 'B' })).toBe('ordinary');
  });
});

describe('roles and personal data', () => {
  it('auditors only read', () => {
    const roles = customerProcess.commands.register!.roles;
    expect(() => authorize('RegisterCustomer', roles, 'auditor')).toThrow(expect.objectContaining({ kind: 'forbidden' }));
    expect(() => authorize('RegisterCustomer', roles, 'agent')).not.toThrow();
  });
  it('the catalogue knows which fields are personal data', () => {
    expect(piiFieldsOf('CustomerRegistered').map((f) => f.path).sort()).toEqual(['address', 'contactPerson', 'email', 'name', 'phone']);
  });
  it('masks personal values recognisably', () => {
    expect(maskPii('phone', '13800138000')).toBe('138****8000');
    expect(maskPii('phone', '+86 138-0013-8000')).toBe('138****8000');
    expect(maskPii('email', 'zhang@example.com')).toBe('z***@example.com');
    expect(maskPii('person_name', '张三')).toBe('张*');
  });
});
