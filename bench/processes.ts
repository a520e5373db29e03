import type { NotificationIssued } from '../src/domain/notifications';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { TemporalGateway } from '../src/api/gateway';
import { createActivities } from '../src/activities';
import { createLogger } from '../src/config/logger';
import { ROOT, temporalCli } from '../src/config/tools';
import type { ComplaintEvent } from '../src/processes/complaint/schemas';
import { COMPRESSED_POLICY, DEFAULT_POLICY } from '../src/domain/policy';
import type { EventEnvelope, RecordedEvent } from '../src/events/envelope';
import { SqliteEventStore } from '../src/events/store/sqlite';
import { LedgerDb } from '../src/projections/ledger-db';
import { LEDGERS } from '../src/projections/ledgers';
import { Projector } from '../src/projections/projector';
import { BUNDLER_OPTIONS, installRuntimeLogger, WORKFLOWS_PATH } from '../worker';
import { benchDir, emit, percentiles, scaled } from './lib';

const logger = createLogger({ level: 'error', name: 'bench' });
installRuntimeLogger(logger);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Projection rebuild rate at 100,000 and 1,000,000 events, each rebuild in its own process for its peak memory. */
export function benchRebuild(): void {
  for (const size of [scaled(100_000), scaled(1_000_000)]) {
    const file = path.join(benchDir('rebuild'), 'events.db');
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    const PER = 100;
    store.db.transaction(() => {
      for (let s = 0; s < size / PER; s++) {
        const id = `C${s}`;
        const meta = (i: number): EventEnvelope['metadata'] => ({ actor: 'bench', role: 'agent', occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), correlationId: 'b', causationId: 'b', workflowId: 'b', runId: 'b', schemaVersion: 1 });
        const events: EventEnvelope[] = Array.from({ length: PER }, (_, r) =>
          r === 0
            ? { id: randomUUID(), type: 'CustomerRegistered', data: { customerId: id, name: `客户${s}`, type: 'owner', importance: 'ordinary', grade: 'B' }, metadata: meta(s * PER) }
            : { id: randomUUID(), type: 'CustomerContactUpdated', data: { customerId: id, changes: { phone: `139${String(s * PER + r).padStart(8, '0')}` } }, metadata: meta(s * PER + r) },
        );
        store.appendSync(`customer-${id}`, events, 'no_stream');
      }
    })();
    store.db.close();
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./rebuild-child.ts', import.meta.url)), file], { cwd: ROOT, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { events: number; ms: number; maxRssMb: number };
    emit({ name: `projection_rebuild_${size}`, value: r.events / (r.ms / 1000), unit: 'events/s', peak_rss_mb: Math.round(r.maxRssMb), events: r.events, seconds: Math.round(r.ms / 100) / 10 });
  }
}

async function devServer(): Promise<TestWorkflowEnvironment> {
  const cli = temporalCli();
  return TestWorkflowEnvironment.createLocal({ server: { ip: '127.0.0.1', ...(cli.kind === 'path' ? { executable: { type: 'existing-path', path: cli.path } } : {}) } });
}

