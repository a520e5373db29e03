import { hostname } from 'node:os';
import { LOCK_NAMESPACE } from './pg-schema';
import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * Cluster-wide single writers. Nodes sharing a PostgreSQL event store each run a worker, a projector and an API, but the
 * notification outbox, the hash-chain recorder and the survey-schedule reconciliation must run once per cluster: each
 * runs under a lease, a named lock one process holds at a time, handed over when its holder dies.
 *
 * On PostgreSQL a lease is a session-level advisory lock on a connection of its own: the server releases it when that
 * session ends, so a holder killed outright (SIGKILL: the kernel closes its socket) frees it at once, and the others,
 * trying every `retryMs`, take it within that. A holder whose connection errors or ends stops its work before it tries
 * again. What this does not give is fencing: between a holder's connection going silent and either side noticing
 * (keepalives, the heartbeat) two may work for a moment; the work under a lease is idempotent or checked for that
 * (notification keys, the chain's "chain record moved" check).
 */

export type LeaseName = 'outbox' | 'chain' | 'schedules';

/** Advisory lock keys (namespace 'taiz', as the event store's; its keys 1 and 2 are the append and schema locks). */
export const LEASE_KEYS: Readonly<Record<LeaseName, number>> = { outbox: 10, chain: 11, schedules: 12 };

/** A hold on a lease: `lost` resolves (with the reason) when it ends without `release`. */
export interface LeaseHold {
  readonly lost: Promise<Error>;
  release(): Promise<void>;
}

export interface Lease {
  readonly name: LeaseName;
  /** Who holds it when this process does (lease and node), for the logs. */
  readonly holder: string;
  /** How long to wait before trying again after a failure. */
  readonly retryMs: number;
  /** Waits until held; undefined when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<LeaseHold | undefined>;
}

/** Single node (SQLite): nobody else can hold it, so it is always held and never lost. */
export class LocalLease implements Lease {
  readonly retryMs = 1000;
  constructor(
    readonly name: LeaseName,
    readonly holder = `${name}@local`,
  ) {}

  acquire(signal: AbortSignal): Promise<LeaseHold | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    return Promise.resolve({ lost: new Promise<Error>(() => undefined), release: () => Promise.resolve() });
  }
}

export interface PostgresLeaseOptions {
  url: string;
  name: LeaseName;
  /** The node's name (TAIZHANG_NODE), shown in `application_name` of the holding session. */
  node: string;
  /** How often to try while another holds it, and to check the held connection. Default 1000 ms. */
  retryMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

/** A lease as a session-level `pg_try_advisory_lock` on a dedicated connection (see the top of this file). */
export class PostgresLease implements Lease {
  readonly name: LeaseName;
  readonly holder: string;
  readonly retryMs: number;
  private readonly key: number;

  constructor(private readonly options: PostgresLeaseOptions) {
    this.name = options.name;
    this.key = LEASE_KEYS[options.name];
    this.retryMs = options.retryMs ?? 1000;
    // application_name is at most 63 bytes; `pg_stat_activity` then says which node holds which lease.
    this.holder = `taizhang-lease-${options.name}@${options.node}`.slice(0, 63);
  }

  async acquire(signal: AbortSignal): Promise<LeaseHold | undefined> {
    const { default: pgModule } = await import('pg');
    while (!signal.aborted) {
      const client = new pgModule.Client({
        connectionString: this.options.url,
        application_name: this.holder,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        connectionTimeoutMillis: 10_000,
        // A heartbeat (or a try) unanswered this long: the connection is taken for dead.
        query_timeout: Math.max(5000, this.retryMs * 5),
        // The server drops the session (and so the lock) of a holder that vanished without closing its socket.
        options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
      });
      let ended: (err: Error) => void = () => undefined;
      const lost = new Promise<Error>((r) => (ended = r));
      client.on('error', (err) => ended(err));
      client.on('end', () => ended(new Error('the lease connection ended')));
      let gone = false;
      void lost.then(() => (gone = true));
      try {
        await client.connect();
        while (!signal.aborted && !gone) {
          const r = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [LOCK_NAMESPACE, this.key]);
          if (r.rows[0]?.held) return this.held(client, lost);
          await Promise.race([sleep(this.retryMs, signal), lost]);
        }
      } catch {
        // The server is unreachable or the connection broke: try again with a new one.
      }
      await client.end().catch(() => undefined);
      await sleep(this.retryMs, signal);
    }
    return undefined;
  }

  /** Held: a heartbeat finds a connection that died silently; `release` unlocks and closes. */
  private held(client: pg.Client, lost: Promise<Error>): LeaseHold {
    let releasing = false;
    let fail: (err: Error) => void = () => undefined;
    const heartbeatFailed = new Promise<Error>((r) => (fail = r));
    const heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: unknown) => {
        if (!releasing) fail(err instanceof Error ? err : new Error(String(err)));
      });
    }, this.retryMs);
    heartbeat.unref();
    const ended = Promise.race([lost, heartbeatFailed]).then((err) => {
      clearInterval(heartbeat);
      return err;
    });
    return {
      lost: ended.then((err) => (releasing ? new Promise<Error>(() => undefined) : err)),
      release: async () => {
        if (releasing) return;
        releasing = true;
        clearInterval(heartbeat);
        // Ending the session releases the lock as well; unlocking first only makes the hand-over prompt.
        await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, this.key]).catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  }
}

