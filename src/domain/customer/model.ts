import { z } from 'zod';
import { address, email, entityId, personName, phone, shortText } from '../fields';
import { pii } from '../pii';

// 客户类型: 潜在客户 / 意向客户 / 业主
export const CUSTOMER_TYPES = ['potential', 'intending', 'owner'] as const;
// 重点客户 vs 普通客户
export const IMPORTANCE = ['key', 'ordinary'] as const;
// A/B/C/D scored on 合作历史, 付款情况, 信誉度, 诚信度, 需求量
export const GRADES = ['A', 'B', 'C', 'D'] as const;

export type CustomerType = (typeof CUSTOMER_TYPES)[number];
export type Importance = (typeof IMPORTANCE)[number];
export type Grade = (typeof GRADES)[number];

const customerType = z.enum(CUSTOMER_TYPES, { message: `must be one of ${CUSTOMER_TYPES.join(', ')}` });
const importance = z.enum(IMPORTANCE, { message: `must be one of ${IMPORTANCE.join(', ')}` });
const grade = z.enum(GRADES, { message: `must be one of ${GRADES.join(', ')}` });

/** What a registration carries (the API body, the CLI options and the Update argument all parse with this). */
export const customerProfile = z
  .object({
    // A customer may be a person (业主), so the name is personal data.
    name: pii('person_name', shortText(200)),
    contactPerson: personName.optional(),
    phone: phone.optional(),
    email: email.optional(),
    address: address.optional(),
    type: customerType.default('potential'),
    importance: importance.default('ordinary'),
    grade: grade.default('C'),
    accountManager: shortText(100).optional(),
  })
  .strict();
export type CustomerProfile = z.infer<typeof customerProfile>;

export const registerCustomerInput = customerProfile.extend({ customerId: entityId }).strict();
export type RegisterCustomerInput = z.infer<typeof registerCustomerInput>;

export const contactChanges = z
  .object({
    contactPerson: personName.optional(),
    phone: phone.optional(),
    email: email.optional(),
    address: address.optional(),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: 'must change at least one of contactPerson, phone, email, address' });
export type ContactChanges = z.infer<typeof contactChanges>;

/** A key customer (重点客户 or grade A) gets halved SLA targets. */
export type CustomerClass = 'key' | 'ordinary';
export const customerClassOf = (c: { importance: Importance; grade: Grade }): CustomerClass =>
  c.importance === 'key' || c.grade === 'A' ? 'key' : 'ordinary';

// ── events ──────────────────────────────────────────────────────────────────────────────
export const customerRegistered = registerCustomerInput;
export const customerContactUpdated = z.object({ customerId: entityId, changes: contactChanges }).strict();

export type CustomerEvent =
  | { type: 'CustomerRegistered'; data: z.infer<typeof customerRegistered> }
  | { type: 'CustomerContactUpdated'; data: z.infer<typeof customerContactUpdated> };
