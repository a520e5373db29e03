import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM, the one authenticated cipher of taizhang (Temporal payloads, customers' personal fields, wrapped data
 * keys): a fresh 96-bit nonce per message, the 128-bit tag after the ciphertext, optional associated data binding the
 * ciphertext to its context (a customer id, a key id) so it cannot be moved elsewhere unnoticed.
 */
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * `nonce`: random by default. A caller may derive it from the plaintext (a keyed hash of it, see `derivedNonce`):
 * the same value then seals to the same ciphertext under the same key, and different values never share a nonce.
 */
export function seal(key: Buffer, plaintext: Buffer, aad?: Buffer, nonce: Buffer = randomBytes(NONCE_BYTES)): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** The plaintext, or an error when the key is not the one it was sealed with or a byte was changed. */
export function open(key: Buffer, sealed: Buffer, aad?: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed message too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

/** A key's public name: the first 8 bytes of its SHA-256, so a key id never needs managing and never reveals the key. */
export const keyIdOf = (key: Buffer): string => createHash('sha256').update('taizhang key id\0').update(key).digest('hex').slice(0, 16);

/** A key given as base64/base64url text, checked for its length. */
export function parseKey(text: string, what: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== KEY_BYTES) throw new Error(`${what} must be ${KEY_BYTES} random bytes in base64 (44 characters), e.g. from \`openssl rand -base64 32\``);
  return key;
}

export const newKey = (): Buffer => randomBytes(KEY_BYTES);

/** A nonce derived from what is sealed (HMAC-SHA256 under the key, truncated): deterministic sealing, as AES-GCM-SIV does. */
export const derivedNonce = (key: Buffer, ...parts: Array<Buffer | string>): Buffer => {
  const h = createHmac('sha256', key).update('taizhang nonce');
  for (const p of parts) h.update('\0').update(p);
  return h.digest().subarray(0, NONCE_BYTES);
};
