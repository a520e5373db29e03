import path from 'node:path';
import { parseKey } from '../support/aead';
import { secretFromFile } from '../support/links';
import { ConfigError, type Config } from './config';

/**
 * The secrets of one deployment. Configured (TAIZHANG_COMMAND_KEYS, TAIZHANG_PAYLOAD_KEYS, TAIZHANG_DATA_KEY_WRAP_KEY)
 * or, for the embedded stack, generated once into DATA_DIR/keys/ (0600, created atomically so processes starting
 * together agree). Lists rotate: the first key signs or encrypts, every key listed verifies or decrypts, so an old key
 * stays listed while histories or payloads made with it are still read.
 */
export interface KeyRing {
  /** HMAC-SHA256 keys of command metadata, shared only by API and worker. */
  commandKeys: Buffer[];
  /** AES-256-GCM keys of the Temporal payload codec. */
  payloadKeys: Buffer[];
  /** Wraps the per-customer data keys at rest. */
  dataKeyWrap: Buffer;
}

type KeyConfig = Pick<Config, 'TAIZHANG_COMMAND_KEYS' | 'TAIZHANG_PAYLOAD_KEYS' | 'TAIZHANG_DATA_KEY_WRAP_KEY' | 'keysDir'>;

function list(variable: string, text: string | undefined, file: string): Buffer[] {
  const entries = text ? text.split(',').map((s) => s.trim()).filter(Boolean) : [secretFromFile(file)];
  if (entries.length === 0) throw new ConfigError(variable, 'must list at least one key');
  return entries.map((e, i) => {
    try {
      return parseKey(e, `key ${i + 1}`);
    } catch (err) {
      throw new ConfigError(text ? variable : file, (err as Error).message);
    }
  });
}

export function loadKeys(config: KeyConfig): KeyRing {
  return {
    commandKeys: list('TAIZHANG_COMMAND_KEYS', config.TAIZHANG_COMMAND_KEYS, path.join(config.keysDir, 'command-key')),
    payloadKeys: list('TAIZHANG_PAYLOAD_KEYS', config.TAIZHANG_PAYLOAD_KEYS, path.join(config.keysDir, 'payload-key')),
    dataKeyWrap: list('TAIZHANG_DATA_KEY_WRAP_KEY', config.TAIZHANG_DATA_KEY_WRAP_KEY, path.join(config.keysDir, 'wrap-key'))[0]!,
  };
}

/** The keys a data directory's embedded stack generated (DATA_DIR/keys), for tools that drive it from outside. */
export const localKeys = (dataDir: string): KeyRing => loadKeys({ keysDir: path.join(dataDir, 'keys') });
