import { createHash } from 'node:crypto';

/**
 * Deterministic event id: a name-based UUID (RFC 9562 version 8, SHA-256) of the writing workflow run, the stream and
 * the revision the event takes. An activity retry in the same run computes the same ids, so the store recognises the
 * events it already holds and appends nothing twice. Another run deciding anew at the same revision (a new run of a
 * reused id, a reset) gets other ids, so it meets the concurrency check instead of passing for a retry.
 */
export function deterministicEventId(workflowId: string, runId: string, stream: string, revision: number): string {
  const h = createHash('sha256').update(`taizhang-event\u0000${workflowId}\u0000${runId}\u0000${stream}\u0000${revision}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
