import { keyBytes } from '../../domain/signature';

/**
 * The keys that sign commands (hex), put into the workflow bundle by the worker that builds it (see
 * src/config/bundle.ts and bundle/command-keys-loader.cjs): they live in the worker's memory only, never in a
 * workflow's input or history. A bundle built without keys accepts no command from outside.
 */
export const COMMAND_KEYS: readonly string[] = [];

let bytes: Uint8Array[] | undefined;
export const commandKeys = (): readonly Uint8Array[] => (bytes ??= COMMAND_KEYS.map(keyBytes));
