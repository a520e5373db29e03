import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { COMMAND_ROLES } from '../domain/access';
import { customerProfile } from '../domain/customer/model';
import { DomainError, HTTP_STATUS_OF_KIND } from '../domain/errors';
import { entityId } from '../domain/fields';
import { ROLES } from '../domain/roles';
import { validationFrom } from '../domain/validation';
import type { EventStore } from '../events/store/port';
import { measureLag } from '../projections/projector';
import type { LedgerReader } from '../projections/reader';
import { AuthError, requireRole, TokenAuth, type Principal } from './auth';
import type { TemporalGateway } from './gateway';
import { registerComplaintRoutes } from './complaints';
import { registerAuditRoutes } from './audit';
import type { SlaPolicy } from '../domain/sla';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Routes open without a token (health, OpenAPI). */
    public?: boolean;
  }
}

export interface AppDeps {
  config: Pick<Config, 'tokens' | 'temporalAddress'>;
  logger: Logger;
  gateway: TemporalGateway;
  store: EventStore;
  ledgers: LedgerReader;
  policy: SlaPolicy;
  /** Time zone of instants in exports (TAIZHANG_TIME_ZONE). */
  timeZone?: string;
  /** DATA_DIR/audit.db: the recorded hash chain and its anchors. */
  auditDbPath?: string;
  version?: string;
}

export const registerCustomerBody = customerProfile.extend({ customerId: entityId.optional() }).strict();

const errorBody = z.object({
  error: z.string(),
  code: z.string().optional(),
  message: z.string(),
  issues: z.array(z.object({ field: z.string(), rule: z.string() })).optional(),
});


/** Idempotency-Key header: a retried request with the same key gets the same result and appends nothing new. */
const idempotencyKey = (req: FastifyRequest): string | undefined => {
  const v = req.headers['idempotency-key'];
  const key = Array.isArray(v) ? v[0] : v;
  if (key === undefined) return undefined;
  if (!/^[\w.:-]{8,200}$/.test(key))
    throw new DomainError('validation', 'validation_failed', 'Idempotency-Key: must be 8–200 characters of letters, digits, . _ : -', [
      { field: 'Idempotency-Key', rule: 'must be 8–200 characters of letters, digits, . _ : -' },
    ]);
  return key;
};

/** The HTTP API: a thin adapter that parses with zod, authorises, and calls Temporal or the read models. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const auth = new TokenAuth(deps.config.tokens);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    disableRequestLogging: false,
  });
  // Bodies and queries are parsed with the same zod schemas the domain uses; failures name each field and rule.
  app.setValidatorCompiler<z.ZodType>(({ schema }) => (data) => {
    const r = schema.safeParse(data);
    return r.success ? { value: r.data } : { error: validationFrom(r.error) };
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

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    req.principal = auth.authenticate(req.headers.authorization);
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AuthError) {
      if (err.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="taizhang"');
      return reply.status(err.status).send({ error: err.status === 401 ? 'unauthorized' : 'forbidden', message: err.message });
    }
    if (err instanceof DomainError) {
      const status = HTTP_STATUS_OF_KIND[err.kind];
      return reply.status(status).send({ error: err.kind, code: err.code, message: err.message, ...(err.issues.length ? { issues: err.issues } : {}) });
    }
    const e = err as { statusCode?: number; message?: string; code?: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      // fastify's own rejections: malformed JSON, wrong content type, body too large…
      return reply.status(e.statusCode).send({ error: 'bad_request', code: e.code, message: e.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: 'internal', message: 'internal error; see the server log for request ' + req.id });
  });

  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/healthz',
    { config: { public: true }, schema: { summary: 'Liveness and readiness: Temporal, the event store and the projector lag', security: [] } },
    async (_req, reply) => {
      const [temporal, store] = await Promise.all([
        deps.gateway.healthy(),
        deps.store.head().then(
          (h) => ({ ok: true, kind: deps.store.kind, head: h.position }),
          (err: unknown) => ({ ok: false, kind: deps.store.kind, error: (err as Error).message }),
        ),
      ]);
      const checkpoint = deps.ledgers.checkpoint();
      const lag = store.ok ? await measureLag(deps.store, checkpoint).catch(() => undefined) : undefined;
      const ok = temporal && store.ok;
      return reply.status(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'unavailable',
        temporal: { ok: temporal, address: deps.config.temporalAddress },
        store,
        projector: { ready: deps.ledgers.ready(), checkpoint, lag: lag ? { events: lag.events, capped: lag.capped, ms: lag.ms } : null },
      });
    },
  );

  app.post(
    '/customers',
    {
      schema: {
        summary: 'Register a customer (客户登记)',
        description: 'Returns once CustomerRegistered is durable in the event store. Send Idempotency-Key to make retries safe.',
        body: registerCustomerBody,
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        response: { 201: z.object({ customerId: z.string(), streamName: z.string(), revision: z.number(), position: z.string().nullable(), eventIds: z.array(z.string()), eventTypes: z.array(z.string()) }), 400: errorBody, 401: errorBody, 403: errorBody, 409: errorBody },
      },
    },
    async (req, reply) => {
      const principal = req.principal!;
      requireRole(principal, COMMAND_ROLES.RegisterCustomer ?? [], 'register customers');
      const body = req.body as z.infer<typeof registerCustomerBody>;
      const result = await deps.gateway.registerCustomer(body, { actor: principal.actor, role: principal.role, correlationId: req.id }, idempotencyKey(req));
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/ledgers',
    { schema: { summary: 'The ledgers (台账) and their columns' } },
    async () => ({
      ledgers: deps.ledgers.ledgers.map((l) => ({
        name: l.name,
        title: l.title,
        columns: l.columns.map((c) => ({ name: c.name, label: c.label, personalData: Boolean(c.pii) })),
      })),
    }),
  );

  registerAuditRoutes(app, { store: deps.store, ledgers: deps.ledgers, timeZone: deps.timeZone ?? 'Asia/Shanghai', auditDbPath: deps.auditDbPath });


  registerComplaintRoutes(app, deps);

  app.get('/roles', { schema: { summary: 'Roles known to the API', hide: true } }, async () => ({ roles: ROLES }));
  return app;
}
