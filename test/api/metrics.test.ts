import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { TemporalGateway } from '../../src/api/gateway';
import { TEST_KEYS, testKeyEnv } from '../support/keys';
import { ROOT } from '../../src/config/tools';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import { SqliteEventStore } from '../../src/events/store/sqlite';
import { LedgerDb } from '../../src/projections/ledger-db';
import { ALL_LEDGERS, LEDGERS } from '../../src/projections/ledgers';
import { Projector } from '../../src/projections/projector';
import { LedgerReader } from '../../src/projections/reader';
import { announcedMetrics } from '../../src/support/metrics-server';
import { TOKENS } from '../support/app';
import { tempDir } from '../support/store';
import { devServerEnv, testLogger } from '../support/temporal';

/** The value of one series (`name{labels}`) in Prometheus text, or undefined when it is not there. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/**
 * /metrics over the processes as `npm start` runs them: the worker is its own process (with the SDK's Prometheus
 * exporter and its metrics endpoint on free ports, announced in DATA_DIR/run), the API and the projector here, on one
 * SQLite event store and the real Temporal dev server, with the compressed policy so escalations fire in seconds.
 */
describe('GET /metrics', () => {
  const t = tempDir('taizhang-metrics-');
  const taskQueue = `tq-${randomUUID()}`;
  const announced = path.join(t.dir, 'run', 'worker-metrics.json');
  let env: TestWorkflowEnvironment;
  let worker: ChildProcess;
  let workerOutput = '';
  let store: SqliteEventStore;
  let ledgerDb: LedgerDb;
  let projector: Projector;
  let reader: LedgerReader;
  let app: FastifyInstance;
  let customerId: string;
  // Personal data of the customer and the complaint: none of it may appear in the metrics.
  const personal = { name: '王小明物业管理有限公司', phone: '13912345678', contactPerson: '王小明', email: 'wang.xiaoming@example.com' };
  const summary = '王小明投诉送货延迟三天';

  const agent = { authorization: `Bearer ${TOKENS.agent!.token}` };
  const scrape = async (headers: Record<string, string> = {}) => {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };
  const until = async (what: string, ok: (text: string) => boolean, timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = (await scrape()).body;
      if (ok(text)) return text;
      if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms:\n${text}\nworker:\n${workerOutput}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    env = await devServerEnv();
    worker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: t.dir,
        ...testKeyEnv(),
        TEMPORAL_ADDRESS: env.connection.options.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        TAIZHANG_POLICY: 'compressed',
        NOTIFY_CHANNEL: 'log',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d: Buffer) => (workerOutput += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (workerOutput += d.toString()));
    for (let i = 0; !existsSync(announced); i++) {
      if (worker.exitCode !== null) throw new Error(`worker exited ${worker.exitCode}: ${workerOutput}`);
      if (i > 1200) throw new Error(`the worker announced no metrics within 120 s: ${workerOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    store = new SqliteEventStore({ file: path.join(t.dir, 'events.db'), pollIntervalMs: 5 });
    ledgerDb = new LedgerDb(path.join(t.dir, 'ledger.db'), LEDGERS);
    projector = new Projector(store, ledgerDb, { batchSize: 100, logger: testLogger });
    projector.start();
    reader = new LedgerReader(path.join(t.dir, 'ledger.db'), ALL_LEDGERS);
    app = await buildApp({
      config: { temporalAddress: env.connection.options.address, tokens: Object.values(TOKENS) },
      logger: testLogger,
      gateway: new TemporalGateway(env.client, taskQueue, { store, policy: COMPRESSED_POLICY, commandKeys: TEST_KEYS.commandKeys }),
      store,
      ledgers: reader,
      policy: COMPRESSED_POLICY,
      metrics: { worker: { url: () => announcedMetrics(announced) } },
    });
    const c = await app.inject({ method: 'POST', url: '/customers', headers: agent, payload: { ...personal, grade: 'B' } });
    expect(c.statusCode, c.body).toBe(201);
    customerId = (c.json() as { customerId: string }).customerId;
  }, 180_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await app?.close();
    await projector?.stop();
    reader?.close();
    ledgerDb?.close();
    await store?.close();
    await env?.teardown();
    t.cleanup();
  });

  it("answers Prometheus text with the API's, the worker's and the Temporal SDK's metrics; filing and escalating a complaint moves them", async () => {
    const before = await scrape();
    expect(before.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const open0 = series(before.body, 'taizhang_complaints_open{status="received"}') ?? 0;
    const appended0 = series(before.body, 'taizhang_appends_total{category="complaint",outcome="appended"}') ?? 0;

    // A major complaint under the compressed policy: its first-response warning at 3.2 s, the escalation at 4 s.
    const filed = await app.inject({ method: 'POST', url: '/complaints', headers: agent, payload: { customerId, channel: 'phone', category: 'delivery', severity: 'major', summary } });
    expect(filed.statusCode, filed.body).toBe(201);
    const { complaintId, position } = filed.json() as { complaintId: string; position: string };
    await projector.waitFor(position);

    const filedText = (await scrape()).body;
    expect(series(filedText, 'taizhang_complaints_open{status="received"}')).toBe(open0 + 1);
    expect(series(filedText, 'taizhang_complaints_open{status="closed"}')).toBeUndefined();
    expect(series(filedText, 'taizhang_appends_total{category="complaint",outcome="appended"}')).toBeGreaterThan(appended0);
    expect(series(filedText, 'taizhang_events_appended_total{category="complaint",type="ComplaintReceived"}')).toBeGreaterThanOrEqual(1);
    expect(series(filedText, 'taizhang_append_duration_seconds_count{category="complaint"}')).toBeGreaterThanOrEqual(1);
    expect(series(filedText, 'taizhang_http_requests_total{method="POST",route="/complaints",status="201"}')).toBe(1);
    expect(series(filedText, 'taizhang_ledgers_ready')).toBe(1);
    expect(series(filedText, 'taizhang_event_store_up')).toBe(1);
    expect(series(filedText, 'taizhang_projector_lag_events')).toBeGreaterThanOrEqual(0);
    expect(series(filedText, 'taizhang_worker_metrics_up')).toBe(1);
    expect(series(filedText, 'taizhang_worker_sdk_metrics_up')).toBe(1);
    expect(filedText).toMatch(/^taizhang_api_process_resident_memory_bytes \d+/m);
    expect(filedText).toMatch(/^taizhang_worker_process_resident_memory_bytes \d+/m);
    // The SDK's own: workflow task latency, the sticky cache, task slots.
    expect(filedText).toMatch(/^temporal_workflow_task_execution_latency_seconds_count\{.*\} \d+/m);
    expect(filedText).toMatch(/^temporal_sticky_cache_size\{.*\} \d+/m);
    expect(filedText).toMatch(/^temporal_worker_task_slots_available\{.*\} \d+/m);
    // One family once: the API's and the worker's metrics never share a name.
    const families = filedText.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(new Set(families).size).toBe(families.length);

    const escalated = await until('the escalation and its lateness', (text) => (series(text, 'taizhang_alarm_lateness_seconds_count{category="complaint",type="ComplaintEscalated"}') ?? 0) >= 1);
    expect(series(escalated, 'taizhang_alarm_lateness_seconds_count{category="complaint",type="DeadlineWarningIssued"}')).toBeGreaterThanOrEqual(1);
    // Late by the time a timer and a workflow task take, not by seconds.
    const lateness = series(escalated, 'taizhang_alarm_lateness_seconds_sum{category="complaint",type="ComplaintEscalated"}')!;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness / series(escalated, 'taizhang_alarm_lateness_seconds_count{category="complaint",type="ComplaintEscalated"}')!).toBeLessThan(5);
    const sent = await until('the escalation notification sent', (text) => (series(text, 'taizhang_notifications_sent_total{channel="log"}') ?? 0) >= 1);
    expect(series(sent, 'taizhang_notifications_in_doubt_total')).toBe(0);

    // Acknowledged: one fewer received, one more acknowledged.
    const ack = await app.inject({ method: 'POST', url: `/complaints/${complaintId}/acknowledge`, headers: agent, payload: {} });
    expect(ack.statusCode, ack.body).toBe(200);
    await projector.waitFor((ack.json() as { position: string }).position);
    const acked = (await scrape()).body;
    expect(series(acked, 'taizhang_complaints_open{status="received"}')).toBe(open0);
    expect(series(acked, 'taizhang_complaints_open{status="acknowledged"}')).toBeGreaterThanOrEqual(1);

    // Nothing personal, and no ids: labels are states, route templates, stream categories and event types.
    for (const text of [filedText, escalated, sent, acked]) {
      for (const value of [...Object.values(personal), summary, '王小明', customerId, complaintId]) expect(text).not.toContain(value);
    }
  }, 90_000);

  it('is open without a token unless one is configured, then needs exactly that one', async () => {
    const guarded = await buildApp({
      config: { temporalAddress: env.connection.options.address, tokens: Object.values(TOKENS) },
      logger: testLogger,
      gateway: new TemporalGateway(env.client, taskQueue, { store, commandKeys: TEST_KEYS.commandKeys }),
      store,
      ledgers: reader,
      policy: COMPRESSED_POLICY,
      metrics: { token: 'metrics-token-0123456789-abcdefghijklmnop' },
    });
    try {
      expect((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      // A person's API token is not the metrics token.
      expect((await guarded.inject({ method: 'GET', url: '/metrics', headers: agent })).statusCode).toBe(401);
      const ok = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789-abcdefghijklmnop' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('taizhang_complaints_open{status="received"}');
      // Not configured to read a worker: no worker gauge at all.
      expect(series(ok.body, 'taizhang_worker_metrics_up')).toBeUndefined();
    } finally {
      await guarded.close();
    }
  });

  it("still answers with its own metrics when the worker is gone, and says so", async () => {
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await exited;
    // Killed: its announcement is still there, but nothing answers at that address.
    expect(announcedMetrics(announced)).toBeDefined();
    const started = Date.now();
    const text = (await scrape()).body;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(series(text, 'taizhang_worker_metrics_up')).toBe(0);
    expect(series(text, 'taizhang_complaints_open{status="acknowledged"}')).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('taizhang_appends_total');
  });
});