/** Escalation lateness over complaints on the real dev server, beside Temporal's own floor; then throughput. */
export async function benchTemporal(): Promise<void> {
  const env = await devServer();
  const dir = benchDir('temporal');
  const store = new SqliteEventStore({ file: path.join(dir, 'events.db') });
  const taskQueue = `bench-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, bundlerOptions: BUNDLER_OPTIONS, activities: createActivities({ store, logger }) });
  const running = worker.run();
  const gateway = new TemporalGateway(env.client, taskQueue);
  const agent = { actor: 'bench', role: 'agent' as const };
  try {
    // 1. Lateness: major complaints (compressed: 8 warnings/escalations each, the last at 24 s), filed one after another.
    const N = scaled(200);
    const filed: string[] = [];
    for (let i = 0; i < N; i++) {
      const r = await gateway.receiveComplaint({ customerId: 'C1', channel: 'phone', category: 'delivery', severity: 'major', summary: 'bench' }, agent, { policy: COMPRESSED_POLICY, customerClass: 'ordinary' });
      filed.push(r.complaintId);
    }
    await sleep(27_000);
    const ours: number[] = [];
    const offsets: number[][] = [];
    const receipts: number[] = [];
    for (const id of filed) {
      const events = (await store.readStream(`complaint-${id}`)) as Array<RecordedEvent & (ComplaintEvent | NotificationIssued)>;
      const received = Date.parse((events[0]!.data as { receivedAt: string }).receivedAt);
      receipts.push(received);
      const mine: number[] = [];
      for (const e of events) {
        const scheduled = e.type === 'ComplaintEscalated' ? e.data.escalateAt : e.type === 'DeadlineWarningIssued' ? e.data.warnAt : undefined;
        if (!scheduled) continue;
        ours.push(Date.parse(e.metadata.occurredAt) - Date.parse(scheduled));
        mine.push(Date.parse(scheduled) - received);
      }
      offsets.push(mine.sort((a, b) => a - b));
    }
    // 2. The floor: bare workflows started at the same pace as the complaints were received, each sleeping to the same
    //    offsets from its start and then running a no-op activity.
    const floorQueue = `floor-${randomUUID()}`;
    const floorWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: floorQueue,
      workflowsPath: fileURLToPath(new URL('./floor-workflow.ts', import.meta.url)),
      activities: { noop: async (target: number) => Date.now() - target },
    });
    const floorRun = floorWorker.run();
    const handles = [];
    const floorStart = Date.now();
    for (const [i, o] of offsets.entries()) {
      const due = floorStart + (receipts[i]! - receipts[0]!);
      if (due > Date.now()) await sleep(due - Date.now());
      const start = Date.now();
      handles.push(await env.client.workflow.start('floorWorkflow', { taskQueue: floorQueue, workflowId: `floor-${randomUUID()}`, args: [o.map((x) => start + x)] }));
    }
    const floor = (await Promise.all(handles.map((h) => h.result() as Promise<number[]>))).flat();
    floorWorker.shutdown();
    await floorRun;
    const a = percentiles(ours);
    const f = percentiles(floor);
    for (const k of ['p50', 'p99', 'max'] as const)
      emit({ name: `escalation_lateness_${k}`, value: a[k], unit: 'ms', peer: 'Temporal floor (bare timer + no-op activity, same instants, same run)', peer_value: f[k], ratio: a[k] / f[k], complaints: N, alarms: ours.length, never_early: a.min >= 0 });

    // 3. Throughput: filed → first event durable → ledger row visible, 8 filers at once.
    const ledgers = new LedgerDb(path.join(dir, 'ledger.db'), LEDGERS);
    const projector = new Projector(store, ledgers, { batchSize: 500, logger });
    projector.start();
    await projector.waitFor((await store.head()).position, 60_000);
    const M = scaled(200);
    const latencies: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < M) {
          next++;
          const t = performance.now();
          const r = await gateway.receiveComplaint({ customerId: 'C1', channel: 'web', category: 'other', severity: 'minor', summary: 'throughput' }, agent, { policy: DEFAULT_POLICY, customerClass: 'ordinary' });
          await projector.waitFor(r.position!, 30_000);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const l = percentiles(latencies);
    emit({ name: 'complaint_throughput', value: M / seconds, unit: 'complaints/s', e2e_latency_p50_ms: Math.round(l.p50), e2e_latency_p99_ms: Math.round(l.p99), filers: 8, complaints: M });
    await projector.stop();
    ledgers.close();
  } finally {
    worker.shutdown();
    await running;
    await store.close();
    await env.teardown();
  }
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Resident memory of a worker process per 1,000 open complaint workflows. */
export async function benchWorkerMemory(): Promise<void> {
  const env = await devServer();
  const dir = benchDir('memory');
  const taskQueue = `mem-${randomUUID()}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir, TEMPORAL_ADDRESS: env.connection.options.address, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const on = (d: Buffer) => {
        out += d.toString();
        if (out.includes('worker running')) resolve();
      };
      child.stdout!.on('data', on);
      child.stderr!.on('data', on);
      child.once('exit', (c) => reject(new Error(`worker exited ${c}: ${out}`)));
    });
    await sleep(2000);
    const before = rssMb(child.pid!);
    const gateway = new TemporalGateway(env.client, taskQueue);
    const K = scaled(1000);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < K) {
          next++;
          await gateway.receiveComplaint({ customerId: 'C1', channel: 'web', category: 'other', severity: 'minor', summary: 'open' }, { actor: 'bench', role: 'agent' }, { policy: DEFAULT_POLICY, customerClass: 'ordinary' });
        }
      }),
    );
    await sleep(3000);
    const after = rssMb(child.pid!);
    emit({ name: 'worker_rss_per_1000_open_complaints', value: ((after - before) / K) * 1000, unit: 'MB', rss_before_mb: Math.round(before), rss_after_mb: Math.round(after), open_complaints: K });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await env.teardown();
  }
}
