import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnchorStore, type Anchor } from '../../src/audit/anchors';
import { canonicalJson, computeChainHead, GENESIS, linkHash } from '../../src/audit/hashing';
import { anchorChain, recordChain } from '../../src/audit/recorder';
import { verifyChain } from '../../src/audit/verify';
import type { RecordedEvent } from '../../src/events/envelope';
import { SqliteEventStore } from '../../src/events/store/sqlite';
import { auditFixture, contactUpdate, customer, readAll } from './fixtures';

const fx = auditFixture();

/**
 * 30 customers (positions 1–30), then contact updates of C0, C3, … (positions 31–40). secure_delete zeroes the space
 * that page splits free, so that the file holds one copy of each row and the byte to change can be found by search.
 */
async function seed(store: SqliteEventStore) {
  store.db.pragma('secure_delete = ON');
  for (let i = 0; i < 30; i++) await store.append(`customer-C${i}`, [customer(i)], { expectedRevision: 'no_stream' });
  for (let i = 0; i < 30; i += 3) await store.append(`customer-C${i}`, [contactUpdate(i, { email: `c${i}@example.com` })], { expectedRevision: 0 });
}

/** Changes one byte of the stored events file, where `from` occurs exactly once, to `to`. */
function patchOneByte(file: string, from: string, to: string) {
  expect(Buffer.byteLength(from)).toBe(Buffer.byteLength(to));
  const bytes = readFileSync(file);
  const at = bytes.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(bytes.indexOf(from, at + 1)).toBe(-1);
  const patch = Buffer.from(to);
  const diff = [...patch].map((b, i) => (b === bytes[at + i] ? -1 : i)).filter((i) => i >= 0);
  expect(diff).toHaveLength(1);
  bytes[at + diff[0]!] = patch[diff[0]!]!;
  writeFileSync(file, bytes);
}

describe('canonical JSON and links', () => {
  it('sorts keys at every depth, keeps unicode literal and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: '客户 ✓ 😀' }, u: undefined })).toBe('{"a":{"c":"客户 ✓ 😀","d":[1,"x",null]},"b":1}');
    expect(canonicalJson({ z: 1, a: 2 })).toBe(canonicalJson({ a: 2, z: 1 }));
    expect(canonicalJson('\ud800')).toBe('"\\ud800"'); // a lone surrogate is escaped, never mangled
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });

  it('a link depends on the previous link and on every field of the event', async () => {
    const { store } = fx.setup();
    await store.append('customer-C1', [customer(1)], { expectedRevision: 'no_stream' });
    const [e] = (await readAll(store)) as [RecordedEvent];
    const h = linkHash(GENESIS, e);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(linkHash(GENESIS, structuredClone(e))).toBe(h);
    expect(linkHash(h, e)).not.toBe(h);
    expect(linkHash(GENESIS, { ...e, recordedAt: '2026-01-01T00:00:00.000Z' })).not.toBe(h);
    expect(linkHash(GENESIS, { ...e, metadata: { ...e.metadata, actor: 'someone-else' } })).not.toBe(h);
  });
});

