import { existsSync } from 'node:fs';
import { createSchemaOnce, inLockedTransaction } from '../support/pg-schema';
import type Database from 'better-sqlite3';
import type pg from 'pg';
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

/**
 * The chain record as the recorder, verification, the API and the CLI use it: SQLite (DATA_DIR/audit.db) on a single
 * node, or PostgreSQL (tables `taizhang_chain_…` beside the events) for a cluster, where the recorder moves between
 * nodes with the chain lease. Methods may answer synchronously (SQLite) or not (PostgreSQL): callers await each.
 */
export interface AnchorStorePort {
  /** Records an anchor. Its hash is not checked here: `anchorChain` computes it. */
  record(anchor: Anchor): void | Promise<void>;
  /** Every anchor, oldest position first. */
  list(): Anchor[] | Promise<Anchor[]>;
  lastLink(): ChainLink | undefined | Promise<ChainLink | undefined>;
  /** Recorded links from a seq on, in order. */
  links(fromSeq: number, limit: number): ChainLink[] | Promise<ChainLink[]>;
  /** Appends links that must continue the recorded chain exactly ("chain record moved" otherwise). */
  appendLinks(links: readonly ChainLink[]): void | Promise<void>;
  close(): void | Promise<void>;
}

/** An anchor store, told from a list of anchors (verification takes either). */
export const isAnchorStore = (x: unknown): x is AnchorStorePort =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as AnchorStorePort).links === 'function' && typeof (x as AnchorStorePort).list === 'function';

function checkAnchor(anchor: Anchor): void {
  if (!ANCHOR_REASONS.includes(anchor.reason)) throw new Error(`unknown anchor reason ${anchor.reason}`);
  if (!/^[0-9a-f]{64}$/.test(anchor.hash)) throw new Error('an anchor hash is 64 lowercase hex digits');
}

const moved = (next: number, got: number) => new Error(`chain record moved: expected to append seq ${next}, got ${got}; record again`);

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
export class AnchorStore implements AnchorStorePort {
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
    checkAnchor(anchor);
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
        if (links[0]!.seq !== next) throw moved(next, links[0]!.seq);
        for (const l of links) insert.run(l.seq, l.position, Buffer.from(l.hash, 'hex'));
      })
      .immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const toLink = (r: LinkRow): ChainLink => ({ seq: r.seq, position: r.position, hash: r.hash.toString('hex') });

const PG_SCHEMA = `
CREATE TABLE IF NOT EXISTS taizhang_chain_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS taizhang_chain_links (
  seq      BIGINT PRIMARY KEY,
  position TEXT   NOT NULL,
  hash     BYTEA  NOT NULL
);
CREATE TABLE IF NOT EXISTS taizhang_chain_anchors (
  id          BIGSERIAL PRIMARY KEY,
  position    TEXT NOT NULL,
  hash        TEXT NOT NULL,
  anchored_at TEXT NOT NULL,
  reason      TEXT NOT NULL CHECK (reason IN ('monthly_close', 'on_demand'))
);
INSERT INTO taizhang_chain_meta (key, value) VALUES ('format', 'chain-v1') ON CONFLICT (key) DO NOTHING;
`;
/** Advisory locks (namespace 'taiz'; 1 and 2 are the event store's, 10–12 the leases', 20 the sent log's schema). */
const SCHEMA_LOCK = 21;
/** Held by each append from its check of the last link to its commit: two recorders never interleave. */
const APPEND_LOCK = 22;

/** `seq` travels as text (a BIGINT, no precision lost); beside that alias `ORDER BY seq` would sort text ('9' after '10'). */
interface PgLinkRow {
  seq: string;
  position: string;
  hash: Buffer;
}

