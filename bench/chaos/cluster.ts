import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyLedgers } from '../../src/audit/rebuild';
import { processName, startCluster, dropClusterDatabases, freePortBase, type Cluster, type Role } from '../../src/cluster/cluster';
import { NODE_NAMES } from '../../src/cluster/topology';
import { createPostgresEventStore } from '../../src/events/store/postgres';
import { LEDGERS } from '../../src/projections/ledgers';
import { freePort } from './harness';
import { startSmtpInbox } from './smtp';
import { latenessOf, random, servedAgain, tallyInbox, untilSettled, violationsOf, type Kill } from './checks';
import { openSentLog } from '../../src/activities/notify/sent-log';

/**
 * `npm run chaos -- --cluster`: complaints are filed through both API nodes of the two-node cluster (compressed policy,
 * every complaint escalates six times within half a minute) while a Temporal server, a worker, a projector or an API
 * node is killed with SIGKILL, in turn, and restarted. Afterwards every guarantee is checked from the PostgreSQL event
 * store, a real SMTP server's inbox and a rebuild of each node's ledger replica; the lateness of every escalation is
 * set beside the shard takeover measured after each Temporal kill.
 */
export interface ClusterChaosOptions {
  complaints: number;
  kills: number;
  seconds: number;
  seed?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runClusterChaos(options: ClusterChaosOptions) {
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const seed = options.seed ?? Date.now();
  const rnd = random(seed);
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'taizhang-cluster-chaos-'));
  const smtpPort = await freePort();
  const smtp = await startSmtpInbox(smtpPort);
  let cluster: Cluster | undefined;
  const violations: string[] = [];
  try {
    cluster = await startCluster({
      dir,
      portBase: await freePortBase(),
      ui: false,
      env: { TAIZHANG_POLICY: 'compressed', NOTIFY_CHANNEL: 'smtp', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, LOG_LEVEL: 'warn' },
      out: log,
    });
    const c = cluster;
    const t = c.topology;
    log(`chaos: cluster up in ${Math.round((Date.now() - started) / 1000)} s (seed ${seed})`);
    const tokens = JSON.parse(readFileSync(c.tokensFile, 'utf8')) as Array<{ role: string; token: string }>;
    const token = (role: string) => tokens.find((x) => x.role === role)!.token;
    const apis = t.nodes.map((n) => n.apiUrl);
    const post = async (api: string, url: string, role: string, body: unknown, key?: string) => {
      const res = await fetch(`${api}${url}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token(role)}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${url} on ${api}: ${res.status} ${text.slice(0, 200)}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    /** A command sent to one API node, then the other, until one answers (each with the same idempotency key). */
    const send = async (i: number, url: string, role: string, body: unknown, key: string) => {
      let last: unknown;
      for (let attempt = 0; attempt < 400; attempt++) {
        try {
          return await post(apis[(i + attempt) % apis.length]!, url, role, body, key);
        } catch (err) {
          last = err;
          await sleep(250);
        }
      }
      throw last;
    };

    // Customers first (maker and checker), then the complaints against them.
    const customers: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await send(i, '/customers', 'agent', { name: `客户${i}`, contactPerson: `联系人${i}`, phone: `1380000${String(1000 + i)}`, type: 'owner', grade: 'B' }, `chaos-${seed}-customer-${i}`);
      const id = r.customerId as string;
      await send(i + 1, `/customers/${id}/approve`, 'checker', { changeId: `${id}-1` }, `chaos-${seed}-approve-${i}`);
      customers.push(id);
    }

    // Kills: the four roles in turn (each on a random node), spread over the filing window, each restarted after
    // 0.2–1.2 s. Only one process is down at a time. After a Temporal kill, the shard takeover is measured: the time
    // until every probe workflow answers a query through the surviving frontend (`servedAgain`).
    const roles: Role[] = ['temporal', 'worker', 'projector', 'api'];
    const kills: Record<string, number> = Object.fromEntries(c.names().filter((n) => n !== 'ui').map((n) => [n, 0]));
    const killLog: Kill[] = [];
    const takeovers: Array<{ name: string; ms: number }> = [];
    const probeIds: string[] = [];
    const killing = (async () => {
      for (let k = 0; k < options.kills; k++) {
        await sleep((options.seconds * 1000 * (0.6 + rnd() * 0.8)) / options.kills);
        const role = roles[k % roles.length]!;
        const node = NODE_NAMES[Math.floor(rnd() * NODE_NAMES.length)]!;
        const name = processName(role, node);
        const at = Date.now();
        await c.kill(name);
        kills[name]!++;
        const entry: Kill = { at, name };
        killLog.push(entry);
        await sleep(200 + rnd() * 1000);
        c.restart(name);
        if (role === 'temporal' && probeIds.length) {
          const survivor = t.nodes.find((n) => n.name !== node)!.temporalAddress;
          const ms = await servedAgain(survivor, probeIds, at);
          takeovers.push({ name, ms });
          entry.recoveryMs = ms;
          log(`chaos: ${name} killed; every shard answered again after ${ms} ms`);
        }
      }
    })();

    const acknowledged: Array<{ complaintId: string; eventIds: string[] }> = [];
    const filing = (async () => {
      for (let i = 0; i < options.complaints; i++) {
        try {
          const r = await send(i, '/complaints', 'agent', { customerId: customers[i % customers.length], channel: 'phone', category: 'delivery', severity: 'major', summary: `chaos ${i}` }, `chaos-${seed}-complaint-${i}`);
          acknowledged.push({ complaintId: r.complaintId as string, eventIds: r.eventIds as string[] });
          if (probeIds.length < 24) probeIds.push(`complaint-${r.complaintId as string}`);
        } catch (err) {
          violations.push(`complaint ${i} could not be filed on either node: ${(err as Error).message}`);
        }
        await sleep((options.seconds * 1000) / options.complaints / 2);
      }
    })();
    await Promise.all([killing, filing]);
    for (const name of c.names()) c.restart(name);
    const killCount = Object.values(kills).reduce((a, b) => a + b, 0);
    log(`chaos: filed ${acknowledged.length}/${options.complaints} complaints with ${killCount} kills; waiting for every escalation and notification`);

    // Wait until each complaint has its whole ladder and every notification has arrived (or a deadline passes).
    const store = await createPostgresEventStore({ url: t.pg.url(t.databases.events), maxEventBytes: 1 << 20 });
    const byStream = await untilSettled(store, smtp, acknowledged, 420_000);
    const all = [...byStream.values()].flat();
    const sentLog = await openSentLog({ url: t.pg.url(t.databases.events), file: path.join(t.nodes[0]!.dataDir, 'notifications.db') });
    const resent = new Set(await sentLog.resent());
    await sentLog.close();
    const checked = violationsOf(byStream, acknowledged, smtp, resent);
    violations.push(...checked.violations);
    const issued = checked.issued;
    const inbox = tallyInbox(smtp).count;

    // Lateness of every escalation, and each one over a second put down to the kill before it (bench/chaos/checks.ts).
    const lateness = latenessOf(all, killLog);
    const maxTakeover = Math.max(0, ...takeovers.map((x) => x.ms));

    // Both replicas caught up with the shared store and equal to a rebuild from it.
    const head = (await store.head()).position;
    const replicas: Record<string, { checkpoint: string; ok: boolean }> = {};
    for (const n of t.nodes) {
      for (let i = 0; ; i++) {
        const check = await verifyLedgers(store, path.join(n.dataDir, 'ledger.db'), LEDGERS, { chain: false }).catch(() => undefined);
        if ((check && check.checkpoint === head) || i >= 600) {
          replicas[n.name] = { checkpoint: check?.checkpoint ?? 'none', ok: !!check && check.ledgers.every((l) => l.ok) };
          if (!check || check.checkpoint !== head) violations.push(`the replica of ${n.name} did not catch up: checkpoint ${check?.checkpoint}, head ${head}`);
          for (const l of check?.ledgers ?? []) if (!l.ok) violations.push(`ledger ${l.name} on ${n.name} differs from a rebuild: ${JSON.stringify(l.firstDifference)}`);
          break;
        }
        await sleep(200);
      }
    }
    await store.close();
    return {
      topology: '2 Temporal servers, 2 workers, 2 projectors, 2 API nodes; PostgreSQL for Temporal and the events',
      seed,
      complaints: options.complaints,
      acknowledged: acknowledged.length,
      kills,
      killCount,
      restartsBySupervisor: c.restarts(),
      events: all.length,
      head,
      escalations: all.filter((e) => e.type === 'ComplaintEscalated').length,
      escalationLatenessMs: lateness.escalationLatenessMs,
      shardTakeoverMs: { measured: takeovers.length, each: takeovers.map((x) => x.ms), max: maxTakeover },
      lateOver1sByKill: lateness.lateOver1sByKill,
      notificationsIssued: issued.length,
      keysReceived: issued.filter((k) => inbox.has(k)).length,
      emailsReceived: [...inbox.values()].reduce((a, b) => a + b, 0),
      notificationsResent: resent.size,
      replicas,
      violations,
      /** Escalations later than their kill explains (bench/chaos/checks.ts `latenessOf`); timing, so kept apart from the guarantees. */
      latenessViolations: lateness.violations,
      durationS: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    if (cluster) {
      await cluster.stop();
      await dropClusterDatabases(cluster.topology).catch(() => undefined);
    }
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
