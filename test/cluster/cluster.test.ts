import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/chaos/harness';
import { startSmtpInbox, type SmtpInbox } from '../../bench/chaos/smtp';
import { dropClusterDatabases, freePortBase, startCluster, type Cluster } from '../../src/cluster/cluster';

/**
 * The cluster `npm run cluster` starts (two Temporal servers on PostgreSQL, two workers, two projectors with their own
 * replicas, two API nodes on the PostgreSQL event store), started here on ports of its own: a command on one node is
 * read on the other; a workflow started through one Temporal node is served by the worker of the other; the outbox
 * lease passes to the other worker when its holder is killed, and no notification is lost.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the two-node cluster', () => {
  let cluster: Cluster;
  let smtp: SmtpInbox;
  let dir: string;
  let token: (role: string) => string;
  let api: [string, string];
  let customerId: string;

  const call = async (base: string, method: string, url: string, role: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token(role)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  /** Which node's worker holds a lease now (from PostgreSQL's own lock table). */
  const holderOf = async (key: number): Promise<string | undefined> => {
    const c = new pg.Client({ connectionString: cluster.topology.pg.url(cluster.topology.databases.events) });
    await c.connect();
    try {
      const r = await c.query<{ application_name: string }>(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2",
        [0x7461697a, key],
      );
      return r.rows[0]?.application_name;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'taizhang-cluster-test-'));
    smtp = await startSmtpInbox(await freePort());
    cluster = await startCluster({
      dir,
      portBase: await freePortBase(),
      ui: false,
      env: { TAIZHANG_POLICY: 'compressed', NOTIFY_CHANNEL: 'smtp', SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, LOG_LEVEL: 'warn' },
      out: () => undefined,
    });
    const tokens = JSON.parse(readFileSync(cluster.tokensFile, 'utf8')) as Array<{ role: string; token: string }>;
    token = (role) => tokens.find((t) => t.role === role)!.token;
    api = cluster.topology.nodes.map((n) => n.apiUrl) as [string, string];
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    if (cluster) await dropClusterDatabases(cluster.topology);
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('reads on one API node what was written through the other, and each node reports its replica lag', async () => {
    const made = await call(api[0], 'POST', '/customers', 'agent', { name: '周杰', contactPerson: '周杰', phone: '13912345678', type: 'owner', grade: 'B' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    customerId = made.body.customerId as string;
    const approved = await call(api[1], 'POST', `/customers/${customerId}/approve`, 'checker', { changeId: `${customerId}-1` });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const position = approved.body.position as string;
    const read = await call(api[0], 'GET', `/ledgers/customers?customer_id=${customerId}&minPosition=${position}&waitMs=10000`, 'admin');
    expect(read.status).toBe(200);
    expect((read.body.rows as Array<{ status: string }>)[0]?.status).toBe('registered');
    for (const [i, base] of api.entries()) {
      const health = await call(base, 'GET', '/healthz', 'admin');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', node: cluster.topology.nodes[i]!.name, store: { ok: true, kind: 'postgres' }, temporal: { ok: true, address: cluster.topology.nodes[i]!.temporalAddress } });
      expect((health.body.projector as { lag: { events: number } | null }).lag).not.toBeNull();
    }
  });

  it('serves a workflow started through node-a with the worker of node-b, and hands the outbox lease over when its holder is killed', async () => {
    const holder = await holderOf(10);
    expect(holder).toMatch(/^taizhang-lease-outbox@node-[ab]$/);
    const holding = holder!.endsWith('node-a') ? 'worker-a' : 'worker-b';
    // Both workers down but the one not holding the outbox; then the holder killed: the survivor must take over.
    await cluster.kill(holding);
    await cluster.kill(holding === 'worker-a' ? 'worker-b' : 'worker-a');
    cluster.restart(holding === 'worker-a' ? 'worker-b' : 'worker-a');
    const survivorNode = holding === 'worker-a' ? 'node-b' : 'node-a';
    try {
      // Filed through the API (and Temporal) of the node whose worker is down.
      const through = holding === 'worker-a' ? api[0] : api[1];
      const filed = await call(through, 'POST', '/complaints', 'agent', { customerId, channel: 'phone', category: 'delivery', severity: 'major', summary: '集群测试' });
      expect(filed.status, JSON.stringify(filed.body)).toBe(201);
      let taken: string | undefined;
      for (let i = 0; i < 100 && taken !== `taizhang-lease-outbox@${survivorNode}`; i++) {
        await sleep(200);
        taken = await holderOf(10);
      }
      expect(taken).toBe(`taizhang-lease-outbox@${survivorNode}`);
      // A major complaint tells the general manager at once, and escalates within seconds (compressed policy).
      const complaintId = filed.body.complaintId as string;
      let keys: string[] = [];
      for (let i = 0; i < 150; i++) {
        keys = smtp.mail.map((m) => m.key).filter((k) => k.includes(complaintId));
        if (keys.length >= 2) break;
        await sleep(200);
      }
      expect(keys.length).toBeGreaterThanOrEqual(2);
    } finally {
      cluster.restart(holding);
    }
  }, 120_000);
});
