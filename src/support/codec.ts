import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

// A CommonJS module: its namespaces come through the default export under Node's ES modules.
const { temporal } = proto;
import { keyIdOf, open, seal } from './aead';

/**
 * The Temporal payload codec: every payload a client or worker sends (workflow inputs, Update arguments, activity
 * inputs and results, query answers, memos) is stored by Temporal as AES-256-GCM ciphertext, so no personal data is
 * readable in its database or through its APIs and Web UI. The whole payload (metadata and data) is sealed; the new
 * payload says only `binary/encrypted` and the key id, which is also bound to the ciphertext as associated data.
 * Decoding leaves payloads that are not encrypted as they are (histories recorded before the codec, or a command
 * sent by hand, which the workflows then refuse as unsigned).
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class UnknownPayloadKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`payload encrypted with key ${keyId}, which is not configured (TAIZHANG_PAYLOAD_KEYS)`);
    this.name = 'UnknownPayloadKeyError';
  }
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly current: { id: string; key: Buffer };
  private readonly byId: Map<string, Buffer>;

  /** `keys`: the first encrypts, every one decrypts (rotation keeps old keys listed). */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('the payload codec needs at least one key');
    this.byId = new Map(keys.map((k) => [keyIdOf(k), k]));
    this.current = { id: keyIdOf(keys[0]!), key: keys[0]! };
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encodeOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decodeOne(p));
  }

  encodeOne(p: Payload): Payload {
    const plain = Buffer.from(temporal.api.common.v1.Payload.encode(p).finish());
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.current.id) },
      data: seal(this.current.key, plain, Buffer.from(this.current.id)),
    };
  }

  /** The payload as it was before encoding; one not encrypted is returned unchanged. */
  decodeOne(p: Payload): Payload {
    if (text(p.metadata?.encoding) !== ENCRYPTED_ENCODING) return p;
    const id = text(p.metadata?.[KEY_ID_METADATA]) ?? '';
    const key = this.byId.get(id);
    if (!key) throw new UnknownPayloadKeyError(id);
    const plain = open(key, Buffer.from(p.data ?? new Uint8Array()), Buffer.from(id));
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/** The data converter of every client and worker of a deployment. */
export const encryptedDataConverter = (keys: readonly Buffer[]): DataConverter => ({ payloadCodecs: [new AesGcmPayloadCodec(keys)] });
