/**
 * Tamper evidence for the event store: a hash chain over the global order (`$all`).
 *
 *   link(0) = GENESIS
 *   link(k) = sha256( link(k-1) ‖ canonicalJson({ position, streamName, revision, id, type, data, metadata, recordedAt }) )
 *
 * The adapters stay plain append-only stores that know nothing of the chain; the chain is *recorded* next to them, in
 * a small audit database the caller names (DATA_DIR/audit.db), by an `AnchorStore`:
 *
 * - `chain_links`: the link at every event (seq, position, 32-byte hash; about 70 bytes an event). `recordChain`
 *   extends it from its last link to the store head. `verifyChain` recomputes the chain from GENESIS and compares it
 *   link by link, so an edit of even one byte of one stored event is named exactly: the first position whose link
 *   differs. A deleted event (a recorded position that is gone), an inserted one (a position the record never had)
 *   and a truncated tail are named the same way. No binary search is needed: verification reads `$all` once anyway.
 * - `chain_anchors`: the chain head at a moment, `monthly_close` (the 25th cutoff) or `on_demand`. An anchor is one
 *   hash that can leave the machine (printed on the close report, mailed to finance). Someone who edits an event and
 *   then re-chains every later link in audit.db defeats the links but not an anchor kept elsewhere: pass those as
 *   `extraAnchors`. The break is then reported at the first anchor that no longer matches (the edit lies at or before
 *   it, after the previous anchor that still matches).
 *
 * Limits, by design: an edit made before an event was first recorded cannot be seen (record often: the projector
 * process can call `recordChain` after its batches); events after the last link are reported as `unrecorded`, not as
 * a failure. Links cover the event as the store returns it (parsed JSON in canonical form), not the stored bytes: a
 * change that alters nothing a reader can see (JSON whitespace) is not a change of the record, and personal data
 * encrypted per customer is hashed as ciphertext, so crypto-shredding a key leaves the chain verifiable.
 */
import { createHash } from 'node:crypto';
import { comparePositions, START, type RecordedEvent } from '../events/envelope';
import type { EventStore } from '../events/store/port';
import { canonicalJson } from '../domain/canonical';

export { canonicalJson };

/** The link before the first event (chain format v1). */
export const GENESIS = '0'.repeat(64);

export interface ChainHead {
  /** Position of the last event covered ('0' when none). */
  position: string;
  hash: string;
}

/** The link after `previousHash` for one recorded event (hex sha256). */
export function linkHash(previousHash: string, event: RecordedEvent): string {
  const { position, streamName, revision, id, type, data, metadata, recordedAt } = event;
  return createHash('sha256')
    .update(previousHash)
    .update(canonicalJson({ position, streamName, revision, id, type, data, metadata, recordedAt }))
    .digest('hex');
}

/** Recomputes the chain from GENESIS up to (and including) a position, or to the store head. */
export async function computeChainHead(store: EventStore, upToPosition?: string): Promise<ChainHead & { events: number }> {
  let hash = GENESIS;
  let position = START;
  let events = 0;
  for await (const e of store.readAll()) {
    if (upToPosition !== undefined && comparePositions(e.position, upToPosition) > 0) break;
    hash = linkHash(hash, e);
    position = e.position;
    events++;
  }
  return { position, hash, events };
}
