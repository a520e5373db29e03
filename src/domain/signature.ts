import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { canonicalJson } from './canonical';

/**
 * Signed commands. Whoever reaches Temporal's frontend can send an Update with any actor and role it likes; the
 * workflows therefore accept a command only with metadata signed (HMAC-SHA256) by a key that only the API and the
 * worker hold. The signature covers the whole command as the workflow receives it: the workflow, the Update's name
 * and id, the data and the metadata with its signing time, so an altered actor, a command moved to another workflow
 * or replayed under a new Update id no longer verifies, and an old one is refused after SIGNATURE_MAX_AGE_MS.
 * Pure code (no Node built-ins): workflows verify in their Update validators, before history records the command.
 */

/** A signed command older than this (or this far ahead of the workflow clock) is refused. */
export const SIGNATURE_MAX_AGE_MS = 10 * 60_000;
const MAX_AHEAD_MS = 2 * 60_000;

export interface SignedCommand {
  workflowId: string;
  /** The Update (or start command) name. */
  name: string;
  /** The Update id, or the workflow id for a start's initial command. */
  updateId: string;
  data: unknown;
  /** actor, role, reason, correlationId, at: everything but the signature itself. */
  meta: Record<string, unknown>;
}

const message = (c: SignedCommand): Uint8Array => {
  const { sig: _, ...meta } = c.meta;
  return utf8ToBytes(canonicalJson({ v: 1, workflowId: c.workflowId, name: c.name, updateId: c.updateId, data: c.data, meta }));
};

export const keyBytes = (hex: string): Uint8Array => hexToBytes(hex);

/** The signature (hex) of a command, with the first key of a ring. */
export function signatureOf(key: Uint8Array, c: SignedCommand): string {
  return bytesToHex(hmac(sha256, key, message(c)));
}

function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * A command as it is sent, signed: its data as JSON carries it (what the workflow will verify), its metadata with the
 * signing time `at` and the signature. Used by the API's gateway and the worker's start activity alike.
 */
export function signCommand(key: Uint8Array, c: Omit<SignedCommand, 'meta'> & { meta: object }, at: string): { data: unknown; meta: Record<string, unknown> } {
  const data = JSON.parse(JSON.stringify(c.data ?? {})) as unknown;
  const meta = { ...(c.meta as Record<string, unknown>), at };
  return { data, meta: { ...meta, sig: signatureOf(key, { ...c, data, meta }) } };
}

/** True when the command's `meta.sig` is the signature of one of `keys`. */
function signedByOneOf(keys: readonly Uint8Array[], c: SignedCommand, sig: string): boolean {
  const expected = message(c);
  return keys.some((k) => sameHex(bytesToHex(hmac(sha256, k, expected)), sig));
}

export type SignatureProblem = 'unsigned' | 'bad_signature' | 'expired' | 'system_from_outside';

/**
 * Why a command from outside the worker may not run, or undefined when it may: signed by one of `keys`, signed at
 * most SIGNATURE_MAX_AGE_MS before `nowMs`, and not claiming to be the engine itself.
 */
export function signatureProblem(keys: readonly Uint8Array[], c: SignedCommand, nowMs: number): SignatureProblem | undefined {
  if (c.meta.role === 'system') return 'system_from_outside';
  const sig = c.meta.sig;
  const at = c.meta.at;
  if (typeof sig !== 'string' || typeof at !== 'string') return 'unsigned';
  if (!signedByOneOf(keys, c, sig)) return 'bad_signature';
  const age = nowMs - Date.parse(at);
  if (!(age <= SIGNATURE_MAX_AGE_MS && age >= -MAX_AHEAD_MS)) return 'expired';
  return undefined;
}

export const SIGNATURE_RULES: Record<SignatureProblem, string> = {
  unsigned: 'must be signed by the API (meta.at and meta.sig); commands reach workflows only through the API',
  bad_signature: 'does not match its signature: the command was altered, moved or signed with an unknown key',
  expired: `was signed more than ${SIGNATURE_MAX_AGE_MS / 60_000} minutes from now; send the command again`,
  system_from_outside: 'may not be system: only the engine itself acts as system',
};

/**
 * Why the creating command a worker started a process with (`initial`, signed by the worker's start activity with
 * `signatureOf`, name `initial:<action>`, Update id the workflow id) is not the worker's, or undefined when it is. It
 * may act as system; it has no age limit, since a start may wait for a worker for as long as an outage lasts.
 */
export function engineSealProblem(keys: readonly Uint8Array[], c: SignedCommand): Exclude<SignatureProblem, 'expired' | 'system_from_outside'> | undefined {
  const sig = c.meta.sig;
  if (typeof sig !== 'string' || typeof c.meta.at !== 'string') return 'unsigned';
  return signedByOneOf(keys, c, sig) ? undefined : 'bad_signature';
}

/** The signed command of a started process's `initial`. */
export const initialCommand = (workflowId: string, initial: { action: string; data: unknown; meta: Record<string, unknown> }): SignedCommand => ({
  workflowId,
  name: `initial:${initial.action}`,
  updateId: workflowId,
  data: initial.data,
  meta: initial.meta,
});

/**
 * The input a survey cycle's Temporal Schedule starts its workflow with, sealed by the API that made the schedule:
 * the workflow opens a round as system only for a sealed input. (Schedules suffix the workflow id with the fire time,
 * so the seal covers the cycle's own name instead.)
 */
export const cycleInputCommand = (input: { segment: string; every: string; plan?: string; sig?: string }): SignedCommand => ({
  workflowId: `survey-cycle-${input.segment}`,
  name: 'surveyCycle',
  updateId: `survey-cycle-${input.segment}`,
  data: { segment: input.segment, every: input.every, plan: input.plan ?? null },
  meta: { actor: 'taizhang', role: 'system', at: 'schedule', ...(input.sig ? { sig: input.sig } : {}) },
});
