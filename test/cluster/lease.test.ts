import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LEASE_KEYS, leaseFor, LocalLease, PostgresLease, runExclusively, type ExclusiveRun } from '../../src/support/lease';
import { testResources } from '../support/postgres';

/*
 * The cluster's single writers: a lease is held by one process at a time, handed over when its holder's session ends
 * (stopped, killed with SIGKILL, or its connection cut by the server), and the work under it stops when it is lost.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LEASE_MODULE = path.join(ROOT, 'src/support/lease.ts');
const RETRY_MS = 200;

const { database, cleanup } = testResources();

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: Array<{ msg: string; lease?: string; holder?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { logger, lines };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

/** The work under a lease, counting its starts and stops. */
function countedWork() {
  const counts = { started: 0, stopped: 0 };
  const running = () => counts.started - counts.stopped;
  return {
    counts,
    running,
    start: () => {
      counts.started++;
      return {
        stop: () => {
          counts.stopped++;
          return Promise.resolve();
        },
      };
    },
  };
}

function run(url: string, node: string, work: ReturnType<typeof countedWork>, logger = pino({ level: 'silent' })): ExclusiveRun {
  const r = runExclusively(new PostgresLease({ url, name: 'outbox', node, retryMs: RETRY_MS }), work.start, logger);
  cleanup(() => r.stop());
  return r;
}

/** The backend holding the outbox lease in this database, from pg_locks (the two-key form: classid, objid, objsubid 2). */
async function holderOf(url: string): Promise<{ pid: number; application_name: string } | undefined> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ pid: number; application_name: string }>(
      `SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.classid = $1::bigint::oid AND l.objid = $2 AND l.objsubid = 2 AND l.granted`,
      [0x7461697a, LEASE_KEYS.outbox],
    );
    return r.rows[0];
  } finally {
    await c.end();
  }
}

/** A child process holding the outbox lease: says `started` once its work runs, `stopped` when the work stops. */
function childHolder(url: string, node: string): { child: ChildProcess; output: () => string } {
  const script = `
    import pino from 'pino';
    import { PostgresLease, runExclusively } from ${JSON.stringify(LEASE_MODULE)};
    const lease = new PostgresLease({ url: process.env.LEASE_URL, name: 'outbox', node: process.env.LEASE_NODE, retryMs: ${RETRY_MS} });
    runExclusively(lease, () => { process.stdout.write('started\\n'); return { stop: async () => { process.stdout.write('stopped\\n'); } }; }, pino({ level: 'silent' }));
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, LEASE_URL: url, LEASE_NODE: node }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  cleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => out };
}

describe('leases on PostgreSQL', () => {
  it('two processes, one holder; the other takes over when it stops, and the logs say so', async () => {
    const url = await database('lease_basic');
    const a = countedWork();
    const b = countedWork();
    const logA = capturingLogger();
    const logB = capturingLogger();
    const ra = run(url, 'node-a', a, logA.logger);
    const rb = run(url, 'node-b', b, logB.logger);
    await until('one of them holds the lease', () => ra.held() || rb.held());
    // Several retry periods later, still exactly one holds and runs its work.
    await new Promise((r) => setTimeout(r, RETRY_MS * 4));
    expect([ra.held(), rb.held()].filter(Boolean)).toHaveLength(1);
    expect(a.running() + b.running()).toBe(1);
    const [holder, holderWork, holderLog, other, otherWork, otherLog] = ra.held() ? [ra, a, logA, rb, b, logB] : [rb, b, logB, ra, a, logA];
    expect(holderLog.lines.find((l) => l.msg === 'lease acquired')).toMatchObject({ lease: 'outbox' });
    // The holding session names the lease and the node.
    expect((await holderOf(url))?.application_name).toBe(`taizhang-lease-outbox@${holder === ra ? 'node-a' : 'node-b'}`);

    await holder.stop();
    expect(holderWork.running()).toBe(0);
    const took = await until('the other holds the lease', () => other.held(), 3000);
    expect(took).toBeLessThan(3000);
    expect(otherWork.counts.started).toBe(1);
    expect(otherLog.lines.some((l) => l.msg === 'lease acquired' && l.lease === 'outbox')).toBe(true);
  });

  it('a holder killed with SIGKILL: another process holds the lease within 3 s', async () => {
    const url = await database('lease_sigkill');
    const holder = childHolder(url, 'node-killed');
    await until('the child holds the lease', () => holder.output().includes('started'), 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; child said: ${holder.output()}`);
    });
    const waiting = countedWork();
    const r = run(url, 'node-waiting', waiting);
    await new Promise((res) => setTimeout(res, RETRY_MS * 4));
    expect(r.held()).toBe(false);
    expect(waiting.counts.started).toBe(0);

    const exited = new Promise((res) => holder.child.once('exit', res));
    holder.child.kill('SIGKILL');
    await exited;
    const took = await until('the survivor holds the lease', () => r.held(), 3000);
    expect(took).toBeLessThan(3000);
    expect(waiting.counts.started).toBe(1);
    expect((await holderOf(url))?.application_name).toBe('taizhang-lease-outbox@node-waiting');
  });

  it('a lost connection (pg_terminate_backend) stops the work, and the lease is taken again', async () => {
    const url = await database('lease_terminate');
    const work = countedWork();
    const log = capturingLogger();
    const r = run(url, 'node-cut', work, log.logger);
    await until('held', () => r.held());
    const before = await holderOf(url);
    expect(before).toBeDefined();

    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [before!.pid]);
    } finally {
      await admin.end();
    }
    await until('the work stopped', () => work.counts.stopped === 1, 3000);
    expect(log.lines.some((l) => l.msg === 'lease lost' && l.lease === 'outbox')).toBe(true);
    await until('held again, on a new session', () => r.held() && work.counts.started === 2, 3000);
    const after = await holderOf(url);
    expect(after?.pid).not.toBe(before!.pid);
    expect(work.running()).toBe(1);
  });

  it('a lease that is not available yet (no server) keeps trying and stops cleanly', async () => {
    const work = countedWork();
    const r = runExclusively(new PostgresLease({ url: 'postgres://nobody@127.0.0.1:1/none', name: 'chain', node: 'n', retryMs: 50 }), work.start, pino({ level: 'silent' }));
    await new Promise((res) => setTimeout(res, 300));
    expect(r.held()).toBe(false);
    await r.stop();
    expect(work.counts.started).toBe(0);
  });
});

describe('leases on a single node', () => {
  it('SQLite and KurrentDB deployments get a local lease, always held', async () => {
    expect(leaseFor('outbox', {}, 'n')).toBeInstanceOf(LocalLease);
    expect(leaseFor('chain', { EVENTSTORE_URL: 'esdb://localhost:2113' }, 'n')).toBeInstanceOf(LocalLease);
    expect(leaseFor('schedules', { EVENTSTORE_URL: 'postgres://u@h/d' }, 'n')).toBeInstanceOf(PostgresLease);
    const work = countedWork();
    const r = runExclusively(leaseFor('schedules', {}, undefined), work.start, pino({ level: 'silent' }));
    await until('held', () => r.held());
    expect(work.counts.started).toBe(1);
    await r.stop();
    expect(work.counts).toEqual({ started: 1, stopped: 1 });
    expect(r.held()).toBe(false);
  });
});