/** The recorded chain and its anchors in PostgreSQL, beside the events: the same rows and rules as `AnchorStore`. */
export class PostgresAnchorStore implements AnchorStorePort {
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /** Read-only: the tables are not created (undefined when there are none: nothing was ever recorded). */
  static async open(url: string, options: { readonly?: boolean } = {}): Promise<PostgresAnchorStore | undefined> {
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({ connectionString: url, max: 2, application_name: 'taizhang-chain', keepAlive: true });
    // An idle connection that breaks is dropped by the pool; the next query takes a new one.
    pool.on('error', () => undefined);
    try {
      if (options.readonly) {
        const r = await pool.query<{ t: string | null }>("SELECT to_regclass('taizhang_chain_links')::text AS t");
        if (!r.rows[0]?.t) {
          await pool.end();
          return undefined;
        }
      } else {
        await createSchemaOnce(pool, SCHEMA_LOCK, PG_SCHEMA);
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresAnchorStore(pool);
  }

  async record(anchor: Anchor): Promise<void> {
    checkAnchor(anchor);
    await this.pool.query('INSERT INTO taizhang_chain_anchors (position, hash, anchored_at, reason) VALUES ($1, $2, $3, $4)', [anchor.position, anchor.hash, anchor.anchoredAt, anchor.reason]);
  }

  async list(): Promise<Anchor[]> {
    const r = await this.pool.query<{ position: string; hash: string; anchored_at: string; reason: AnchorReason }>('SELECT position, hash, anchored_at, reason FROM taizhang_chain_anchors ORDER BY id');
    return r.rows.map((row) => ({ position: row.position, hash: row.hash, anchoredAt: row.anchored_at, reason: row.reason })).sort((a, b) => comparePositions(a.position, b.position));
  }

  async lastLink(): Promise<ChainLink | undefined> {
    return lastPgLink(this.pool);
  }

  async links(fromSeq: number, limit: number): Promise<ChainLink[]> {
    const r = await this.pool.query<PgLinkRow>('SELECT seq::text AS seq, position, hash FROM taizhang_chain_links WHERE seq >= $1 ORDER BY taizhang_chain_links.seq LIMIT $2', [fromSeq, limit]);
    return r.rows.map(toPgLink);
  }

  /** One transaction under APPEND_LOCK: the last link is read and the batch inserted with no other append between. */
  async appendLinks(links: readonly ChainLink[]): Promise<void> {
    if (links.length === 0) return;
    await inLockedTransaction(this.pool, APPEND_LOCK, async (client) => {
      const next = ((await lastPgLink(client))?.seq ?? -1) + 1;
      if (links[0]!.seq !== next) throw moved(next, links[0]!.seq);
      await client.query('INSERT INTO taizhang_chain_links (seq, position, hash) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])', [
        links.map((l) => l.seq),
        links.map((l) => l.position),
        links.map((l) => Buffer.from(l.hash, 'hex')),
      ]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

async function lastPgLink(db: pg.Pool | pg.PoolClient): Promise<ChainLink | undefined> {
  const r = await db.query<PgLinkRow>('SELECT seq::text AS seq, position, hash FROM taizhang_chain_links ORDER BY taizhang_chain_links.seq DESC LIMIT 1');
  return r.rows[0] && toPgLink(r.rows[0]);
}

const toPgLink = (r: PgLinkRow): ChainLink => ({ seq: Number(r.seq), position: r.position, hash: r.hash.toString('hex') });

/** Where the chain record is: PostgreSQL beside a PostgreSQL event store (a cluster), else the SQLite audit database. */
export interface AnchorStoreLocation {
  EVENTSTORE_URL?: string | undefined;
  auditDbPath: string;
}

/**
 * Opens the chain record the configuration names. Read-only, it is undefined when nothing was ever recorded (no
 * audit.db, no tables), so that verification checks the store alone.
 */
export function openAnchorStore(config: AnchorStoreLocation, options: { readonly: true }): Promise<AnchorStorePort | undefined>;
export function openAnchorStore(config: AnchorStoreLocation, options?: { readonly?: false }): Promise<AnchorStorePort>;
export function openAnchorStore(config: AnchorStoreLocation, options: { readonly?: boolean }): Promise<AnchorStorePort | undefined>;
export async function openAnchorStore(config: AnchorStoreLocation, options: { readonly?: boolean } = {}): Promise<AnchorStorePort | undefined> {
  const url = config.EVENTSTORE_URL;
  if (url && /^postgres(ql)?:\/\//i.test(url)) return PostgresAnchorStore.open(url, options);
  if (options.readonly && !existsSync(config.auditDbPath)) return undefined;
  return new AnchorStore(config.auditDbPath, options);
}