/** The lease for one of the cluster's single writers: PostgreSQL when the event store is, else local. `node` defaults to the host name. */
export function leaseFor(name: LeaseName, config: { EVENTSTORE_URL?: string | undefined }, node: string | undefined, options: { retryMs?: number } = {}): Lease {
  const url = config.EVENTSTORE_URL;
  node ??= hostname();
  if (url && /^postgres(ql)?:\/\//i.test(url)) return new PostgresLease({ url, name, node, ...options });
  // SQLite is one node. A KurrentDB deployment has no shared lock here: it runs one worker, one projector and one API.
  return new LocalLease(name, `${name}@${node}`);
}

export interface Work {
  stop(): Promise<void>;
}

export interface ExclusiveRun {
  /** Stops the work if it runs, gives the lease up and stops trying. */
  stop(): Promise<void>;
  /** Whether this process holds the lease (and its work runs). */
  held(): boolean;
}

/**
 * Runs `start`'s work while this process holds the lease: started when acquired, stopped when the lease is lost
 * (acquiring then resumes) or on `stop`. A start that fails gives the lease up and tries again after `retryMs`.
 */
export function runExclusively(lease: Lease, start: () => Promise<Work> | Work, logger: Logger): ExclusiveRun {
  const abort = new AbortController();
  const stopped = new Promise<void>((r) => abort.signal.addEventListener('abort', () => r()));
  let holding = false;
  const log = { lease: lease.name, holder: lease.holder };
  const loop = (async () => {
    while (!abort.signal.aborted) {
      let hold: LeaseHold | undefined;
      try {
        hold = await lease.acquire(abort.signal);
      } catch (err) {
        logger.warn({ ...log, err }, 'lease not acquired; retrying');
        await Promise.race([new Promise((r) => setTimeout(r, lease.retryMs).unref()), stopped]);
        continue;
      }
      if (!hold) break;
      if (abort.signal.aborted) {
        await hold.release();
        break;
      }
      logger.info(log, 'lease acquired');
      let work: Work;
      try {
        work = await start();
      } catch (err) {
        logger.error({ ...log, err }, 'work under the lease failed to start; giving the lease up and trying again');
        await hold.release();
        await Promise.race([new Promise((r) => setTimeout(r, lease.retryMs).unref()), stopped]);
        continue;
      }
      holding = true;
      const ended = await Promise.race([hold.lost.then((err) => ({ lost: err })), stopped.then(() => ({ lost: undefined }))]);
      holding = false;
      if (ended.lost) logger.warn({ ...log, err: ended.lost.message }, 'lease lost');
      await work.stop().catch((err: unknown) => logger.error({ ...log, err }, 'work under the lease did not stop cleanly'));
      await hold.release();
    }
  })();
  return {
    held: () => holding,
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
