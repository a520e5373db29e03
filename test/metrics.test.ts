import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationDispatcher, RecipientResolver, SentLog, type Notifier } from '../src/activities/notify';
import { createLogger, logFormat } from '../src/config/logger';
import { ConcurrencyError } from '../src/events/store/errors';
import { PROCESSES } from '../src/processes/registry';
import { measuredAppends, streamCategory, WorkerMetrics } from '../src/support/metrics';
import { ALARM_INSTANT_FIELDS, DEADLINE_ALARM_FIELDS, scheduledInstantOf } from '../src/support/metrics-alarms';
import { announceMetrics, announcedMetrics, fetchMetricsText, serveMetrics } from '../src/support/metrics-server';
import { envelope } from './support/events';
import { tempDir, tempStore } from './support/store';

const silent = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** One series of a metric, by its sample name (`…_count`, `…_bucket`) and labels. */
async function sample(metrics: WorkerMetrics, name: string, labels: Record<string, string | number>, sampleName = name): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = (await metric!.get()).values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
  return values.find((v) => (v.metricName ?? name) === sampleName && Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe('worker metrics: the measured event store', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const measured = () => {
    const s = tempStore();
    cleanups.push(s.cleanup);
    const metrics = new WorkerMetrics({ processMetrics: false });
    return { raw: s.store, store: measuredAppends(s.store, metrics, scheduledInstantOf), metrics };
  };

  it('counts appends by stream category and outcome, events by type, and times each append', async () => {
    const { store, raw, metrics } = measured();
    const events = [envelope('ComplaintAcknowledged', { complaintId: 'K1', onTime: true }), envelope('NotificationIssued', { stream: 'complaint-K1', key: 'k', recipient: 'role:agent', subject: 's', body: 'b', about: 'x' })];
    const r = await store.append('complaint-K1', events, { expectedRevision: 'no_stream' });
    expect(r.alreadyAppended).toBe(false);
    // The same ids again: the store's idempotent retry, counted as such and its events not twice.
    expect((await store.append('complaint-K1', events, { expectedRevision: 'no_stream' })).alreadyAppended).toBe(true);
    await expect(store.append('complaint-K1', [envelope('ComplaintAcknowledged', { complaintId: 'K1', onTime: true })], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyError);

    expect(await sample(metrics, 'taizhang_appends_total', { category: 'complaint', outcome: 'appended' })).toBe(1);
    expect(await sample(metrics, 'taizhang_appends_total', { category: 'complaint', outcome: 'already_appended' })).toBe(1);
    expect(await sample(metrics, 'taizhang_appends_total', { category: 'complaint', outcome: 'conflict' })).toBe(1);
    expect(await sample(metrics, 'taizhang_events_appended_total', { category: 'complaint', type: 'ComplaintAcknowledged' })).toBe(1);
    expect(await sample(metrics, 'taizhang_events_appended_total', { category: 'complaint', type: 'NotificationIssued' })).toBe(1);
    expect(await sample(metrics, 'taizhang_append_duration_seconds', { category: 'complaint' }, 'taizhang_append_duration_seconds_count')).toBe(3);
    expect(await sample(metrics, 'taizhang_append_duration_seconds', { category: 'complaint' }, 'taizhang_append_duration_seconds_sum')).toBeGreaterThan(0);

    // Everything else is the store's own, on the store itself.
    expect(store.kind).toBe('sqlite');
    expect((await store.readStream('complaint-K1')).map((e) => e.type)).toEqual(['ComplaintAcknowledged', 'NotificationIssued']);
    expect(await store.head()).toEqual(await raw.head());
  });

  it('observes how late each alarm fired after its computed instant, and nothing for other events', async () => {
    const { store, metrics } = measured();
    const at = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
    const due = '2026-03-02T01:00:00.000Z';
    const fired = [
      envelope('DeadlineWarningIssued', { complaintId: 'K2', deadline: 'resolution', dueAt: due, warnAt: '2026-03-02T00:48:00.000Z' }, { occurredAt: at('2026-03-02T00:48:00.000Z', 30) }),
      envelope('ComplaintEscalated', { complaintId: 'K2', deadline: 'resolution', level: 1, role: 'supervisor', dueAt: due, escalateAt: due, reason: 'r' }, { occurredAt: at(due, 1500) }),
      envelope('FollowUpOverdue', { complaintId: 'K2', dueAt: due }, { occurredAt: at(due, 40_000) }),
      envelope('ComplaintAcknowledged', { complaintId: 'K2', onTime: true }, { occurredAt: at(due, 90_000) }),
    ];
    await store.append('complaint-K2', fired, { expectedRevision: 'no_stream' });
    const h = 'taizhang_alarm_lateness_seconds';
    const count = (type: string) => sample(metrics, h, { category: 'complaint', type }, `${h}_count`);
    const sum = (type: string) => sample(metrics, h, { category: 'complaint', type }, `${h}_sum`);
    expect(await count('DeadlineWarningIssued')).toBe(1);
    expect(await sum('DeadlineWarningIssued')).toBeCloseTo(0.03, 6);
    expect(await sum('ComplaintEscalated')).toBeCloseTo(1.5, 6);
    expect(await sum('FollowUpOverdue')).toBeCloseTo(40, 6);
    expect(await count('ComplaintAcknowledged')).toBeUndefined();
    // Buckets are cumulative: 1.5 s is above 1 s and within 2.5 s.
    expect(await sample(metrics, h, { category: 'complaint', type: 'ComplaintEscalated', le: 1 }, `${h}_bucket`)).toBe(0);
    expect(await sample(metrics, h, { category: 'complaint', type: 'ComplaintEscalated', le: 2.5 }, `${h}_bucket`)).toBe(1);
    // A retried append (the same ids) records no second sample.
    expect((await store.append('complaint-K2', fired, { expectedRevision: 'no_stream' })).alreadyAppended).toBe(true);
    const text = await metrics.metrics();
    expect(text).toContain('taizhang_alarm_lateness_seconds_count{category="complaint",type="ComplaintEscalated"} 1');
  });

  it('knows where every alarm records its instant: each warning and escalation of the catalogue, and the listed ones', () => {
    const shapes = new Map<string, Record<string, unknown>>();
    for (const p of PROCESSES) for (const [type, spec] of Object.entries(p.events)) shapes.set(type, (spec.schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});
    for (const [type, field] of Object.entries(ALARM_INSTANT_FIELDS)) expect(Object.keys(shapes.get(type) ?? {}), `${type}.${field}`).toContain(field);
    const deadlineAlarms = [...shapes].filter(([, shape]) => DEADLINE_ALARM_FIELDS.some((f) => f in shape)).map(([type]) => type);
    // Every process with deadlines records its warnings and escalations with these fields.
    expect(deadlineAlarms).toEqual(expect.arrayContaining(['DeadlineWarningIssued', 'ComplaintEscalated', 'EnquiryWarningIssued', 'ChangeWarningIssued', 'CorrectiveWarningIssued', 'CustomerApprovalEscalated']));
    for (const type of deadlineAlarms) expect(type, 'only alarms record warnAt/escalateAt').toMatch(/WarningIssued$|Escalated$/);
    expect(scheduledInstantOf({ type: 'ChangeShelved', data: { at: '2026-01-01T00:00:00Z', since: '2025-10-01T00:00:00Z' }, metadata: { occurredAt: '2026-01-01T00:00:01Z' } })).toBe('2026-01-01T00:00:00Z');
    expect(scheduledInstantOf({ type: 'ComplaintReceived', data: { receivedAt: '2026-01-01T00:00:00Z' }, metadata: { occurredAt: '2026-01-01T00:00:00Z' } })).toBeUndefined();
  });

  it('labels stay few: a stream name gives its process, never its id', () => {
    expect(streamCategory('complaint-K1')).toBe('complaint');
    expect(streamCategory('survey-key-2027Q1')).toBe('survey');
    expect(streamCategory('13800138000')).toBe('other');
  });
});

describe('worker metrics: notifications', () => {
  it('counts sends by channel, failed attempts, and sends found in doubt at start', async () => {
    const s = tempStore();
    const sentLog = new SentLog(`${s.dir}/notifications.db`);
    try {
      const issue = (n: number) =>
        s.store.append('complaint-K3', [envelope('NotificationIssued', { stream: 'complaint-K3', key: `K3#${n}`, recipient: 'role:supervisor', subject: 's', body: 'b', about: 'x' }, { schemaVersion: 2 })], {
          expectedRevision: n === 1 ? 'no_stream' : n - 2,
        });
      await issue(1);
      await issue(2);
      // A crash cut off a send of K3#1 after it was begun: in doubt, sent again.
      sentLog.begin('K3#1', 'role:supervisor');
      let failures = 1;
      const notifier: Notifier = {
        channel: 'webhook',
        send: async () => {
          if (failures-- > 0) throw new Error('503');
          return { channel: 'webhook', addresses: 1 };
        },
      };
      const metrics = new WorkerMetrics({ processMetrics: false });
      const d = new NotificationDispatcher(s.store, notifier, sentLog, new RecipientResolver({ staff: [] }), silent, { maxBackoffMs: 20, counters: metrics.notifications });
      d.start();
      for (let i = 0; i < 200 && sentLog.count() < 2; i++) await new Promise((r) => setTimeout(r, 10));
      await d.stop();
      expect(await sample(metrics, 'taizhang_notifications_sent_total', { channel: 'webhook' })).toBe(2);
      expect(await sample(metrics, 'taizhang_notifications_failed_total', { channel: 'webhook' })).toBe(1);
      expect(await sample(metrics, 'taizhang_notifications_in_doubt_total', {})).toBe(1);
    } finally {
      sentLog.close();
      await s.cleanup();
    }
  });
});

describe('worker metrics endpoint', () => {
  it('serves Prometheus text on a free port, announces it, and withdraws it', async () => {
    const t = tempDir();
    try {
      const metrics = new WorkerMetrics();
      metrics.notifications.sent('log');
      const server = await serveMetrics('127.0.0.1:0', () => metrics.metrics());
      const file = `${t.dir}/run/worker-metrics.json`;
      const withdraw = announceMetrics(file, server.url);
      expect(announcedMetrics(file)).toBe(server.url);
      const res = await fetch(server.url);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(text).toContain('taizhang_notifications_sent_total{channel="log"} 1');
      expect(text).toMatch(/^taizhang_worker_process_resident_memory_bytes \d+/m);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
      withdraw();
      expect(announcedMetrics(file)).toBeUndefined();
      await server.close();
      expect(await fetchMetricsText(server.url, 500)).toBeUndefined();
    } finally {
      t.cleanup();
    }
  });
});

describe('logs: pretty at a terminal, JSON otherwise', () => {
  const capture = () => {
    let out = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    return { stream, text: () => out };
  };

  it('LOG_FORMAT decides, else whether stdout is a terminal', () => {
    expect(logFormat(undefined, true)).toBe('pretty');
    expect(logFormat('auto', true)).toBe('pretty');
    expect(logFormat(undefined, false)).toBe('json');
    expect(logFormat('auto', false)).toBe('json');
    expect(logFormat('json', true)).toBe('json');
    expect(logFormat('pretty', false)).toBe('pretty');
  });

  it('both formats redact personal data', async () => {
    const json = capture();
    createLogger({ name: 'worker', destination: json.stream }).info({ phone: '13800138000', customer: { email: 'a@example.com' }, stream: 'complaint-K1' }, 'received');
    const line = JSON.parse(json.text()) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'worker', msg: 'received', phone: '[redacted]', customer: { email: '[redacted]' }, stream: 'complaint-K1' });

    const pretty = capture();
    createLogger({ name: 'worker', destination: pretty.stream, format: 'pretty' }).info({ phone: '13800138000', customer: { email: 'a@example.com' }, stream: 'complaint-K1' }, 'received');
    await new Promise((r) => setTimeout(r, 20));
    const text = pretty.text();
    expect(text).toMatch(/INFO \(worker\): received/);
    expect(text).toContain('complaint-K1');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('13800138000');
    expect(text).not.toContain('a@example.com');
    expect(() => JSON.parse(text)).toThrow();
  });
});
