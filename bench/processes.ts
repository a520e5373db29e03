import type { NotificationIssued } from '../src/domain/notifications';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { TemporalGateway } from '../src/api/gateway';
import type { CommandMeta } from '../src/domain/process';
import { COMPRESSED_POLICY, DEFAULT_POLICY } from '../src/domain/policy';
import type { RecordedEvent } from '../src/events/envelope';
import { SqliteEventStore } from '../src/events/store/sqlite';
import type { ComplaintEvent } from '../src/processes/complaint/schemas';
import { bareReceive } from './bare-workflow';
import type { FloorLateness } from './floor-workflow';
import { benchDir, emit, note, percentiles, scaled } from './lib';
import { LedgerWatch, sleep, stackClient, stackEnv, startDevServer, startNode, waitForPollers, workerSizingOf, type DevServer, type Proc } from './stack';

/**
 * The benchmarks of the running stack. Every phase runs on processes of its own, started fresh: a dev server with its
 * database in the phase's data directory, the real worker (`worker.ts`), the projector where rows are timed, and this
 * process filing through the gateway as the API does.
 */

const FILERS = 8;
const agent: CommandMeta = { actor: 'bench', role: 'agent' };
const round = (n: number) => Math.round(n * 100) / 100;

/** A fresh data directory, dev server and real worker process (policy chosen by name, as TAIZHANG_POLICY does). */
async function freshStack(name: string, policy: 'default' | 'compressed', withProjector: boolean) {
  const dir = benchDir(name);
  const server = await startDevServer(dir);
  const taskQueue = `${name}-${randomUUID()}`;
  const env = stackEnv(dir, server, taskQueue, { TAIZHANG_POLICY: policy });
  const worker = startNode('worker', 'worker.ts', env);
  const projector = withProjector ? startNode('projector', 'src/main/projector.ts', env) : undefined;
  const stop = async () => {
    await Promise.all([worker.stop(), projector?.stop()]);
    await server.stop();
  };
  await readyOrStopped(server, taskQueue, worker, stop);
  const signed = stackClient(server, dir);
  return { dir, server, taskQueue, env, worker, projector, gateway: new TemporalGateway(signed.client, taskQueue, { commandKeys: signed.commandKeys }), stop };
}

/** Waits until the worker polls its task queue; stops what was started when it never does. */
async function readyOrStopped(server: DevServer, taskQueue: string, worker: Proc, stop: () => Promise<void>): Promise<void> {
  try {
    await waitForPollers(server, taskQueue, worker);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A fresh data directory, dev server and peer worker process (`bench/bare-worker.ts`, same sizing as the real one). */
async function freshPeer(name: string, workflows: 'bare' | 'floor') {
  const dir = benchDir(name);
  const server = await startDevServer(dir);
  const taskQueue = `${name}-${randomUUID()}`;
  const env = stackEnv(dir, server, taskQueue);
  const worker = startNode(`${workflows} worker`, 'bench/bare-worker.ts', env, [workflows]);
  const stop = async () => {
    await worker.stop();
    await server.stop();
  };
  await readyOrStopped(server, taskQueue, worker, stop);
  return { dir, server, taskQueue, env, worker, stop };
}

/** Runs `one(i)` for i = 0…total-1 with `filers` callers at once; returns the wall time in ms. */
async function concurrently(total: number, filers: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: filers }, async () => {
      while (next < total) await one(next++);
    }),
  );
  return performance.now() - t0;
}

/** CPU used by each process (and this one) between `start()` and `stop()`, in ms per operation. */
function cpuMeter(procs: Record<string, Proc | undefined>) {
  const live = Object.entries(procs).filter((e): e is [string, Proc] => e[1] !== undefined);
  const before = new Map(live.map(([k, p]) => [k, p.cpuMs()]));
  const bench0 = process.cpuUsage();
  return (ops: number): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, p] of live) out[`${k}_cpu_ms_per_op`] = round((p.cpuMs() - before.get(k)!) / ops);
    const b = process.cpuUsage(bench0);
    out.bench_cpu_ms_per_op = round((b.user + b.system) / 1000 / ops);
    return out;
  };
}

const complaintData = (summary: string, severity: 'minor' | 'major') => ({ customerId: 'C1', channel: 'web', category: 'other', severity, summary });

// ── throughput ────────────────────────────────────────────────────────────────────────────────