describe('verifyChain', () => {
  it('an untouched store verifies, with and without a record', async () => {
    const { store, file } = fx.setup();
    await seed(store);
    const bare = await verifyChain(store);
    expect(bare).toMatchObject({ ok: true, events: 40, linksChecked: 0, unrecorded: 40 });
    expect(bare.head).toEqual({ position: '40', hash: (await computeChainHead(store)).hash });
    expect(bare.firstBreak).toBeUndefined();

    const audit = new AnchorStore(file('audit.db'));
    fx.cleanups.push(() => audit.close());
    const anchor = await anchorChain(store, audit, { reason: 'monthly_close', now: () => new Date('2026-09-25T10:00:00Z') });
    expect(anchor).toEqual({ position: '40', hash: bare.head.hash, anchoredAt: '2026-09-25T10:00:00.000Z', reason: 'monthly_close' });
    await store.append('customer-C99', [customer(99)], { expectedRevision: 'no_stream' });
    const recorded = await verifyChain(store, { anchors: audit });
    expect(recorded).toMatchObject({ ok: true, events: 41, linksChecked: 40, anchorsChecked: 1, unrecorded: 1 });
    // Recording again continues from the last link and ends where a recomputation from GENESIS ends.
    const more = await recordChain(store, audit);
    expect(more).toMatchObject({ added: 1, events: 41, position: '41', hash: (await computeChainHead(store)).hash });
    expect(await computeChainHead(store, '40')).toMatchObject({ position: '40', hash: anchor.hash, events: 40 });
  });

  it('one byte of one stored event changed in the SQLite file is named by its position', async () => {
    const { store, file } = fx.setup();
    await seed(store);
    const target = (await readAll(store)).find((e) => e.streamName === 'customer-C17')!;
    const audit = new AnchorStore(file('audit.db'));
    fx.cleanups.push(() => audit.close());
    const anchor = await anchorChain(store, audit, { reason: 'on_demand' });
    await store.close(); // folds the WAL into events.db
    patchOneByte(file('events.db'), '"phone":"13900000017"', '"phone":"13900000018"');

    const reopened = new SqliteEventStore({ file: file('events.db') });
    fx.cleanups.push(() => reopened.close());
    expect((await reopened.readStream('customer-C17'))[0]!.data).toMatchObject({ phone: '13900000018' });

    // With the recorded chain: the exact event.
    const withRecord = await verifyChain(reopened, { anchors: audit });
    expect(withRecord.ok).toBe(false);
    expect(withRecord.firstBreak).toMatchObject({ position: target.position, reason: 'altered' });
    expect(withRecord.firstBreak!.detail).toContain(target.id);
    expect(withRecord.linksChecked).toBe(Number(target.position));

    // With only the anchor (copied off the machine at the close): the first anchor at or after the edit.
    const withAnchorOnly = await verifyChain(reopened, { anchors: [anchor] });
    expect(withAnchorOnly.firstBreak).toMatchObject({ position: '40', reason: 'anchor_mismatch', expectedHash: anchor.hash });

    // With nothing recorded, a well-formed edit is invisible: the reason to record the chain often.
    expect((await verifyChain(reopened)).ok).toBe(true);
  });

  it('an edit whose later links were re-chained in audit.db is caught by the anchors', async () => {
    const { store, file } = fx.setup();
    await seed(store);
    const audit = new AnchorStore(file('audit.db'));
    fx.cleanups.push(() => audit.close());
    const first = await anchorChain(store, audit, { reason: 'monthly_close' });
    await store.append('customer-C50', [customer(50)], { expectedRevision: 'no_stream' });
    const second = await anchorChain(store, audit, { reason: 'on_demand' });
    expect(second.position).toBe('41');

    // The attacker changes grade B → A at position 12 with a raw UPDATE, then rewrites every later link.
    store.db.prepare(`UPDATE events SET data = replace(data, '"grade":"B"', '"grade":"A"') WHERE position = 12`).run();
    audit.db.prepare('DELETE FROM chain_links WHERE seq >= 11').run();
    await recordChain(store, audit);

    const v = await verifyChain(store, { anchors: audit });
    expect(v.ok).toBe(false);
    expect(v.linksChecked).toBe(40); // every link up to the break agrees: they were forged
    expect(v.firstBreak).toMatchObject({ position: '40', reason: 'anchor_mismatch', expectedHash: first.hash });

    // Even when the anchors in audit.db are deleted too, an anchor kept elsewhere still fails.
    audit.db.prepare('DELETE FROM chain_anchors').run();
    expect((await verifyChain(store, { anchors: audit })).ok).toBe(true);
    const kept: Anchor[] = [second];
    expect((await verifyChain(store, { anchors: audit, extraAnchors: kept })).firstBreak).toMatchObject({ position: '41', reason: 'anchor_mismatch' });
  });

  it('names an unreadable event, a deleted one and a cut-off tail', async () => {
    const { store, file } = fx.setup();
    await seed(store);
    const audit = new AnchorStore(file('audit.db'));
    fx.cleanups.push(() => audit.close());
    await anchorChain(store, audit, { reason: 'on_demand' });
    await store.close(); // folds the WAL into events.db
    // One byte turns a quote into a letter: the JSON of position 8 no longer parses.
    patchOneByte(file('events.db'), '"phone":"13900000007"', '"phone":"13900000007x');
    const broken = new SqliteEventStore({ file: file('events.db') });
    fx.cleanups.push(() => broken.close());
    expect(await verifyChain(broken, { anchors: audit })).toMatchObject({ ok: false, firstBreak: { position: '8', reason: 'unreadable' } });

    broken.db.prepare(`UPDATE events SET data = replace(data, '"13900000007x', '"13900000007"') WHERE position = 8`).run();
    expect((await verifyChain(broken, { anchors: audit })).ok).toBe(true);
    broken.db.prepare('DELETE FROM events WHERE position = 20').run();
    expect((await verifyChain(broken, { anchors: audit })).firstBreak).toMatchObject({ position: '20', reason: 'missing' });

    broken.db.prepare('DELETE FROM events WHERE position >= 20').run(); // the tail is gone, nothing after it to compare
    const cut = await verifyChain(broken, { anchors: audit });
    expect(cut.firstBreak).toMatchObject({ position: '20', reason: 'missing' });
    expect(cut.events).toBe(19);
    // Anchors alone see it too: the anchor's position is gone.
    expect((await verifyChain(broken, { anchors: audit.list() })).firstBreak).toMatchObject({ position: '40', reason: 'anchor_missing' });
  });

  it('the anchor store keeps anchors in position order and rejects malformed ones', async () => {
    const { store, file } = fx.setup();
    const audit = new AnchorStore(file('audit.db'));
    fx.cleanups.push(() => audit.close());
    const empty = await anchorChain(store, audit, { reason: 'on_demand', now: () => new Date('2026-01-01T00:00:00Z') });
    expect(empty).toMatchObject({ position: '0', hash: GENESIS });
    await seed(store);
    await anchorChain(store, audit, { reason: 'monthly_close' });
    expect(audit.list().map((a) => a.position)).toEqual(['0', '40']);
    expect(() => audit.record({ position: '1', hash: 'nope', anchoredAt: '2026-01-01T00:00:00Z', reason: 'on_demand' })).toThrow();
    expect(() => audit.record({ ...empty, reason: 'whenever' as never })).toThrow();
    expect((await verifyChain(store, { anchors: audit })).anchorsChecked).toBe(2);
    const ro = new AnchorStore(file('audit.db'), { readonly: true });
    fx.cleanups.push(() => ro.close());
    expect(ro.list()).toEqual(audit.list());
  });
});
