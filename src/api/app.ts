import { randomUUID } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { TokenEntry } from '../config/config';
import { DomainError, HTTP_STATUS_OF_KIND } from '../domain/errors';
import type { Directory } from '../domain/directory';
import type { Policy } from '../domain/policy/schema';
import { ROLES } from '../domain/roles';
import { validationFrom } from '../domain/validation';
import type { EventStore } from '../events/store/port';
import { measureLag } from '../projections/projector';
import type { LedgerReader } from '../projections/reader';
import type { PiiCipher } from '../events/keys/cipher';
import type { AesGcmPayloadCodec } from '../support/codec';
import { codecAuthorization, registerCodecRoutes } from './codec';
import { AccessLog } from '../audit/access-log';
import { registerAuditRoutes, type AuditRouteDeps } from './audit';
import { AuthError, TokenAuth, type Principal } from './auth';
import { registerCalendarRoutes } from './calendar';
import type { TemporalGateway } from './gateway';
import { registerMetricsRoutes, type MetricsOptions } from './metrics';
import { registerProcessRoutes } from './processes';
import { rateLimitKey, rateLimitsOf } from './rate-limits';
import { registerScheduleRoutes, type SurveySchedules } from './schedules';
import { errorBody, readResponses } from './schemas';
import { registerSlaRoutes } from './sla';
import { registerSurveyFormRoutes } from './survey-form';
import { registerSurveyImportRoutes } from './survey-import';
import { registerSurveyReportRoutes } from './survey-report';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Routes open without a token (health, OpenAPI, metrics). */
    public?: boolean;
  }
}

