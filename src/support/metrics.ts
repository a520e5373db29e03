import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The worker's business metrics (Prometheus, prom-client): appends to the event store and their latency, how late
 * warnings and escalations fired after their computed instant, notifications sent and in doubt. Labels are bounded
 * and never carry personal data: stream categories (the process of `<process>-<id>`), event types, channels.
 */

/** Seconds an alarm fired after its instant: Temporal's own floor is tens of milliseconds; a worker outage is minutes. */
const LATENESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];
/** Seconds one append takes (SQLite commits in well under a millisecond; KurrentDB is a network round trip). */
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** What an appended event must have for its lateness to be read: its type, its data and when it occurred. */
export interface AppendedEvent {
  type: string;
  data: unknown;
  metadata: { occurredAt: string };
}

/** Where an event records the instant its alarm was scheduled for, when it is one an alarm fired. */
export type ScheduledInstantOf = (event: AppendedEvent) => string | undefined;

/** The process of a stream (`complaint-K1` → `complaint`); anything else is `other`, so labels stay few. */
export function streamCategory(streamName: string): string {
  const i = streamName.indexOf('-');
  const category = i < 0 ? streamName : streamName.slice(0, i);
  return /^[a-z][a-z_]{0,31}$/.test(category) ? category : 'other';
}

/** An event type as a label value: the catalogue's names, never free text. */
const typeLabel = (type: string): string => (/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(type) ? type : 'other');

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly appends = new Counter({
    name: 'taizhang_appends_total',
    help: 'Appends to the event store by stream category and outcome (appended, already_appended: a retry found its events there, conflict: the expected revision did not match, error).',
    labelNames: ['category', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly appendedEvents = new Counter({
    name: 'taizhang_events_appended_total',
    help: 'Events written to the event store, by stream category and event type (a retry that found them there counts none).',
    labelNames: ['category', 'type'] as const,
    registers: [this.registry],
  });
  readonly appendSeconds = new Histogram({
    name: 'taizhang_append_duration_seconds',
    help: 'Time one append to the event store took, by stream category.',
    labelNames: ['category'] as const,
    buckets: APPEND_BUCKETS,
    registers: [this.registry],
  });
  readonly lateness = new Histogram({
    name: 'taizhang_alarm_lateness_seconds',
    help: 'How late a warning, escalation or other alarm fired after the instant it was computed for (event occurredAt minus its scheduled instant), by event type.',
    labelNames: ['category', 'type'] as const,
    buckets: LATENESS_BUCKETS,
    registers: [this.registry],
  });
  readonly notificationsSent = new Counter({
    name: 'taizhang_notifications_sent_total',
    help: 'Notifications the outbox dispatcher sent, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly notificationsFailed = new Counter({
    name: 'taizhang_notifications_failed_total',
    help: 'Notification sends that failed and are retried with backoff, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly notificationsInDoubt = new Counter({
    name: 'taizhang_notifications_in_doubt_total',
    help: 'Notifications found begun but not confirmed at start (a crash cut the send off: it may have gone out); each is sent again with the same key.',
    registers: [this.registry],
  });

  readonly sdkMetricsUp = new Gauge({
    name: 'taizhang_worker_sdk_metrics_up',
    help: "1 when this scrape includes the Temporal SDK's own metrics (temporal_…), 0 when its exporter did not answer or does not run.",
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // Node's own (memory, event loop, GC), prefixed so they never clash with the API's in one scrape.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'taizhang_worker_' });
  }

  /** The counters the notification dispatcher moves. */
  readonly notifications = {
    sent: (channel: string) => this.notificationsSent.inc({ channel }),
    failed: (channel: string) => this.notificationsFailed.inc({ channel }),
    inDoubt: (count: number) => this.notificationsInDoubt.inc(count),
  };

  /** Records a successful append: its outcome, its events and, for each event an alarm fired, its lateness. */
  appended(streamName: string, events: readonly AppendedEvent[], alreadyAppended: boolean, seconds: number, scheduledAt: ScheduledInstantOf): void {
    const category = streamCategory(streamName);
    this.appendSeconds.observe({ category }, seconds);
    this.appends.inc({ category, outcome: alreadyAppended ? 'already_appended' : 'appended' });
    if (alreadyAppended) return; // a retry: its events and their lateness were counted when they were written
    for (const e of events) {
      this.appendedEvents.inc({ category, type: typeLabel(e.type) });
      const scheduled = scheduledAt(e);
      if (scheduled === undefined) continue;
      const late = Date.parse(e.metadata.occurredAt) - Date.parse(scheduled);
      // An alarm never fires before its instant (the deciders refuse it); a clock step must not make a negative sample.
      if (Number.isFinite(late)) this.lateness.observe({ category, type: typeLabel(e.type) }, Math.max(0, late) / 1000);
    }
  }

  failed(streamName: string, err: unknown, seconds: number): void {
    const category = streamCategory(streamName);
    this.appendSeconds.observe({ category }, seconds);
    this.appends.inc({ category, outcome: (err as { name?: string } | null)?.name === 'ConcurrencyError' ? 'conflict' : 'error' });
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Anything with the event store's `append` (the port's shape, without importing the layer above). */
export interface Appending {
  append(streamName: string, events: AppendedEvent[], options: never): Promise<{ alreadyAppended: boolean }>;
}

/**
 * The store with its appends measured: count, events, latency and the lateness of the alarms they record. Every other
 * member is the store's own, called on the store itself.
 */
export function measuredAppends<S extends Appending>(store: S, metrics: WorkerMetrics, scheduledAt: ScheduledInstantOf): S {
  const append = async (streamName: string, events: AppendedEvent[], options: never) => {
    const started = performance.now();
    try {
      const r = await store.append(streamName, events, options);
      metrics.appended(streamName, events, r.alreadyAppended, (performance.now() - started) / 1000, scheduledAt);
      return r;
    } catch (err) {
      metrics.failed(streamName, err, (performance.now() - started) / 1000);
      throw err;
    }
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
