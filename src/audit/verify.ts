import { comparePositions, START } from '../events/envelope';
import type { EventStore } from '../events/store/port';
import { isAnchorStore, type Anchor, type AnchorStorePort, type ChainLink } from './anchors';
import { GENESIS, linkHash, type ChainHead } from './hashing';

/** Verification of the hash chain against the store: recomputed from GENESIS, compared link by link and with every anchor. */

export type ChainBreakReason =
  /** The event at this position is not the one recorded: its content changed. */
  | 'altered'
  /** The recorded event at this position is no longer in the store. */
  | 'missing'
  /** The store has an event at this position that the recorded chain never had. */
  | 'inserted'
  /** The store cannot even parse the event at this position. */
  | 'unreadable'
  /** The recomputed head at an anchor's position differs from the anchor. */
  | 'anchor_mismatch'
  /** An anchor names a position that is no longer in the store. */
  | 'anchor_missing';

export interface ChainBreak {
  position: string;
  reason: ChainBreakReason;
  /** One sentence for the report. */
  detail: string;
  expectedHash?: string;
  computedHash?: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Events read from the store. */
  events: number;
  /** The recomputed head over everything read. */
  head: ChainHead;
  firstBreak?: ChainBreak;
  /** Recorded links compared (up to the first break). */
  linksChecked: number;
  anchorsChecked: number;
  /** Events after the last recorded link: not yet covered by the record. */
  unrecorded: number;
}

export interface VerifyChainOptions {
  /** The audit database (its links and anchors are checked), or anchors alone. */
  anchors?: AnchorStorePort | readonly Anchor[] | undefined;
  /** Anchors kept elsewhere (the hash printed on a close report), checked as well. */
  extraAnchors?: readonly Anchor[];
  onProgress?: (p: { events: number; position: string }) => void;
}

/** Reads recorded links in pages, so verification of millions of events stays in constant memory. */
class LinkCursor {
  private page: ChainLink[] = [];
  private i = 0;
  private nextSeq = 0;
  private exhausted = false;

  constructor(private readonly audit: AnchorStorePort | undefined) {
    if (!audit) this.exhausted = true;
  }

  async peek(): Promise<ChainLink | undefined> {
    if (this.i >= this.page.length && !this.exhausted) {
      this.page = await this.audit!.links(this.nextSeq, 5000);
      this.i = 0;
      if (this.page.length === 0) this.exhausted = true;
      else this.nextSeq = this.page[this.page.length - 1]!.seq + 1;
    }
    return this.page[this.i];
  }

  advance(): void {
    this.i++;
  }
}

/**
 * Recomputes the chain from GENESIS over `$all` and compares it with the recorded links and every anchor. Reports the
 * first break; reading continues to the head so that `events` and `head` describe the whole store.
 */
export async function verifyChain(store: EventStore, options: VerifyChainOptions = {}): Promise<ChainVerification> {
  const audit = isAnchorStore(options.anchors) ? options.anchors : undefined;
  const anchors = [...(audit ? await audit.list() : (options.anchors as readonly Anchor[] | undefined) ?? []), ...(options.extraAnchors ?? [])].sort((a, b) =>
    comparePositions(a.position, b.position),
  );
  const links = new LinkCursor(audit);
  let firstBreak: ChainBreak | undefined;
  let hash = GENESIS;
  let position = START;
  let events = 0;
  let linksChecked = 0;
  let anchorsChecked = 0;
  let unrecorded = 0;
  let a = 0;
  const fail = (b: ChainBreak) => (firstBreak ??= b);

  // Anchors at or before a position that has now been passed.
  const checkAnchorsUpTo = (pos: string, headHash: string, eventAtPos: boolean) => {
    while (a < anchors.length && comparePositions(anchors[a]!.position, pos) <= 0) {
      const an = anchors[a++]!;
      anchorsChecked++;
      if (comparePositions(an.position, pos) === 0 && (eventAtPos || pos === START)) {
        if (an.hash !== headHash)
          fail({
            position: pos,
            reason: 'anchor_mismatch',
            detail: `the chain head at position ${pos} differs from the anchor of ${an.anchoredAt} (${an.reason}): an event at or before it was changed`,
            expectedHash: an.hash,
            computedHash: headHash,
          });
      } else {
        fail({ position: an.position, reason: 'anchor_missing', detail: `the anchor of ${an.anchoredAt} names position ${an.position}, which is no longer in the store` });
      }
    }
  };

  checkAnchorsUpTo(START, GENESIS, false);
  try {
    for await (const e of store.readAll()) {
      hash = linkHash(hash, e);
      position = e.position;
      events++;
      if (!firstBreak) {
        const link = await links.peek();
        if (!link) unrecorded++;
        else if (link.position === e.position) {
          linksChecked++;
          links.advance();
          if (link.hash !== hash)
            fail({
              position: e.position,
              reason: 'altered',
              detail: `event ${e.id} at position ${e.position} (${e.streamName}@${e.revision}) is not the event recorded there`,
              expectedHash: link.hash,
              computedHash: hash,
            });
        } else if (comparePositions(e.position, link.position) < 0) {
          fail({ position: e.position, reason: 'inserted', detail: `event ${e.id} at position ${e.position} was never recorded in the chain` });
        } else {
          fail({ position: link.position, reason: 'missing', detail: `the event recorded at position ${link.position} is no longer in the store` });
        }
        checkAnchorsUpTo(e.position, hash, true);
      } else if (!(await links.peek())) unrecorded++;
      if (events % 10_000 === 0) options.onProgress?.({ events, position });
    }
  } catch (err) {
    const bad = await store.firstUnreadableAfter?.(position);
    if (!bad) throw err;
    fail({ position: bad, reason: 'unreadable', detail: `the event at position ${bad} cannot be parsed: ${(err as Error).message}` });
    return { ok: false, events, head: { position, hash }, firstBreak: firstBreak!, linksChecked, anchorsChecked, unrecorded };
  }
  // Recorded events past the end of the store: the tail was cut off.
  const leftover = await links.peek();
  if (leftover) fail({ position: leftover.position, reason: 'missing', detail: `the event recorded at position ${leftover.position} is no longer in the store` });
  // Anchors past the end of the store: the tail was cut off.
  if (!firstBreak && a < anchors.length) checkAnchorsUpTo(anchors[anchors.length - 1]!.position, hash, false);
  options.onProgress?.({ events, position });
  return { ok: firstBreak === undefined, events, head: { position, hash }, ...(firstBreak ? { firstBreak } : {}), linksChecked, anchorsChecked, unrecorded };
}
