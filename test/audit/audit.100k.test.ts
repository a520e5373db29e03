import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/config/tools';
import type { EventEnvelope } from '../../src/events/envelope';
import { SqliteEventStore } from '../../src/events/store/sqlite';
import { cli } from '../support/stack';
import { tempDir } from '../support/store';

const EVENTS = 100_000;
const PER_STREAM = 100;

/**
 * A store of 100,000 events: the projector is killed with SIGKILL in the middle of its catch-up and restarted; then
 * `taizhang audit verify` must agree with a clean rebuild, and must name the position of one byte changed on disk.
 */
describe(`audit on a store of ${EVENTS.toLocaleString()} events`, () => {
  const t = tempDir('taizhang-100k-');
  const env = { DATA_DIR: t.dir, LOG_LEVEL: 'warn', PROJECTOR_BATCH_SIZE: '500' };
  const eventsDb = path.join(t.dir, 'events.db');
  const ledgerDb = path.join(t.dir, 'ledger.db');
  let projector: ChildProcess | undefined;

  const meta = (i: number): EventEnvelope['metadata'] => ({
    actor: 'seed',
    role: 'agent',
    occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    correlationId: 'seed',
    causationId: 'seed',
    workflowId: 'seed',
    runId: 'seed',
    schemaVersion: 1,
  });

  beforeAll(() => {
    const store = new SqliteEventStore({ file: eventsDb, synchronous: 'NORMAL' });
    store.db.transaction(() => {
      for (let s = 0; s < EVENTS / PER_STREAM; s++) {
        const id = `C${s}`;
        const events: EventEnvelope[] = [];
        for (let r = 0; r < PER_STREAM; r++) {
          const i = s * PER_STREAM + r;
          events.push(
            r === 0
              ? { id: randomUUID(), type: 'CustomerRegistered', data: { customerId: id, name: `客户${s}`, type: 'owner', importance: 'ordinary', grade: 'B' }, metadata: meta(i) }
              : { id: randomUUID(), type: 'CustomerContactUpdated', data: { customerId: id, changes: { phone: `139${String(i).padStart(8, '0')}` } }, metadata: meta(i) },
          );
        }
        store.appendSync(`customer-${id}`, events, 'no_stream');
      }
    })();
    store.db.close();
  }, 60_000);

  afterAll(() => {
    if (projector && projector.exitCode === null && projector.signalCode === null) projector.kill('SIGKILL');
    t.cleanup();
  });

  const checkpoint = (): number => {
    try {
      const db = new Database(ledgerDb, { readonly: true, fileMustExist: true });
      try {
        return Number((db.prepare("SELECT position FROM projector_checkpoint WHERE name = 'ledgers'").get() as { position: string } | undefined)?.position ?? 0);
      } finally {
        db.close();
      }
    } catch {
      return 0;
    }
  };
  const startProjector = () =>
    spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main/projector.ts')], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  const until = async (what: string, ok: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (checkpoint ${checkpoint()})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('the projector killed mid catch-up resumes; `audit verify` then finds the tables equal to a clean rebuild', async () => {
    projector = startProjector();
    await until('projector half-way', () => checkpoint() >= 20_000, 60_000);
    projector.kill('SIGKILL');
    await new Promise((r) => projector!.once('exit', r));
    const atKill = checkpoint();
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(EVENTS);
    projector = startProjector();
    await until('projector caught up', () => checkpoint() === EVENTS, 120_000);
    await new Promise((r) => setTimeout(r, 5500)); // one more round of chain recording
    projector.kill('SIGTERM');
    await new Promise((r) => projector!.once('exit', r));

    const r = cli(['audit', 'verify'], env);
    console.info(`${r.stdout.trim()}\n(projector killed at checkpoint ${atKill})`);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`checked ${EVENTS.toLocaleString()} events`);
    expect(r.stdout).toMatch(/ok {3}customers: 1000 rows/);
  }, 240_000);

  it('one byte changed in one stored event: verify exits non-zero and names its position', () => {
    const target = 54_321; // the event whose phone ends in its own index
    const needle = Buffer.from(`"phone":"139${String(target).padStart(8, '0')}"`);
    const bytes = readFileSync(eventsDb);
    const at = bytes.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(needle, at + 1)).toBe(-1);
    bytes[at + needle.length - 2] = bytes[at + needle.length - 2]! === 0x30 ? 0x31 : 0x30; // one digit of the phone
    writeFileSync(eventsDb, bytes);
    const position = target + 1; // positions start at 1
    const r = cli(['audit', 'verify'], env);
    console.info(r.stdout.trim());
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`first break at position ${position}: altered`);
  }, 120_000);
});
