import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { EventStore } from '../events/store/port';
import { COMPLAINT_STATUSES } from '../processes/complaint/decider';
import { measureLag } from '../projections/projector';
import type { LedgerReader } from '../projections/reader';
import { fetchMetricsText, PROMETHEUS_CONTENT_TYPE } from '../support/metrics-server';
import { TokenAuth } from './auth';
import { errorBody } from './schemas';

/**
 * `GET /metrics`, Prometheus text: the API's own metrics (open complaints by state from the ledgers, projector lag,
 * HTTP requests) and, appended, the worker's (appends, alarm lateness, notifications, the Temporal SDK's own). Only
 * counts, durations and bounded labels (states, route templates, stream categories, event types): no personal data.
 */
export interface MetricsOptions {
  /** When set, /metrics requires `Authorization: Bearer <token>` (TAIZHANG_METRICS_TOKEN); otherwise it is open. */
  token?: string;
  /** Where the worker's metrics are read from at each scrape (undefined: none announced); absent: not read at all. */
  worker?: { url: () => string | undefined; timeoutMs?: number };
}

const OPEN_COMPLAINT_STATUSES = COMPLAINT_STATUSES.filter((s) => s !== 'closed' && s !== 'withdrawn');
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function registerMetricsRoutes(app: FastifyInstance, deps: { store: EventStore; ledgers: LedgerReader; metrics?: MetricsOptions }): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'taizhang_api_' });
  const open = new Gauge({ name: 'taizhang_complaints_open', help: 'Open complaints by state, from the complaints ledger (投诉台账).', labelNames: ['status'] as const, registers: [registry] });
  const ready = new Gauge({ name: 'taizhang_ledgers_ready', help: '1 once the projector has created the current ledgers this API reads.', registers: [registry] });
  const storeUp = new Gauge({ name: 'taizhang_event_store_up', help: '1 when the event store answered this scrape.', registers: [registry] });
  const lagEvents = new Gauge({ name: 'taizhang_projector_lag_events', help: 'Events in the store the ledgers do not include yet (counted up to 10000).', registers: [registry] });
  const lagSeconds = new Gauge({ name: 'taizhang_projector_lag_seconds', help: 'How long the oldest event the ledgers do not include has been waiting (0 when caught up).', registers: [registry] });
  const checkpointPosition = new Gauge({ name: 'taizhang_projector_checkpoint_position', help: 'Position of the last event the ledgers include.', registers: [registry] });
  const headPosition = new Gauge({ name: 'taizhang_store_head_position', help: 'Position of the newest event in the store.', registers: [registry] });
  const requests = new Counter({ name: 'taizhang_http_requests_total', help: 'HTTP requests by method, route template and status.', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const duration = new Histogram({
    name: 'taizhang_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const workerUp = deps.metrics?.worker
    ? new Gauge({ name: 'taizhang_worker_metrics_up', help: "1 when this scrape includes the worker's metrics, 0 when the worker did not answer (or announced none).", registers: [registry] })
    : undefined;
  const auth = deps.metrics?.token ? new TokenAuth([{ token: deps.metrics.token, role: 'auditor', actor: 'metrics' }]) : undefined;
  const complaints = deps.ledgers.ledgers.some((l) => l.name === 'complaints');

  // Route templates, never the URL itself: ids and survey-link tokens stay out of the labels.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  const refresh = async () => {
    ready.set(deps.ledgers.ready() ? 1 : 0);
    if (complaints) for (const status of OPEN_COMPLAINT_STATUSES) open.set({ status }, deps.ledgers.list('complaints', 'auditor', { where: { status }, limit: 0 }).total);
    try {
      const lag = await measureLag(deps.store, deps.ledgers.checkpoint());
      checkpointPosition.set(Number(lag.checkpoint));
      headPosition.set(Number(lag.head));
      lagEvents.set(lag.events);
      lagSeconds.set(lag.ms / 1000);
      storeUp.set(1);
    } catch {
      storeUp.set(0);
    }
  };
  const worker = async () => {
    const w = deps.metrics?.worker;
    if (!w) return undefined;
    const url = w.url();
    const text = url ? await fetchMetricsText(url, w.timeoutMs ?? 2000) : undefined;
    workerUp!.set(text === undefined ? 0 : 1);
    return text;
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    auth?.authenticate(req.headers.authorization);
    const [fromWorker] = await Promise.all([worker(), refresh()]);
    const own = await registry.metrics();
    return reply.header('content-type', PROMETHEUS_CONTENT_TYPE).send(fromWorker ? `${own.trimEnd()}\n${fromWorker.trimEnd()}\n` : own);
  };
  const route = {
    config: { public: true },
    schema: {
      summary: "Prometheus metrics: open complaints by state, projector lag, HTTP requests, and the worker's (appends, alarm lateness, notifications, the Temporal SDK's own)",
      security: auth ? [{ bearer: [] }] : [],
      response: { 200: { content: { 'text/plain; version=0.0.4': { schema: z.string() } } }, 429: errorBody, ...(auth ? { 401: errorBody } : {}) },
    },
  };
  app.get('/metrics', route, handler);
}
