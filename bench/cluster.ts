import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './chaos/harness';
import { benchDir, emit, note, scaled } from './lib';
import { startStack } from '../src/cli/stack';
import { dropClusterDatabases, freePortBase, startCluster } from '../src/cluster/cluster';
import { loadConfig } from '../src/config/config';
import type { RecordedEvent } from '../src/events/envelope';
import type { EventStore } from '../src/events/store/port';
import { createPostgresEventStore } from '../src/events/store/postgres';
import { SqliteEventStore } from '../src/events/store/sqlite';
import { scheduledInstantOf } from '../src/support/metrics-alarms';

/**
 * `npm run bench -- --cluster`: the same workload through the HTTP API of the embedded single node (`npm start`: the
 * Temporal dev server, SQLite) and of the two-node cluster (`npm run cluster`: two Temporal servers and the event store
 * on PostgreSQL, two API nodes taking turns), one after the other in this run. Intake: complaints filed by concurrent
 * clients, as fast as they are acknowledged. Lateness: every escalation of those complaints (compressed policy: six
 * each within half a minute, fired while the intake goes on), recorded by the store minus the instant it was due.
 */
const FILERS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);

interface Target {
  apis: string[];
  token: (role: string) => string;
  store: EventStore;
}

async function workload(target: Target, total: number) {
  let turn = 0;
  const post = async (url: string, role: string, body: unknown, key: string) => {
    for (let attempt = 0; ; attempt++) {
      const api = target.apis[turn++ % target.apis.length]!;
      const res = await fetch(`${api}${url}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.token(role)}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status < 300) return JSON.parse(text) as Record<string, unknown>;
      if (attempt > 20 || res.status < 500) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
      await sleep(200);
    }
  };
  const run = Date.now().toString(36);
  const customers: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await post('/customers', 'agent', { name: `客户${i}`, contactPerson: `联系人${i}`, phone: `1390000${1000 + i}`, type: 'owner', grade: 'B' }, `bench-${run}-c-${i}`);
    await post(`/customers/${r.customerId as string}/approve`, 'checker', { changeId: `${r.customerId as string}-1` }, `bench-${run}-a-${i}`);
    customers.push(r.customerId as string);
  }
  const latencies: number[] = [];
  const ids: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: FILERS }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        const r = await post('/complaints', 'agent', { customerId: customers[i % customers.length], channel: 'phone', category: 'delivery', severity: 'major', summary: `bench ${i}` }, `bench-${run}-k-${i}`);
        latencies.push(performance.now() - t);
        ids.push(r.complaintId as string);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // Every complaint escalates six times; wait for all of them, then read when each was recorded against when it was due.
  const want = new Set(ids.map((id) => `complaint-${id}`));
  const deadline = Date.now() + 300_000;
  let lateness: number[] = [];
  for (;;) {
    const escalations: RecordedEvent[] = [];
    for await (const e of target.store.readAll({ filter: { eventTypes: ['ComplaintEscalated'] } })) if (want.has(e.streamName)) escalations.push(e);
    if (escalations.length >= ids.length * 6 || Date.now() > deadline) {
      lateness = escalations.map((e) => Date.parse(e.recordedAt) - Date.parse(scheduledInstantOf({ type: e.type, data: e.data } as never) ?? e.recordedAt)).sort((a, b) => a - b);
      break;
    }
    await sleep(1000);
  }
  latencies.sort((a, b) => a - b);
  return { rate: total / seconds, seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), lateness, expected: ids.length * 6 };
}

export async function benchCluster(): Promise<void> {
  const total = scaled(400);
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/setup.mjs', import.meta.url)), '--quiet', '--for-cluster'], { stdio: 'inherit' });

  note(`cluster: single node first (${total} complaints, ${FILERS} concurrent filers)`);
  const single = await (async () => {
    const dir = benchDir('single');
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    // The stack's processes read their settings from the environment they inherit, as under `npm start`.
    const saved = { ...process.env };
    Object.assign(process.env, { DATA_DIR: dir, PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort), TAIZHANG_POLICY: 'compressed', LOG_LEVEL: 'warn', TAIZHANG_TOKENS: '', TAIZHANG_TOKENS_FILE: '', EVENTSTORE_URL: '' });
    const stack = await startStack(loadConfig(process.env), { out: () => undefined }).finally(() => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    });
    const tokens = JSON.parse(readFileSync(stack.tokensFile!, 'utf8')) as Array<{ role: string; token: string }>;
    const store = new SqliteEventStore({ file: path.join(dir, 'events.db'), readonly: true });
    try {
      return await workload({ apis: [stack.apiUrl], token: (r) => tokens.find((t) => t.role === r)!.token, store }, total);
    } finally {
      await store.close();
      await stack.stop();
    }
  })();

  note('cluster: now the two-node cluster');
  const clustered = await (async () => {
    const dir = benchDir('cluster');
    const cluster = await startCluster({ dir, portBase: await freePortBase(), ui: false, env: { TAIZHANG_POLICY: 'compressed', LOG_LEVEL: 'warn' }, out: () => undefined });
    const t = cluster.topology;
    const tokens = JSON.parse(readFileSync(cluster.tokensFile, 'utf8')) as Array<{ role: string; token: string }>;
    const store = await createPostgresEventStore({ url: t.pg.url(t.databases.events), maxEventBytes: 1 << 20 });
    try {
      return await workload({ apis: t.nodes.map((n) => n.apiUrl), token: (r) => tokens.find((x) => x.role === r)!.token, store }, total);
    } finally {
      await store.close();
      await cluster.stop();
      await dropClusterDatabases(t).catch(() => undefined);
    }
  })();

  const figures = (label: string, r: Awaited<ReturnType<typeof workload>>) => ({
    intake: r.rate,
    requestP50: r.p50,
    requestP99: r.p99,
    latenessP50: quantile(r.lateness, 0.5),
    latenessP99: quantile(r.lateness, 0.99),
    latenessMax: r.lateness.at(-1) ?? 0,
    escalations: `${r.lateness.length}/${r.expected}`,
    label,
  });
  const s = figures('single node: Temporal dev server, SQLite event store, one API', single);
  const c = figures('cluster: two Temporal servers on PostgreSQL, PostgreSQL event store, two workers, two API nodes', clustered);
  emit({ name: 'cluster_intake', value: c.intake, unit: 'complaints/s', peer: 'single node', peer_value: s.intake, ratio: c.intake / s.intake, filers: FILERS, complaints: total, cluster_request_ms: { p50: Math.round(c.requestP50), p99: Math.round(c.requestP99) }, single_request_ms: { p50: Math.round(s.requestP50), p99: Math.round(s.requestP99) } });
  emit({ name: 'cluster_escalation_lateness_p99', value: c.latenessP99, unit: 'ms', peer: 'single node', peer_value: s.latenessP99, ratio: s.latenessP99 > 0 ? c.latenessP99 / s.latenessP99 : 0, cluster: { p50: c.latenessP50, max: c.latenessMax, escalations: c.escalations }, single: { p50: s.latenessP50, max: s.latenessMax, escalations: s.escalations } });
}