export interface AppDeps {
  config: { tokens: readonly TokenEntry[]; temporalAddress: string; TAIZHANG_NODE?: string | undefined };
  logger: Logger;
  gateway: TemporalGateway;
  store: EventStore;
  ledgers: LedgerReader;
  policy: Policy;
  /** Time zone of instants in exports (TAIZHANG_TIME_ZONE). */
  timeZone?: string;
  /** DATA_DIR/audit.db: the recorded hash chain and its anchors. */
  auditDbPath?: string;
  /** Opens the chain record where the deployment keeps it (PostgreSQL for a cluster); default: `auditDbPath`. */
  openAnchors?: AuditRouteDeps['openAnchors'];
  /** Requests per minute per client (token, else address); 0 or absent turns the limit off. */
  rateLimitPerMinute?: number;
  /** Exports, as-of views and verify per minute per token (each its own budget); default a sixtieth of the above, at least 2. */
  heavyRateLimitPerMinute?: number;
  /** DATA_DIR/access.db: the append-only log of reads and exports of unmasked personal data. Absent: kept in memory (tests). */
  accessLogPath?: string;
  version?: string;
  /** The survey cycles' Temporal Schedules (`/schedules`, for admins); without it, no such routes. */
  schedules?: SurveySchedules;
  /** Survey links (`GET|POST /s/<token>`, the respondents' form): their secret and base URL; without it, no form. */
  links?: { secret: string; baseUrl: string };
  /** `/metrics`: its token, if any, and where the worker's metrics are read from. Without it, the API's own, open. */
  metrics?: MetricsOptions;
  /** The Temporal payload codec: `/codec/decode` for the Web UI and the temporal CLI. Without it, no codec routes. */
  codec?: AesGcmPayloadCodec;
  /** Opens the personal fields sealed with customers' data keys, for the roles that may read them (masked for others). */
  pii?: PiiCipher;
  /** The staff directory: a ledger page shows each staff id's display name beside it (`owner_name`). */
  directory?: Directory;
  /** Origins of the Temporal Web UI allowed to call the codec routes from a browser. */
  uiOrigins?: readonly string[];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The HTTP API: a thin adapter that parses with zod, authorises, and calls Temporal or the read models. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const auth = new TokenAuth(deps.config.tokens);
  // Fastify's own request lines carry the whole URL (a filter may hold a phone); one line per request is written below.
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, genReqId: () => randomUUID(), exposeHeadRoutes: false, logController: new LogController({ disableRequestLogging: true }) });
  // Bodies and queries are parsed with the same zod schemas the domain uses; failures name each field and rule.
  app.setValidatorCompiler<z.ZodType>(({ schema }) => (data) => {
    const r = schema.safeParse(data);
    return r.success ? { value: r.data } : { error: validationFrom(r.error, data ?? {}) };
  });
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'taizhang API', version: deps.version ?? '0.1.0', description: 'Customer-management ledgers: commands go to Temporal workflows, reads come from the ledgers.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  const limits = deps.rateLimitPerMinute ? rateLimitsOf(deps.rateLimitPerMinute, deps.heavyRateLimitPerMinute) : undefined;
  if (limits) {
    await app.register(fastifyRateLimit, {
      max: limits.perMinute,
      timeWindow: 60_000,
      // Per token (by its hash) once it authenticated (people share addresses behind a gateway), else per address.
      // The 429 carries Retry-After.
      keyGenerator: rateLimitKey,
      errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: 'rate_limited', message: `more than ${ctx.max} requests a minute; retry in ${ctx.after}` }),
    });
  }

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public || req.routeOptions.url === undefined) return;
    req.principal = auth.authenticate(codecAuthorization(req.url, req.headers));
  });
  // The access line of every request, refused ones included: who (actor and role, when a token named them), what (the
  // method and the route's pattern, never the URL with its query values), the status and the time taken.
  app.addHook('onResponse', async (req, reply) => {
    const line = {
      http: { method: req.method, route: req.routeOptions.url ?? null, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      actor: req.principal?.actor ?? null,
      role: req.principal?.role ?? null,
    };
    if (reply.statusCode >= 500) req.log.error(line, 'request');
    else req.log.info(line, 'request');
  });
  // Before every route, so its request metrics see them all.
  registerMetricsRoutes(app, { store: deps.store, ledgers: deps.ledgers, metrics: deps.metrics });

  /** The methods a known path does support, when it was asked with another one (405, with Allow). */
  const allowedOn = (url: string) => METHODS.filter((m) => app.findRoute({ method: m, url: url.split('?')[0]! }));
  const methodNotAllowed = (req: FastifyRequest, reply: FastifyReply, allowed: readonly string[]) =>
    reply
      .status(405)
      .header('allow', allowed.join(', '))
      .send({ error: 'method_not_allowed', message: `${req.method} is not allowed on ${req.url.split('?')[0]}; allowed: ${allowed.join(', ')}` });

  app.setErrorHandler((err, req, reply) => {
    // A method fastify itself refuses before routing (QUERY without a body, …) on a known path is still a 405.
    if (req.routeOptions.url === undefined && allowedOn(req.url).length && !(err instanceof AuthError)) return methodNotAllowed(req, reply, allowedOn(req.url));
    if (err instanceof AuthError) {
      if (err.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="taizhang"');
      return reply.status(err.status).send({ error: err.status === 401 ? 'unauthorized' : 'forbidden', message: err.message });
    }
    if (err instanceof DomainError) {
      const status = HTTP_STATUS_OF_KIND[err.kind];
      return reply.status(status).send({ error: err.kind, code: err.code, message: err.message, ...(err.issues.length ? { issues: err.issues } : {}) });
    }
    const e = err as { statusCode?: number; message?: string; code?: string; error?: string };
    if (e.statusCode === 429) return reply.status(429).send({ error: 'rate_limited', message: e.message ?? 'too many requests' });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      // fastify's own rejections: malformed JSON, wrong content type, body too large…
      return reply.status(e.statusCode).send({ error: 'bad_request', code: e.code, message: e.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: 'internal', message: 'internal error; see the server log for request ' + req.id });
  });

  app.setNotFoundHandler((req, reply) => {
    const allowed = allowedOn(req.url);
    if (allowed.length) return methodNotAllowed(req, reply, allowed);
    return reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  // The details (addresses, the store's kind and errors, positions) map the deployment: for operators, not the public.
  const health = z.object({
    status: z.enum(['ok', 'unavailable']),
    node: z.string().optional().describe('with a valid token only: this API node (TAIZHANG_NODE), whose ledger replica the lag is of'),
    temporal: z.object({ ok: z.boolean(), address: z.string() }).optional().describe('with a valid token only'),
    store: z.object({ ok: z.boolean(), kind: z.string(), head: z.string().optional(), error: z.string().optional() }).optional().describe('with a valid token only'),
    projector: z
      .object({ ready: z.boolean(), checkpoint: z.string(), lag: z.object({ events: z.number(), capped: z.boolean(), ms: z.number() }).nullable() })
      .optional()
      .describe('with a valid token only'),
  });
  /** The caller of a public route when it sent a valid token (any role), else nobody: a wrong token is no error here. */
  const operatorOf = (req: FastifyRequest): Principal | undefined => {
    try {
      return req.headers.authorization ? auth.authenticate(req.headers.authorization) : undefined;
    } catch {
      return undefined;
    }
  };
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        summary: 'Liveness and readiness: ok or unavailable for anyone; with a valid token, the details (Temporal, the event store, the projector lag)',
        security: [],
        response: { 200: health, 503: health, 429: errorBody },
      },
    },
    async (req, reply) => {
      req.principal = operatorOf(req);
      const [temporal, store] = await Promise.all([
        deps.gateway.healthy(),
        deps.store.head().then(
          (h) => ({ ok: true, kind: deps.store.kind, head: h.position }),
          (err: unknown) => ({ ok: false, kind: deps.store.kind, error: (err as Error).message }),
        ),
      ]);
      const ok = temporal && store.ok;
      const status = ok ? 'ok' : 'unavailable';
      // The public answer skips the lag measurement: an anonymous caller cannot make the API read the store for it.
      if (!req.principal) return reply.status(ok ? 200 : 503).send({ status });
      const checkpoint = deps.ledgers.checkpoint();
      const lag = store.ok ? await measureLag(deps.store, checkpoint).catch(() => undefined) : undefined;
      return reply.status(ok ? 200 : 503).send({
        status,
        ...(deps.config.TAIZHANG_NODE ? { node: deps.config.TAIZHANG_NODE } : {}),
        temporal: { ok: temporal, address: deps.config.temporalAddress },
        store,
        projector: { ready: deps.ledgers.ready(), checkpoint, lag: lag ? { events: lag.events, capped: lag.capped, ms: lag.ms } : null },
      });
    },
  );

  const ledgerList = z.object({
    ledgers: z.array(z.object({ name: z.string(), title: z.object({ zh: z.string(), en: z.string() }), columns: z.array(z.object({ name: z.string(), label: z.object({ zh: z.string(), en: z.string() }), personalData: z.boolean() })) })),
  });
  app.get('/ledgers', { schema: { summary: 'The ledgers (台账) and their columns', response: readResponses(ledgerList) } }, async () => ({
    ledgers: deps.ledgers.shapes.map((l) => ({ name: l.name, title: l.title, columns: l.columns.map((c) => ({ name: c.name, label: c.label, personalData: Boolean(c.pii) })) })),
  }));

  // Reads and exports of personal data unmasked, for the auditor (src/audit/access-log.ts).
  const accessLog = new AccessLog(deps.accessLogPath ?? ':memory:');
  app.addHook('onClose', async () => accessLog.close());
  if (deps.codec) await registerCodecRoutes(app, { auth, codec: deps.codec, pii: deps.pii, uiOrigins: deps.uiOrigins ?? [], accessLog });
  registerProcessRoutes(app, { ...deps, accessLog });
  registerSlaRoutes(app, deps);
  registerCalendarRoutes(app, deps);
  registerScheduleRoutes(app, deps);
  registerAuditRoutes(app, { store: deps.store, ledgers: deps.ledgers, directory: deps.directory, timeZone: deps.timeZone ?? 'Asia/Shanghai', auditDbPath: deps.auditDbPath, openAnchors: deps.openAnchors, accessLog, limits });
  registerSurveyImportRoutes(app, deps);
  registerSurveyReportRoutes(app, { ledgers: deps.ledgers, store: deps.store, policy: deps.policy, timeZone: deps.timeZone ?? 'Asia/Shanghai' });
  if (deps.links) await registerSurveyFormRoutes(app, { gateway: deps.gateway, links: deps.links, timeZone: deps.timeZone });

  app.get('/roles', { schema: { summary: 'Roles known to the API', hide: true } }, async () => ({ roles: ROLES }));
  return app;
}
