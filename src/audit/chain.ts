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
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { comparePositions, START, type RecordedEvent } from '../events/envelope';
import type { EventStore } from '../events/store/port';
import { SqliteEventStore } from '../events/store/sqlite';

/** The link before the first event (chain format v1). */
export const GENESIS = '0'.repeat(64);

export type AnchorReason = 'monthly_close' | 'on_demand';
export const ANCHOR_REASONS: readonly AnchorReason[] = ['monthly_close', 'on_demand'];

/** The chain head recorded at a moment. `position` '0' with GENESIS is the empty store. */
export interface Anchor {
  position: string;
  hash: string;
  anchoredAt: string;
  reason: AnchorReason;
}

/** The recorded link at one event; `seq` is its 0-based index in `$all`. */
export interface ChainLink {
  seq: number;
  position: string;
  hash: string;
}

export interface ChainHead {
  /** Position of the last event covered ('0' when none). */
  position: string;
  hash: string;
}

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

// ── canonical form and links ───────────────────────────────────────────────────────────────

/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785), no whitespace, `undefined` members dropped.
 * Strings are emitted by JSON.stringify: non-ASCII as literal characters (hashed as UTF-8), lone surrogates escaped,
 * so the output is the same on every machine. No Unicode normalisation: NFC and NFD spellings are different records.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'object': {
      const v = value as { toJSON?: () => unknown };
      if (typeof v.toJSON === 'function') return canonicalJson(v.toJSON());
      if (Array.isArray(value)) return `[${value.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
      const entries = Object.keys(value as object)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not representable in JSON`);
  }
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

