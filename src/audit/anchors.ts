import type Database from 'better-sqlite3';
import { comparePositions } from '../events/envelope';
import { openSqlite } from '../support/sqlite';

/** The recorded hash chain (its links) and its anchors, in the audit database (DATA_DIR/audit.db). See hashing.ts. */

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

/** The recorded link at one event; `seq` is its 0-based index in `$all`. */
export interface ChainLink {
  seq: number;
  position: string;
  hash: string;
}

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
    this.db = openSqlite(file, { readonly: options.readonly ?? false });
    if (!options.readonly) this.db.exec(SCHEMA);
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
