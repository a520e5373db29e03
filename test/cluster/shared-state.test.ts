import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { NotificationDispatcher, openSentLog, PostgresSentLog, RecipientResolver, SentLog, type Notifier, type SentLogPort } from '../../src/activities/notify';
import { AnchorStore, openAnchorStore, PostgresAnchorStore, type AnchorStorePort, type ChainLink } from '../../src/audit/anchors';
import { GENESIS } from '../../src/audit/hashing';
import { recordChain } from '../../src/audit/recorder';
import { verifyChain } from '../../src/audit/verify';
import { loadConfig } from '../../src/config/config';
import { startProjector } from '../../src/main/projector';
import { createPostgresEventStore } from '../../src/events/store/postgres';
import { PostgresLease, runExclusively } from '../../src/support/lease';
import { envelope } from '../support/events';
import { tempStore } from '../support/store';
import { customer } from '../audit/fixtures';
import { testResources } from '../support/postgres';

/*
 * The state of the cluster's single writers, the same contract whether it is kept in SQLite (one node) or PostgreSQL
 * (shared by the nodes): the outbox's sent log and the hash chain's record. Each test gets a fresh file or database,
 * and opens a second instance on it where another node (or process) would.
 */

const { database, cleanup } = testResources();

interface Backend {
  name: string;
  /** Where one test's state lives, and how to open it (again). */
  fresh(label: string): Promise<{ sentLog: () => Promise<SentLogPort>; anchors: (readonly?: boolean) => Promise<AnchorStorePort | undefined> }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  async fresh() {
    const dir = mkdtempSync(path.join(tmpdir(), 'taizhang-shared-'));
    cleanup(() => rmSync(dir, { recursive: true, force: true }));
    const location = { auditDbPath: path.join(dir, 'audit.db') };
    return {
      sentLog: () => openSentLog({ file: path.join(dir, 'notifications.db') }),
      anchors: (readonly = false) => openAnchorStore(location, { readonly }),
    };
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  async fresh(label) {
    const db = { url: await database(label) };
    const location = { EVENTSTORE_URL: db.url, auditDbPath: '/nonexistent/audit.db' };
    return {
      sentLog: () => openSentLog({ url: db.url, file: '/nonexistent/notifications.db' }),
      anchors: (readonly = false) => openAnchorStore(location, { readonly }),
    };
  },
};

const link = (seq: number): ChainLink => ({ seq, position: String(seq + 1), hash: (seq % 16).toString(16).repeat(64) });
const hex = (c: string) => c.repeat(64);

for (const backend of [sqlite, postgres]) {
  describe(`SentLog contract (${backend.name})`, () => {
    async function open(label: string) {
      const where = await backend.fresh(label);
      const opened = async () => {
        const log = await where.sentLog();
        cleanup(() => log.close());
        return log;
      };
      return { log: await opened(), another: opened };
    }

    it('opens on the right kind of store', async () => {
      const { log } = await open('sent_kind');
      expect(log).toBeInstanceOf(backend === sqlite ? SentLog : PostgresSentLog);
    });

    it('starts empty: checkpoint 0, nothing sent, begun or resent', async () => {
      const { log } = await open('sent_empty');
      expect(await log.checkpoint()).toBe('0');
      expect(await log.count()).toBe(0);
      expect(await log.interrupted()).toEqual([]);
      expect(await log.resent()).toEqual([]);
      expect(await log.stateOf('K1')).toBeUndefined();
      expect(await log.isDone('K1')).toBe(false);
    });

    it('a key begun is sending (interrupted, not done); marked sent it is done and counted', async () => {
      const { log } = await open('sent_begin');
      await log.begin('K1#1:role:supervisor', 'role:supervisor');
      expect(await log.stateOf('K1#1:role:supervisor')).toBe('sending');
      expect(await log.isDone('K1#1:role:supervisor')).toBe(false);
      expect(await log.interrupted()).toEqual(['K1#1:role:supervisor']);
      await log.markSent('K1#1:role:supervisor', 'webhook', 'role:supervisor', 2);
      expect(await log.stateOf('K1#1:role:supervisor')).toBe('sent');
      expect(await log.isDone('K1#1:role:supervisor')).toBe(true);
      expect(await log.interrupted()).toEqual([]);
      expect(await log.count()).toBe(1);
      expect(await log.resent()).toEqual([]);
    });

    it('a send cut off by a crash and begun again counts as resent', async () => {
      const { log } = await open('sent_resent');
      await log.begin('K2', 'role:manager');
      await log.begin('K2', 'role:manager'); // the restarted dispatcher sends it again
      await log.markSent('K2', 'smtp', 'role:manager', 1);
      await log.markSent('K3', 'smtp', 'role:manager', 1);
      expect(await log.resent()).toEqual(['K2']);
      expect(await log.count()).toBe(2);
    });

    it('abandon takes back one failed attempt; with none left the key is forgotten (it may be retried)', async () => {
      const { log } = await open('sent_abandon');
      await log.begin('K4', 'actor:u1');
      await log.begin('K4', 'actor:u1');
      await log.abandon('K4');
      expect(await log.stateOf('K4')).toBe('sending');
      expect(await log.resent()).toEqual([]);
      await log.abandon('K4');
      expect(await log.stateOf('K4')).toBeUndefined();
      // A key already sent is not touched by a late abandon.
      await log.markSent('K5', 'log', 'actor:u1', 0);
      await log.abandon('K5');
      expect(await log.isDone('K5')).toBe(true);
    });

    it('the checkpoint is kept and moved; another instance on the same store sees all of it', async () => {
      const { log, another } = await open('sent_shared');
      await log.setCheckpoint('42');
      expect(await log.checkpoint()).toBe('42');
      await log.setCheckpoint('57');
      await log.markSent('K6', 'webhook', 'role:supervisor', 1);
      await log.begin('K7', 'role:supervisor');
      const other = await another();
      expect(await other.checkpoint()).toBe('57');
      expect(await other.isDone('K6')).toBe(true);
      expect(await other.interrupted()).toEqual(['K7']);
    });

    it('close twice is harmless', async () => {
      const { log } = await open('sent_close');
      await log.close();
      await log.close();
    });
  });

  describe(`AnchorStore contract (${backend.name})`, () => {
    async function open(label: string) {
      const where = await backend.fresh(label);
      const opened = async (readonly = false) => {
        const store = await where.anchors(readonly);
        if (store) cleanup(() => store.close());
        return store;
      };
      return { audit: (await opened())!, another: opened };
    }

    it('opens on the right kind of store; read-only with nothing recorded it is absent', async () => {
      const where = await backend.fresh('anchors_kind');
      expect(await where.anchors(true)).toBeUndefined();
      const audit = (await where.anchors())!;
      cleanup(() => audit.close());
      expect(audit).toBeInstanceOf(backend === sqlite ? AnchorStore : PostgresAnchorStore);
      expect(await audit.lastLink()).toBeUndefined();
      expect(await audit.links(0, 10)).toEqual([]);
      expect(await audit.list()).toEqual([]);
      const ro = (await where.anchors(true))!;
      cleanup(() => ro.close());
      expect(await ro.links(0, 10)).toEqual([]);
    });

    it('appends links that continue the chain and reads them back in pages', async () => {
      const { audit, another } = await open('anchors_links');
      await audit.appendLinks([]);
      await audit.appendLinks([link(0), link(1), link(2)]);
      await audit.appendLinks([link(3)]);
      expect(await audit.lastLink()).toEqual(link(3));
      expect(await audit.links(1, 2)).toEqual([link(1), link(2)]);
      expect(await audit.links(3, 100)).toEqual([link(3)]);
      expect(await audit.links(4, 100)).toEqual([]);
      const ro = (await another(true))!;
      expect(await ro.links(0, 100)).toEqual([link(0), link(1), link(2), link(3)]);
      // Past seq 9 the order is still numeric.
      await audit.appendLinks(Array.from({ length: 10 }, (_, i) => link(4 + i)));
      expect(await audit.lastLink()).toEqual(link(13));
      expect((await ro.links(8, 4)).map((l) => l.seq)).toEqual([8, 9, 10, 11]);
    });

    it('refuses links that do not continue the record exactly: "chain record moved", nothing appended', async () => {
      const { audit } = await open('anchors_moved');
      await audit.appendLinks([link(0), link(1)]);
      await expect(Promise.resolve().then(() => audit.appendLinks([link(3), link(4)]))).rejects.toThrow('chain record moved: expected to append seq 2, got 3; record again');
      await expect(Promise.resolve().then(() => audit.appendLinks([link(0)]))).rejects.toThrow('chain record moved: expected to append seq 2, got 0; record again');
      expect(await audit.lastLink()).toEqual(link(1));
    });

    it('two recorders appending the same next link: one wins, the other is told the record moved', async () => {
      const { audit, another } = await open('anchors_race');
      const other = (await another())!;
      await audit.appendLinks([link(0)]);
      const outcomes = await Promise.allSettled([
        Promise.resolve().then(() => audit.appendLinks([link(1), link(2)])),
        Promise.resolve().then(() => other.appendLinks([link(1), { ...link(2), hash: hex('f') }])),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect((refused.reason as Error).message).toMatch(/^chain record moved: expected to append seq 3, got 1/);
      expect((await audit.links(0, 10)).map((l) => l.seq)).toEqual([0, 1, 2]);
    });

    it('records anchors, lists them by position, and refuses a bad reason or hash', async () => {
      const { audit, another } = await open('anchors_record');
      await audit.record({ position: '10', hash: hex('a'), anchoredAt: '2026-09-25T10:00:00.000Z', reason: 'monthly_close' });
      await audit.record({ position: '5', hash: hex('b'), anchoredAt: '2026-09-26T10:00:00.000Z', reason: 'on_demand' });
      await expect(Promise.resolve().then(() => audit.record({ position: '11', hash: hex('c'), anchoredAt: '2026-09-27T00:00:00.000Z', reason: 'whim' as never }))).rejects.toThrow('unknown anchor reason whim');
      await expect(Promise.resolve().then(() => audit.record({ position: '11', hash: 'ABC', anchoredAt: '2026-09-27T00:00:00.000Z', reason: 'on_demand' }))).rejects.toThrow('an anchor hash is 64 lowercase hex digits');
      const expected = [
        { position: '5', hash: hex('b'), anchoredAt: '2026-09-26T10:00:00.000Z', reason: 'on_demand' },
        { position: '10', hash: hex('a'), anchoredAt: '2026-09-25T10:00:00.000Z', reason: 'monthly_close' },
      ];
      expect(await audit.list()).toEqual(expected);
      expect(await (await another(true))!.list()).toEqual(expected);
    });

    it('records the chain of a store, verifies against it, and two recorders on it leave one consistent chain', async () => {
      const { audit, another } = await open('anchors_chain');
      const s = tempStore();
      cleanup(s.cleanup);
      for (let i = 0; i < 25; i++) await s.store.append(`customer-C${i}`, [customer(i)], { expectedRevision: 'no_stream' });
      const first = await recordChain(s.store, audit, { upToPosition: '10' });
      expect(first).toMatchObject({ added: 10, events: 10, position: '10' });
      expect(first.hash).not.toBe(GENESIS);
      // Two recorders at once (a lease handed over mid-round): each either extends the chain or is told it moved.
      const other = (await another())!;
      const rounds = await Promise.allSettled([recordChain(s.store, audit), recordChain(s.store, other)]);
      for (const r of rounds) if (r.status === 'rejected') expect((r.reason as Error).message).toMatch(/^chain record moved/);
      await recordChain(s.store, other); // whichever lost catches up
      expect(await audit.lastLink()).toMatchObject({ seq: 24, position: '25' });
      const v = await verifyChain(s.store, { anchors: audit });
      expect(v).toMatchObject({ ok: true, events: 25, linksChecked: 25, unrecorded: 0 });
    });
  });
}

describe('the outbox handed over between nodes (PostgreSQL)', () => {
  it('one dispatcher at a time; the next holder resumes from the shared log and sends nothing twice', async () => {
    const db = { url: await database('outbox_handover') };
    const store = await createPostgresEventStore({ url: db.url, maxEventBytes: 64 * 1024, pollIntervalMs: 50 });
    cleanup(() => store.close());
    const received: Array<{ key: string; node: string }> = [];
    const silent = pino({ level: 'silent' });
    const node = (name: string) => {
      const notifier: Notifier = { channel: 'webhook', send: (n) => (received.push({ key: n.key, node: name }), Promise.resolve({ channel: 'webhook', addresses: 1 })) };
      const run = runExclusively(
        new PostgresLease({ url: db.url, name: 'outbox', node: name, retryMs: 100 }),
        async () => {
          const sentLog = await openSentLog({ url: db.url, file: '/nonexistent' });
          const d = new NotificationDispatcher(store, notifier, sentLog, new RecipientResolver({ staff: [] }), silent);
          d.start();
          return {
            async stop() {
              await d.stop();
              await sentLog.close();
            },
          };
        },
        silent,
      );
      cleanup(() => run.stop());
      return run;
    };
    const issue = (n: number) =>
      store.append('complaint-K9', [envelope('NotificationIssued', { complaintId: 'K9', key: `K9#${n}:role:supervisor`, recipient: 'role:supervisor', subject: `s${n}`, body: 'b', about: 'ComplaintEscalated' })], {
        expectedRevision: n === 1 ? 'no_stream' : n - 2,
      });
    const waitFor = async (n: number) => {
      for (let i = 0; i < 250 && received.length < n; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received.length).toBe(n);
    };
    const a = node('node-a');
    const b = node('node-b');
    for (let n = 1; n <= 3; n++) await issue(n);
    await waitFor(3);
    const [holder, other] = a.held() ? [a, b] : [b, a];
    expect(other.held()).toBe(false);
    await holder.stop();
    for (let n = 4; n <= 5; n++) await issue(n);
    await waitFor(5);
    await new Promise((r) => setTimeout(r, 300)); // nothing more arrives
    expect(received.map((r) => r.key)).toEqual([1, 2, 3, 4, 5].map((n) => `K9#${n}:role:supervisor`));
    expect(new Set(received.slice(0, 3).map((r) => r.node)).size).toBe(1);
    expect(received[3]!.node).not.toBe(received[0]!.node);
    const log = await openSentLog({ url: db.url, file: '/nonexistent' });
    cleanup(() => log.close());
    expect(await log.count()).toBe(5);
    expect(await log.resent()).toEqual([]);
  });
});

describe('the chain recorder in two projector processes (PostgreSQL)', () => {
  it('each node projects its own ledgers; one records the shared chain, which verifies', async () => {
    const db = { url: await database('chain_projectors') };
    const store = await createPostgresEventStore({ url: db.url, maxEventBytes: 64 * 1024, pollIntervalMs: 50 });
    cleanup(() => store.close());
    for (let i = 0; i < 12; i++) await store.append(`customer-C${i}`, [customer(i)], { expectedRevision: 'no_stream' });
    const silent = pino({ level: 'silent' });
    const projector = async (node: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), `taizhang-${node}-`));
      cleanup(() => rmSync(dir, { recursive: true, force: true }));
      const p = await startProjector(loadConfig({ DATA_DIR: dir, EVENTSTORE_URL: db.url, TAIZHANG_NODE: node }), silent);
      cleanup(() => p.stop());
      return p;
    };
    await projector('node-a');
    await projector('node-b');
    const audit = (await openAnchorStore({ EVENTSTORE_URL: db.url, auditDbPath: '/nonexistent' }, { readonly: true }).then(async (a) => {
      // The recorder creates its tables when it starts; wait for them.
      for (let i = 0; i < 100 && !a; i++) {
        await new Promise((r) => setTimeout(r, 50));
        a = await openAnchorStore({ EVENTSTORE_URL: db.url, auditDbPath: '/nonexistent' }, { readonly: true });
      }
      return a;
    }))!;
    cleanup(() => audit.close());
    // The recorder's first round comes after its interval (5 s).
    for (let i = 0; i < 200 && (await audit.lastLink())?.seq !== 11; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await audit.lastLink()).toMatchObject({ seq: 11, position: '12' });
    expect(await verifyChain(store, { anchors: audit })).toMatchObject({ ok: true, events: 12, linksChecked: 12 });
    // One session holds the chain lease, named after its node.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    cleanup(() => c.end());
    const holders = await c.query<{ application_name: string }>("SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'taizhang-lease-chain@%'");
    expect(holders.rows.length).toBeGreaterThanOrEqual(1);
    const locks = await c.query(
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = $1::bigint::oid AND objid = 11 AND granted",
      [0x7461697a],
    );
    expect(locks.rowCount).toBe(1);
  }, 30_000);
});