interface IntakeRun {
  perSecond: number;
  durable: number[];
  row: number[];
  e2e: number[];
  cpu: Record<string, number>;
  seconds: number;
}

/** Complaints filed by 8 filers, each until its ledger row is visible, through the real worker and projector. */
async function complaintIntake(total: number, warmUp: number): Promise<IntakeRun & { rowsFound: number; sizing: Record<string, number> }> {
  const s = await freshStack('throughput', 'default', true);
  const watch = new LedgerWatch(path.join(s.dir, 'ledger.db'));
  try {
    await watch.open();
    const ids: string[] = [];
    const durable: number[] = [];
    const row: number[] = [];
    const e2e: number[] = [];
    let measuring = false;
    const one = async () => {
      const t0 = performance.now();
      const r = await s.gateway.receiveComplaint(complaintData('throughput', 'minor'), agent, { policy: DEFAULT_POLICY, customerClass: 'ordinary' });
      const t1 = performance.now();
      if (r.position === null) throw new Error(`receiving ${r.complaintId} wrote no event`);
      const t2 = await watch.visible(r.position);
      if (!measuring) return;
      ids.push(r.complaintId);
      durable.push(t1 - t0);
      row.push(t2 - t1);
      e2e.push(t2 - t0);
    };
    await concurrently(warmUp, FILERS, one);
    measuring = true;
    const cpu = cpuMeter({ worker: s.worker, projector: s.projector, temporal: s.server.proc });
    const ms = await concurrently(total, FILERS, one);
    const used = cpu(total);
    s.worker.check();
    s.projector!.check();
    return { perSecond: total / (ms / 1000), durable, row, e2e, cpu: used, seconds: ms / 1000, rowsFound: watch.countRows('ledger_complaints', 'complaint_id', ids), sizing: workerSizingOf(s.env) };
  } finally {
    watch.close();
    await s.stop();
  }
}

