import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { entityId } from '../domain/fields';
import { maskFreeText } from '../domain/pii';
import { actionPath, type CommandSpec, type ProcessDefinition } from '../domain/process';
import { authorize } from '../domain/roles';
import { PROCESSES } from '../processes/registry';
import type { TemporalGateway } from './gateway';
import { shownTo, type PiiCipher } from '../events/keys/cipher';
import { mayReadPii } from '../projections/reader';
import { personalFieldsIn, type AccessLog } from '../audit/access-log';
import { piiKeyNames } from '../events/catalogue';
import { recordAccess } from './audit';
import { zonedDeep } from './local-time';
import { commandResponses, commandResult, idempotencyHeaders, readResponses } from './schemas';

/** A creating command's body: its input with the entity id optional (generated when absent). */
export function createBody(p: ProcessDefinition, spec: CommandSpec): z.ZodType {
  return (spec.input as unknown as z.ZodObject).extend({ [p.idField]: entityId.optional().describe(`${p.title.en} id (default: generated)`) }).strict();
}

const view = z.object({
  streamName: z.string(),
  revision: z.number().int(),
  state: z.record(z.string(), z.unknown()).describe('the process state, as its decider keeps it; instants in the configured time zone, with its offset'),
  pendingAlarms: z.array(z.record(z.string(), z.unknown())).describe('warnings, escalations and reminders still to come, earliest first'),
});

const idempotencyKeyOf = (headers: Record<string, unknown>): string | undefined => headers['idempotency-key'] as string | undefined;

/**
 * Every process's routes, from its definition: `POST /<collection>` for its creating command (201), `POST
 * /<collection>/:id/<command>` for the others (200), `GET /<collection>/:id` for its state.
 */
/** Every string of a value with what looks like personal data masked (maskFreeText), at any depth. */
function maskTextDeep<T>(v: T): T {
  if (typeof v === 'string') return maskFreeText(v) as T;
  if (Array.isArray(v)) return v.map(maskTextDeep) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskTextDeep(x)])) as T;
  return v;
}

export function registerProcessRoutes(
  app: FastifyInstance,
  deps: { gateway: TemporalGateway; pii?: PiiCipher; accessLog?: AccessLog; timeZone?: string },
  processes: readonly ProcessDefinition[] = PROCESSES,
): void {
  const personalNames = piiKeyNames();
  for (const p of processes) {
    // OpenAPI links from the creating command to everything done with what it created (the id in its 201 body).
    const operationId = (action: string) => `${p.name}.${action}`;
    const links = Object.fromEntries(
      [...Object.entries(p.commands).filter(([, c]) => !c.creates).map(([a]) => a), 'show'].map((a) => [a, { operationId: operationId(a), parameters: { id: `$response.body#/${p.idField}` } }]),
    );
    for (const [action, spec] of Object.entries(p.commands)) {
      const tags = [p.title.en];
      if (spec.creates) {
        app.post(
          `/${p.collection}`,
          {
            links: { 201: links },
            schema: {
              operationId: operationId(action),
              summary: spec.summary,
              description: `Starts a ${p.name}; returns once its first events are durable. Roles: ${spec.roles.join(', ')}.`,
              tags,
              body: createBody(p, spec),
              headers: idempotencyHeaders,
              response: commandResponses(201, commandResult.extend({ [p.idField]: z.string() })),
            },
          },
          async (req, reply) => {
            const who = req.principal!;
            authorize(`${action} ${p.collection}`, spec.roles, who.role);
            const r = await deps.gateway.create(p, action, req.body as Record<string, unknown>, { actor: who.actor, role: who.role, correlationId: req.id }, { idempotencyKey: idempotencyKeyOf(req.headers) });
            const { id, ...result } = r;
            return reply.status(201).send({ [p.idField]: id, ...result });
          },
        );
        continue;
      }
      app.post(
        `/${p.collection}/:id/${actionPath(action)}`,
        {
          schema: {
            operationId: operationId(action),
            summary: spec.summary,
            description: `Returns once the events are durable. Roles: ${spec.roles.join(', ')}.`,
            tags,
            params: z.object({ id: entityId }),
            body: spec.input,
            headers: idempotencyHeaders,
            response: commandResponses(200, commandResult),
          },
        },
        async (req) => {
          const who = req.principal!;
          authorize(`${action} ${p.collection}`, spec.roles, who.role);
          const { id } = req.params as { id: string };
          return deps.gateway.command(p, id, action, req.body ?? {}, { actor: who.actor, role: who.role, correlationId: req.id }, { idempotencyKey: idempotencyKeyOf(req.headers) });
        },
      );
    }
    app.get(
      `/${p.collection}/:id`,
      { schema: { operationId: operationId('show'), summary: `A ${p.name} with its state and the alarms still to come`, tags: [p.title.en], params: z.object({ id: entityId }), response: readResponses(view) } },
      async (req) => {
        const { id } = req.params as { id: string };
        const view = await deps.gateway.view(p, id);
        // Personal fields are sealed in the workflow's state: opened for roles that read them, masked for the others.
        const unmasked = mayReadPii(req.principal!.role);
        const opened = deps.pii ? deps.pii.reveal(view, shownTo(unmasked)) : view;
        // Free text (summaries, notes) with a phone, an ID-card number or an e-mail address in it is masked the same way.
        const shown = unmasked ? opened : maskTextDeep(opened);
        // An unmasked record with personal data in it goes into the access log before it leaves.
        const fields = unmasked && deps.accessLog ? personalFieldsIn(shown.state, personalNames) : [];
        if (fields.length) {
          const customerId = p.name === 'customer' ? id : (shown.state as { customerId?: unknown }).customerId;
          const customerIds = typeof customerId === 'string' ? [customerId] : [];
          recordAccess({ accessLog: deps.accessLog! }, req, { kind: p.name === 'customer' ? 'customer' : 'record', subject: shown.streamName, customerIds, rows: 1, columns: fields });
        }
        // Every instant (deadlines, alarms' `at`, received…) as people read it: in the configured zone, with its offset.
        return zonedDeep(shown, deps.timeZone ?? 'Asia/Shanghai');
      },
    );
  }
}
