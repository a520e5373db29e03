import { z } from 'zod';
import { atVersion1 } from '../../domain/process';
import { CUSTOMER_TYPES, GRADES, IMPORTANCE } from '../../domain/enums';
import { address, email, entityId, oneOf, personName, phone, shortText } from '../../domain/fields';
import { pii } from '../../domain/pii';

/** Node side (left out of workflow bundles): customer master data (客户台账) inputs and events. */

/** What a registration carries (the API body, the CLI options and the gateway all parse with this). */
export const customerProfile = z
  .object({
    // A customer may be a person (业主), so the name is personal data.
    name: pii('person_name', shortText(200)).describe('customer name'),
    contactPerson: personName.optional().describe('contact person'),
    phone: phone.optional().describe('mobile or landline'),
    email: email.optional().describe('e-mail address'),
    address: address.optional().describe('address'),
    type: oneOf(CUSTOMER_TYPES).default('potential').describe('潜在客户 potential, 意向客户 intending, 业主 owner'),
    importance: oneOf(IMPORTANCE).default('ordinary').describe('重点客户 key or 普通客户 ordinary'),
    grade: oneOf(GRADES).default('C').describe('credit and value grade A–D'),
    accountManager: shortText(100).optional().describe('account manager'),
  })
  .strict();
export type CustomerProfile = z.infer<typeof customerProfile>;

export const registerCustomerInput = customerProfile.extend({ customerId: entityId }).strict();
export type RegisterCustomerInput = z.infer<typeof registerCustomerInput>;

const contactFields = {
  contactPerson: personName.optional().describe('contact person'),
  phone: phone.optional().describe('mobile or landline'),
  email: email.optional().describe('e-mail address'),
  address: address.optional().describe('address'),
};
export const contactChanges = z
  .object(contactFields)
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: 'must change at least one of contactPerson, phone, email, address' })
  .meta({ minProperties: 1 });
export type ContactChanges = z.infer<typeof contactChanges>;

// ── events ──────────────────────────────────────────────────────────────────────────────
export const customerEventSchemas = {
  CustomerRegistered: registerCustomerInput,
  CustomerContactUpdated: z.object({ customerId: entityId, changes: contactChanges }).strict(),
};

export type CustomerEvent =
  | { type: 'CustomerRegistered'; data: z.infer<typeof customerEventSchemas.CustomerRegistered> }
  | { type: 'CustomerContactUpdated'; data: z.infer<typeof customerEventSchemas.CustomerContactUpdated> };

export const customerEvents = atVersion1(customerEventSchemas);
