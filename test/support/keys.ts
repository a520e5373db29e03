import { createHash, randomUUID } from 'node:crypto';
import { signCommand } from '../../src/domain/signature';
import type { KeyRing } from '../../src/config/keys';
import { encryptedDataConverter } from '../../src/support/codec';

/** Fixed keys of the test stacks: the test workflow bundle verifies with the command key the test gateways sign with. */
const key = (name: string) => createHash('sha256').update(`taizhang test key ${name}`).digest();

export const TEST_KEYS: KeyRing = { commandKeys: [key('command')], payloadKeys: [key('payload')], dataKeyWrap: key('wrap') };

/** The payload codec every test client and worker uses, as in production. */
export const testDataConverter = encryptedDataConverter(TEST_KEYS.payloadKeys);

/** The same keys as environment variables, for the worker and API processes a test spawns. */
export const testKeyEnv = (): Record<string, string> => ({
  TAIZHANG_COMMAND_KEYS: TEST_KEYS.commandKeys.map((k) => k.toString('base64')).join(','),
  TAIZHANG_PAYLOAD_KEYS: TEST_KEYS.payloadKeys.map((k) => k.toString('base64')).join(','),
  TAIZHANG_DATA_KEY_WRAP_KEY: TEST_KEYS.dataKeyWrap.toString('base64'),
});

/** An Update's argument signed as the API signs it, for tests that send one straight to a workflow. */
export function signedUpdate(workflowId: string, name: string, data: Record<string, unknown>, meta: { actor: string; role: string }): { args: [unknown]; updateId: string } {
  const updateId = randomUUID();
  return { updateId, args: [signCommand(TEST_KEYS.commandKeys[0]!, { workflowId, name, updateId, data, meta }, new Date().toISOString())] };
}