// ── the audit database ─────────────────────────────────────────────────────────────────────

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chain_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chain_links (
  seq      INTEGER PRIMARY KEY,
  position TEXT    NOT NULL,
  hash     BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS chain_anchors (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  position    TEXT NOT NULL,
  hash        TEXT NOT NULL,
  anchored_at TEXT NOT NULL,
  reason      TEXT NOT NULL CHECK (reason IN ('monthly_close', 'on_demand'))
);
INSERT OR IGNORE INTO chain_meta (key, value) VALUES ('format', 'chain-v1');
`;

interface LinkRow {
  seq: number;
  position: string;
  hash: Buffer;
}

/** The recorded chain and its anchors, in one SQLite file (DATA_DIR/audit.db). One writer at a time. */
export class AnchorStore {
  readonly db: Database.Database;

  constructor(
    readonly file: string,
    options: { readonly?: boolean } = {},
  ) {
    if (file !== ':memory:' && !options.readonly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    this.db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.exec(SCHEMA);
    }
  }

  /** Records an anchor. Its hash is not checked here: `anchorChain` computes it. */
  record(anchor: Anchor): void {
    if (!ANCHOR_REASONS.includes(anchor.reason)) throw new Error(`unknown anchor reason ${anchor.reason}`);
    if (!/^[0-9a-f]{64}$/.test(anchor.hash)) throw new Error('an anchor hash is 64 lowercase hex digits');
    this.db
      .prepare('INSERT INTO chain_anchors (position, hash, anchored_at, reason) VALUES (?, ?, ?, ?)')
      .run(anchor.position, anchor.hash, anchor.anchoredAt, anchor.reason);
  }

  /** Every anchor, oldest position first. */
  list(): Anchor[] {
    const rows = this.db.prepare('SELECT position, hash, anchored_at, reason FROM chain_anchors ORDER BY id').all() as Array<{
      position: string;
      hash: string;
      anchored_at: string;
      reason: AnchorReason;
    }>;
    return rows
      .map((r) => ({ position: r.position, hash: r.hash, anchoredAt: r.anchored_at, reason: r.reason }))
      .sort((a, b) => comparePositions(a.position, b.position));
  }

  lastLink(): ChainLink | undefined {
    const r = this.db.prepare('SELECT seq, position, hash FROM chain_links ORDER BY seq DESC LIMIT 1').get() as LinkRow | undefined;
    return r && toLink(r);
  }

  /** Recorded links from a seq on, in order. */
  links(fromSeq: number, limit: number): ChainLink[] {
    return (this.db.prepare('SELECT seq, position, hash FROM chain_links WHERE seq >= ? ORDER BY seq LIMIT ?').all(fromSeq, limit) as LinkRow[]).map(toLink);
  }

  /** Appends links that must continue the recorded chain exactly (another recorder got there first otherwise). */
  appendLinks(links: readonly ChainLink[]): void {
    if (links.length === 0) return;
    const insert = this.db.prepare('INSERT INTO chain_links (seq, position, hash) VALUES (?, ?, ?)');
    this.db
      .transaction(() => {
        const next = (this.lastLink()?.seq ?? -1) + 1;
        if (links[0]!.seq !== next) throw new Error(`chain record moved: expected to append seq ${next}, got ${links[0]!.seq}; record again`);
        for (const l of links) insert.run(l.seq, l.position, Buffer.from(l.hash, 'hex'));
      })
      .immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const toLink = (r: LinkRow): ChainLink => ({ seq: r.seq, position: r.position, hash: r.hash.toString('hex') });

// ── recording and anchoring ────────────────────────────────────────────────────────────────

const BATCH = 1000;

/**
 * Extends the recorded chain from its last link to the store head (or `upToPosition`). The recorded last link is
 * trusted: events it covers are not re-read here (`verifyChain` checks them).
 */
export async function recordChain(store: EventStore, audit: AnchorStore, options: { upToPosition?: string } = {}): Promise<ChainHead & { added: number; events: number }> {
  const last = audit.lastLink();
  let hash = last?.hash ?? GENESIS;
  let position = last?.position ?? START;
  let seq = last ? last.seq + 1 : 0;
  let added = 0;
  let pending: ChainLink[] = [];
  for await (const e of store.readAll({ fromPosition: position })) {
    if (options.upToPosition !== undefined && comparePositions(e.position, options.upToPosition) > 0) break;
    hash = linkHash(hash, e);
    position = e.position;
    pending.push({ seq: seq++, position, hash });
    if (pending.length >= BATCH) {
      audit.appendLinks(pending);
      added += pending.length;
      pending = [];
    }
  }
  audit.appendLinks(pending);
  added += pending.length;
  return { position, hash, added, events: seq };
}

/** Records the chain up to the head and anchors the head: what `audit anchor` and the monthly close do. */
export async function anchorChain(
  store: EventStore,
  audit: AnchorStore,
  options: { reason: AnchorReason; upToPosition?: string; now?: () => Date },
): Promise<Anchor> {
  const head = await recordChain(store, audit, options.upToPosition === undefined ? {} : { upToPosition: options.upToPosition });
  const anchor: Anchor = { position: head.position, hash: head.hash, anchoredAt: (options.now?.() ?? new Date()).toISOString(), reason: options.reason };
  audit.record(anchor);
  return anchor;
}

// ── verification ───────────────────────────────────────────────────────────────────────────

export interface VerifyChainOptions {
  /** The audit database (its links and anchors are checked), or anchors alone. */
  anchors?: AnchorStore | readonly Anchor[];
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

  constructor(private readonly audit: AnchorStore | undefined) {
    if (!audit) this.exhausted = true;
  }

  peek(): ChainLink | undefined {
    if (this.i >= this.page.length && !this.exhausted) {
      this.page = this.audit!.links(this.nextSeq, 5000);
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
  const audit = options.anchors instanceof AnchorStore ? options.anchors : undefined;
  const anchors = [...(audit ? audit.list() : (options.anchors as readonly Anchor[] | undefined) ?? []), ...(options.extraAnchors ?? [])].sort((a, b) =>
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
        const link = links.peek();
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
      } else if (!links.peek()) unrecorded++;
      if (events % 10_000 === 0) options.onProgress?.({ events, position });
    }
  } catch (err) {
    const bad = unreadableAfter(store, position);
    if (!bad) throw err;
    fail({ position: bad, reason: 'unreadable', detail: `the event at position ${bad} cannot be parsed: ${(err as Error).message}` });
    return { ok: false, events, head: { position, hash }, firstBreak: firstBreak!, linksChecked, anchorsChecked, unrecorded };
  }
  // Recorded events past the end of the store: the tail was cut off.
  const leftover = links.peek();
  if (leftover) fail({ position: leftover.position, reason: 'missing', detail: `the event recorded at position ${leftover.position} is no longer in the store` });
  // Anchors past the end of the store: the tail was cut off.
  if (!firstBreak && a < anchors.length) checkAnchorsUpTo(anchors[anchors.length - 1]!.position, hash, false);
  options.onProgress?.({ events, position });
  return { ok: firstBreak === undefined, events, head: { position, hash }, ...(firstBreak ? { firstBreak } : {}), linksChecked, anchorsChecked, unrecorded };
}

/** For the SQLite store: the first stored event after `after` whose JSON no longer parses (a byte hit a delimiter). */
function unreadableAfter(store: EventStore, after: string): string | undefined {
  if (!(store instanceof SqliteEventStore) || !store.db.open) return undefined;
  const rows = store.db.prepare('SELECT position, data, metadata FROM events WHERE position > ? ORDER BY position').iterate(Number(after)) as IterableIterator<{
    position: number;
    data: string;
    metadata: string;
  }>;
  for (const r of rows) {
    try {
      JSON.parse(r.data);
      JSON.parse(r.metadata);
    } catch {
      rows.return?.();
      return String(r.position);
    }
  }
  return undefined;
}
