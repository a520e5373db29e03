import { ERASED, maskPii, type PiiKind } from '../../domain/pii';
import { derivedNonce, open, seal } from '../../support/aead';
import type { DataKeyStore } from './data-keys';

/**
 * Personal fields at rest: `tzpii:1:<kind>:<key id>:<ciphertext>`, AES-256-GCM under the customer's data key
 * (src/events/keys/data-keys.ts) with kind and key id as associated data. The API seals each personal field of a
 * command before it leaves for Temporal, so events, workflow state, Temporal payloads and ledgers hold only this;
 * people see the value through `reveal` at the moment they read it (masked for their role), and after an erasure
 * everybody sees ERASED. The kind travels with the value, so any view (a workflow's state, a history, a decoded
 * Temporal payload) can be revealed and masked without knowing its schema.
 */
const PREFIX = 'tzpii:1:';
const KINDS: readonly PiiKind[] = ['person_name', 'phone', 'email', 'address'];

export const isSealed = (v: unknown): v is string => typeof v === 'string' && v.startsWith(PREFIX);

interface Parsed {
  kind: PiiKind;
  keyId: string;
  body: Buffer;
}

function parse(v: string): Parsed | undefined {
  const [kind, keyId, body] = v.slice(PREFIX.length).split(':');
  if (!kind || !keyId || body === undefined || !(KINDS as readonly string[]).includes(kind)) return undefined;
  return { kind: kind as PiiKind, keyId, body: Buffer.from(body, 'base64url') };
}

const aad = (kind: string, keyId: string) => Buffer.from(`${kind}\0${keyId}`);

/** How a revealed value is shown: the plain value, or a masked one, by the caller's role. */
export type Show = (kind: PiiKind, plain: string) => string;
const plainly: Show = (_kind, plain) => plain;

export class ErasedCustomerError extends Error {
  constructor(readonly customerId: string) {
    super(`customer ${customerId} has been erased: no personal data can be recorded for them`);
    this.name = 'ErasedCustomerError';
  }
}

export class PiiCipher {
  constructor(private readonly keys: DataKeyStore) {}

  /** A personal value of a customer, sealed with their key (a value already sealed is kept). */
  seal(customerId: string, kind: PiiKind, value: string): string {
    if (isSealed(value)) return value;
    const k = this.keys.keyFor(customerId);
    if (!k) throw new ErasedCustomerError(customerId);
    // Deterministic: re-sending a customer's current value is no change, and equal values compare equal in a ledger.
    const plain = Buffer.from(value, 'utf8');
    return `${PREFIX}${kind}:${k.keyId}:${seal(k.key, plain, aad(kind, k.keyId), derivedNonce(k.key, kind, plain)).toString('base64url')}`;
  }

  /**
   * `value` with every sealed string in it (at any depth) opened and shown by `show`; ERASED where the key was
   * destroyed or the ciphertext does not open. Keys are read once per call, so an erasure shows on the next read.
   */
  reveal<T>(value: T, show: Show = plainly): T {
    const ids: string[] = [];
    collect(value, ids);
    if (ids.length === 0) return value;
    const keys = this.keys.keysById(ids);
    const one = (v: string): string => {
      const p = parse(v);
      const key = p ? keys.get(p.keyId) : undefined;
      if (!p || !key || key === 'erased') return ERASED;
      try {
        return show(p.kind, open(key, p.body, aad(p.kind, p.keyId)).toString('utf8'));
      } catch {
        return ERASED;
      }
    };
    return map(value, one) as T;
  }
}

function collect(v: unknown, into: string[]): void {
  if (isSealed(v)) {
    const p = parse(v);
    if (p) into.push(p.keyId);
  } else if (Array.isArray(v)) for (const x of v) collect(x, into);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x, into);
}

function map(v: unknown, one: (s: string) => string): unknown {
  if (isSealed(v)) return one(v);
  if (Array.isArray(v)) return v.map((x) => map(x, one));
  if (v && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, map(x, one)]));
  }
  return v;
}

/** How sealed values are shown to a reader: plainly to one who may read personal data, masked for anyone else. */
export const shownTo = (mayReadPersonalData: boolean): Show => (mayReadPersonalData ? plainly : (kind, plain) => maskPii(kind, plain));