/** The same filers and update-with-start against the bare workflow (no domain code): Temporal's own limit here. */
async function bareIntake(total: number, warmUp: number): Promise<IntakeRun> {
  const s = await freshPeer('bare', 'bare');
  try {
    const durable: number[] = [];
    let measuring = false;
    const one = async () => {
      const id = `B${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      const t0 = performance.now();
      await s.server.client.workflow.executeUpdateWithStart(bareReceive, {
        args: [{ data: { ...complaintData('throughput', 'minor'), complaintId: id, customerClass: 'ordinary' }, meta: agent }],
        startWorkflowOperation: new WithStartWorkflowOperation('bareWorkflow', { workflowId: `bare-${id}`, taskQueue: s.taskQueue, args: [{ id, fresh: true }], workflowIdConflictPolicy: 'USE_EXISTING' }),
      });
      if (measuring) durable.push(performance.now() - t0);
    };
    await concurrently(warmUp, FILERS, one);
    measuring = true;
    const cpu = cpuMeter({ worker: s.worker, temporal: s.server.proc });
    const ms = await concurrently(total, FILERS, one);
    const used = cpu(total);
    s.worker.check();
    return { perSecond: total / (ms / 1000), durable, row: [], e2e: durable, cpu: used, seconds: ms / 1000 };
  } finally {
    await s.stop();
  }
}

/**
 * `complaint_throughput`: complaints/s until each one's ledger row is visible, beside `temporal_bare_update_with_start`
 * measured in the same run with the same filers and call shape, each on fresh processes.
 */
export async function benchThroughput(): Promise<void> {
  const total = scaled(1000);
  const warmUp = Math.max(FILERS * 2, scaled(100));
  const ours = await complaintIntake(total, warmUp);
  const bare = await bareIntake(total, warmUp);
  const d = percentiles(ours.durable);
  const r = percentiles(ours.row);
  const e = percentiles(ours.e2e);
  const b = percentiles(bare.durable);
  const per = (cpu: Record<string, number>, what: string) => Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k.replace('_per_op', `_per_${what}`), v]));
  emit({
    name: 'complaint_throughput',
    value: ours.perSecond,
    unit: 'complaints/s',
    peer: 'temporal_bare_update_with_start (no domain code, same update-with-start, same filers, same run)',
    peer_value: bare.perSecond,
    ratio: ours.perSecond / bare.perSecond,
    filed_to_durable_p50_ms: Math.round(d.p50),
    filed_to_durable_p95_ms: Math.round(d.p95),
    filed_to_durable_p99_ms: Math.round(d.p99),
    filed_to_durable_max_ms: Math.round(d.max),
    durable_to_row_p50_ms: round(r.p50),
    durable_to_row_p99_ms: round(r.p99),
    durable_to_row_max_ms: round(r.max),
    e2e_latency_p50_ms: Math.round(e.p50),
    e2e_latency_p99_ms: Math.round(e.p99),
    ...per(ours.cpu, 'complaint'),
    peer_worker_cpu_ms_per_update: bare.cpu.worker_cpu_ms_per_op,
    peer_temporal_cpu_ms_per_update: bare.cpu.temporal_cpu_ms_per_op,
    filers: FILERS,
    complaints: total,
    warm_up: warmUp,
    rows_visible: ours.rowsFound,
    seconds: round(ours.seconds),
    ...ours.sizing,
  });
  emit({
    name: 'temporal_bare_update_with_start',
    value: bare.perSecond,
    unit: 'updates/s',
    filed_to_durable_p50_ms: Math.round(b.p50),
    filed_to_durable_p95_ms: Math.round(b.p95),
    filed_to_durable_p99_ms: Math.round(b.p99),
    filed_to_durable_max_ms: Math.round(b.max),
    ...per(bare.cpu, 'update'),
    filers: FILERS,
    updates: total,
    warm_up: warmUp,
    seconds: round(bare.seconds),
  });
}

// ── memory ────────────────────────────────────────────────────────────────────────────────────

/**
 * Waits until the process is idle again (under 5 % of a core for two seconds running: a worker at rest here uses 2–3 %
 * polling), at least `minMs`, at most 30 s; returns the ms waited.
 */
async function settle(proc: Proc, minMs = 3000): Promise<number> {
  const start = Date.now();
  let last = proc.cpuMs();
  let quiet = 0;
  for (;;) {
    await sleep(1000);
    const now = proc.cpuMs();
    quiet = now - last < 50 ? quiet + 1 : 0;
    last = now;
    if ((quiet >= 2 && Date.now() - start >= minMs) || Date.now() - start > 30_000) return Date.now() - start;
  }
}

/**
 * `worker_rss_per_1000_open_complaints`: one fresh worker process, the default policy and cache size; its resident
 * memory at rest, with 1,000 open complaints and with 5,000 (100 and 500 at small scale), each after it has settled.
 */
export async function benchMemory(): Promise<void> {
  const first = scaled(1000);
  const second = scaled(5000);
  const s = await freshStack('memory', 'default', false);
  try {
    const file = (n: number) =>
      concurrently(n, FILERS, async () => {
        await s.gateway.receiveComplaint(complaintData('open', 'minor'), agent, { policy: DEFAULT_POLICY, customerClass: 'ordinary' });
      });
    const at = async (open: number) => {
      const waited = await settle(s.worker);
      const m = s.worker.memoryMb();
      note(`memory: ${open} open complaints, worker RSS ${Math.round(m.rss)} MB (settled ${Math.round(waited / 1000)} s)`);
      return m;
    };
    const base = await at(0);
    await file(first);
    const atFirst = await at(first);
    await file(second - first);
    const atSecond = await at(second);
    s.worker.check();
    emit({
      name: 'worker_rss_per_1000_open_complaints',
      value: ((atFirst.rss - base.rss) / first) * 1000,
      unit: 'MB',
      rss_5000_over_1000: atSecond.rss / atFirst.rss,
      growth_per_1000_past_first_mb: round(((atSecond.rss - atFirst.rss) / (second - first)) * 1000),
      rss_baseline_mb: Math.round(base.rss),
      rss_at_first_mb: Math.round(atFirst.rss),
      rss_at_second_mb: Math.round(atSecond.rss),
      rss_peak_mb: Math.round(atSecond.peak),
      open_first: first,
      open_second: second,
      ...workerSizingOf(s.env),
    });
  } finally {
    await s.stop();
  }
}

// ── lateness ──────────────────────────────────────────────────────────────────────────────────

/** Polls the complaint's workflow until it has no alarm left (its ladder has run out), at most `timeoutMs`. */
async function untilNoAlarmLeft(gateway: TemporalGateway, complaintId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await gateway.complaint(complaintId)).pendingAlarms.length === 0) return;
    await sleep(1000);
  }
  throw new Error(`complaint ${complaintId} still had alarms pending after ${timeoutMs / 1000} s`);
}

/**
 * `escalation_lateness_*`: how late warnings and escalations fire after their computed instant, for major complaints
 * under the compressed policy on a fresh real worker: the instant their event was recorded (durable in the store)
 * after the instant computed for it. Beside it Temporal's floor, measured in the same run on a fresh dev server and
 * peer worker: bare workflows started at the same pace, sleeping to the same offsets, then running a no-op local
 * activity, timed at that activity's start. Both are also given by the workflow clock (the start of the workflow task
 * the timer woke, which is the event's `occurredAt`): that part is Temporal's alone.
 */
export async function benchLateness(): Promise<void> {
  const N = scaled(200);
  const filed: string[] = [];
  const s = await freshStack('lateness', 'compressed', false);
  const durable: number[] = [];
  const clock: number[] = [];
  const offsets: number[][] = [];
  const receipts: number[] = [];
  let sizing: Record<string, number> = {};
  try {
    for (let i = 0; i < N; i++) {
      const r = await s.gateway.receiveComplaint(complaintData('bench', 'major'), agent, { policy: COMPRESSED_POLICY, customerClass: 'ordinary' });
      filed.push(r.complaintId);
    }
    await untilNoAlarmLeft(s.gateway, filed.at(-1)!, 120_000);
    s.worker.check();
    sizing = workerSizingOf(s.env);
    const store = new SqliteEventStore({ file: path.join(s.dir, 'events.db'), readonly: true });
    try {
      for (const id of filed) {
        const events = (await store.readStream(`complaint-${id}`)) as Array<RecordedEvent & (ComplaintEvent | NotificationIssued)>;
        const received = Date.parse((events[0]!.data as { receivedAt: string }).receivedAt);
        receipts.push(received);
        const mine: number[] = [];
        for (const e of events) {
          const scheduled = e.type === 'ComplaintEscalated' ? e.data.escalateAt : e.type === 'DeadlineWarningIssued' ? e.data.warnAt : undefined;
          if (!scheduled) continue;
          durable.push(Date.parse(e.recordedAt) - Date.parse(scheduled));
          clock.push(Date.parse(e.metadata.occurredAt) - Date.parse(scheduled));
          mine.push(Date.parse(scheduled) - received);
        }
        offsets.push(mine.sort((a, b) => a - b));
      }
    } finally {
      await store.close();
    }
  } finally {
    await s.stop();
  }

  const floor = await floorLateness(offsets, receipts);
  const a = percentiles(durable);
  const ac = percentiles(clock);
  const f = percentiles(floor.activity);
  const fc = percentiles(floor.clock);
  for (const k of ['p50', 'p99', 'max'] as const)
    emit({
      name: `escalation_lateness_${k}`,
      value: a[k],
      unit: 'ms',
      peer: 'Temporal floor (bare timer + no-op local activity, same instants, same run)',
      peer_value: f[k],
      ratio: a[k] / f[k],
      workflow_clock_ms: ac[k],
      peer_workflow_clock_ms: fc[k],
      complaints: N,
      alarms: durable.length,
      peer_alarms: floor.activity.length,
      never_early: ac.min >= 0 && a.min >= 0,
      ...sizing,
    });
}

/** The floor workflows, started at the pace the complaints were received; how late each instant was seen. */
async function floorLateness(offsets: number[][], receipts: number[]): Promise<FloorLateness> {
  const p = await freshPeer('floor', 'floor');
  try {
    const handles = [];
    const floorStart = Date.now();
    for (const [i, o] of offsets.entries()) {
      const due = floorStart + (receipts[i]! - receipts[0]!);
      if (due > Date.now()) await sleep(due - Date.now());
      const start = Date.now();
      handles.push(await p.server.client.workflow.start('floorWorkflow', { taskQueue: p.taskQueue, workflowId: `floor-${randomUUID()}`, args: [o.map((x) => start + x)] }));
    }
    const results = await Promise.all(handles.map((h) => h.result() as Promise<FloorLateness>));
    p.worker.check();
    return { clock: results.flatMap((r) => r.clock), activity: results.flatMap((r) => r.activity) };
  } finally {
    await p.stop();
  }
}
