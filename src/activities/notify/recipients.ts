import { ERASED } from '../../domain/pii';
import type { PiiCipher } from '../../events/keys/cipher';
import { chainHolders, holders, memberOf, type Directory } from '../../domain/directory';
import { readEntity } from '../../events/entities';
import type { EventStore } from '../../events/store/port';
import { customerProcess } from '../../processes/customer';
import type { CustomerState } from '../../processes/customer/decider';
import type { Addressing } from './port';

/** A customer's e-mail address as their record holds it now (read from `customer-<id>` at send time). */
export type CustomerContact = (customerId: string) => Promise<string | undefined>;

/** Reads the customer's own stream, so an invitation uses the address the record has when it is sent. */
export function customerContactFromStore(store: EventStore, pii: PiiCipher): CustomerContact {
  return async (customerId) => {
    const { state } = await readEntity<CustomerState>(store, customerProcess, customerId);
    // Sealed with the customer's key: opened at the moment of sending; an erased customer has no address any more.
    const email = state.status === 'registered' ? state.profile.email : undefined;
    const plain = email ? pii.reveal(email) : email;
    return plain === ERASED ? undefined : plain;
  };
}

/**
 * Resolves a recipient at send time: `actor:<id>` to that person, `role:<role>` to everyone holding it (with `chainOf`:
 * the holders in that person's chain, see `chainHolders`) plus the role's shared mailbox, `customer:<id>` to the
 * customer's contact address.
 */
export class RecipientResolver {
  constructor(
    private readonly directory: Directory,
    private readonly customerEmail: CustomerContact = async () => undefined,
  ) {}

  async resolve(recipient: string, chainOf?: string): Promise<Addressing> {
    const at = recipient.indexOf(':');
    const kind = recipient.slice(0, at);
    const id = recipient.slice(at + 1);
    if (kind === 'actor') {
      const m = memberOf(this.directory, id);
      return { emails: m?.email ? [m.email] : [], actors: [id] };
    }
    if (kind === 'role') {
      const people = chainOf ? chainHolders(this.directory, id, chainOf) : holders(this.directory, id);
      const emails = [...new Set([...people.flatMap((m) => (m.email ? [m.email] : [])), ...(this.directory.roleEmails?.[id] ?? [])])];
      return { emails, actors: people.map((m) => m.id) };
    }
    if (kind === 'customer') {
      const email = await this.customerEmail(id);
      return { emails: email ? [email] : [], actors: [] };
    }
    return { emails: [], actors: [] };
  }
}
