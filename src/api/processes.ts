import type { FastifyInstance, FastifyRequest } from 'fastify';
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
import { PolicyInForce } from '../calendar/in-force';
import { memberOf, type Directory } from '../domain/directory';
import { resolveStaffFields } from '../domain/staff/schema';
import type { BusinessCalendar } from '../domain/calendar/calendar';
import { calendarForPolicy } from '../domain/policy/ref';
import type { Policy } from '../domain/policy/schema';
import type { EventStore } from '../events/store/port';

/** A creating command's body: its input with the entity id optional (generated when absent). */
export function createBody(p: ProcessDefinition, spec: CommandSpec): z.ZodType {
  return (spec.input as unknown as z.ZodObject).extend({ [p.idField]: entityId.optional().describe(`${p.title.en} id (default: generated)`) }).strict();
}

const view = z.object({
  streamName: z.string(),
  revision: z.number().int(),
  state: z.record(z.string(), z.unknown()).describe('the process state, as its decider keeps it; instants in the configured time zone, with its offset'),
  pendingAlarms: z.array(z.record(z.string(), z.unknown())).describe('warnings, escalations and reminders still to come, earliest first'),
  businessMinutesLeft: z
    .record(z.string(), z.number())
    .optional()
    .describe('for each deadline still open (by its key in state): business minutes until it is due on the calendar in force, negative once it is late; while paused, counted from the pause'),
});

/**
 * Business minutes left until each open deadline of a state (a value with `due` that is not `met`): from now, or from
 * the start of a pause (the clock stands still while paused), on the calendar in force. Rounded to a tenth.
 */
export function businessMinutesLeft(state: Record<string, unknown>, calendar: BusinessCalendar, now: number): Record<string, number> {
  const paused = state.paused as { since?: unknown } | null | undefined;
  const from = paused && typeof paused.since === 'string' && !Number.isNaN(Date.parse(paused.since)) ? Math.min(now, Date.parse(paused.since)) : now;
  const out: Record<string, number> = {};
  for (const [key, d] of Object.entries(state)) {
    if (!d || typeof d !== 'object' || Array.isArray(d)) continue;
    const { due, met } = d as { due?: unknown; met?: unknown };
    if (typeof due !== 'string' || met === true || Number.isNaN(Date.parse(due))) continue;
    const at = Date.parse(due);
    const minutes = at >= from ? calendar.businessMinutesBetween(from, at) : -calendar.businessMinutesBetween(at, from);
    out[key] = Math.round(minutes * 10) / 10;
  }
  return out;
}

const idempotencyKeyOf = (headers: Record<string, unknown>): string | undefined => headers['idempotency-key'] as string | undefined;
/** Every string of a value with what looks like personal data masked (maskFreeText), at any depth. */
function maskTextDeep<T>(v: T): T {
  if (typeof v === 'string') return maskFreeText(v) as T;
  if (Array.isArray(v)) return v.map(maskTextDeep) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskTextDeep(x)])) as T;
  return v;
}

/**
 * Every process's routes, from its definition: `POST /<collection>` for its creating command (201), `POST
 * /<collection>/:id/<command>` for the others (200), `GET /<collection>/:id` for its state.
 */
export function registerProcessRoutes(
  app: FastifyInstance,
  deps: { gateway: TemporalGateway; pii?: PiiCipher; accessLog?: AccessLog; timeZone?: string; policy?: Policy; store?: Pick<EventStore, 'readStream'>; directory?: Directory },
  processes: readonly ProcessDefinition[] = PROCESSES,
): void {
  const personalNames = piiKeyNames();
  // The calendar business time left is counted on: the policy's, with every imported holiday notice.
  const inForce = deps.policy && deps.store ? new PolicyInForce(deps.store, deps.policy) : undefined;
  const calendarNow = async (log: { warn: (o: object, m: string) => void }): Promise<BusinessCalendar | undefined> => {
    const policy = inForce ? await inForce.current((err) => log.warn({ err }, 'calendar versions not read; the last known calendar computes')) : deps.policy;
    return policy && calendarForPolicy(policy);
  };
  // People named by display name (陈静) become their directory ids before the body is checked against the command's schema.
  const staffByName = (spec: CommandSpec) => async (req: FastifyRequest) => {
    if (deps.directory) req.body = resolveStaffFields(deps.directory, spec.input, req.body ?? {});
  };
  /**
   * A process's view as a person may read it (the same for `GET /<collection>/:id` and a command's representation):
   * personal fields opened or masked by role, the business time left, the owner's display name, instants in the
   * configured zone; and `log`, which writes what is opened to the access log (called once the view leaves).
   */
  const presented = async (req: FastifyRequest, p: ProcessDefinition, id: string) => {
    const view = await deps.gateway.view(p, id);
    // Personal fields are sealed in the workflow's state: opened for roles that read them, masked for the others.
    const unmasked = mayReadPii(req.principal!.role);
    const opened = deps.pii ? deps.pii.reveal(view, shownTo(unmasked)) : view;
    // Free text (summaries, notes) with a phone, an ID-card number or an e-mail address in it is masked the same way.
    const shown = unmasked ? opened : maskTextDeep(opened);
    // An unmasked record with personal data in it goes into the access log before it leaves.
    const fields = unmasked && deps.accessLog ? personalFieldsIn(shown.state, personalNames) : [];
    const log = () => {
      if (!fields.length) return;
      const customerId = p.name === 'customer' ? id : (shown.state as { customerId?: unknown }).customerId;
      const customerIds = typeof customerId === 'string' ? [customerId] : [];
      recordAccess({ accessLog: deps.accessLog! }, req, { kind: p.name === 'customer' ? 'customer' : 'record', subject: shown.streamName, customerIds, rows: 1, columns: fields });
    };
    const calendar = await calendarNow(req.log);
    const left = calendar ? businessMinutesLeft(view.state as Record<string, unknown>, calendar, Date.now()) : {};
    // Every instant (deadlines, alarms' `at`, received…) as people read it: in the configured zone, with its offset.
    // The owner by their display name beside the id, when the directory names them (李娜 for li.na).
    const owner = (shown.state as { owner?: unknown }).owner;
    const ownerName = typeof owner === 'string' && deps.directory ? memberOf(deps.directory, owner)?.name : undefined;
    const state = ownerName ? { ...(shown.state as Record<string, unknown>), ownerName } : shown.state;
    return { body: zonedDeep({ ...shown, state, ...(Object.keys(left).length ? { businessMinutesLeft: left } : {}) }, deps.timeZone ?? 'Asia/Shanghai'), log };
  };
  /** A view that leaves the API: logged, then its body. */
  const sent = (v: { body: unknown; log: () => void } | undefined) => {
    v?.log();
    return v?.body;
  };
  /** `Prefer: return=representation` (RFC 7240): a command answers with the view before and after it, in one request. */
  const wantsViews = (req: FastifyRequest): boolean => /\breturn=representation\b/.test(String(req.headers.prefer ?? ''));
  const commandWithViews = commandResult.extend({
    before: view.optional().describe('with Prefer: return=representation, the view before the command (absent for a new record)'),
    view: view.optional().describe('with Prefer: return=representation, the view after the command'),
  });
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
            preValidation: staffByName(spec),
            schema: {
              operationId: operationId(action),
              summary: spec.summary,
              description: `Starts a ${p.name}; returns once its first events are durable. Roles: ${spec.roles.join(', ')}.`,
              tags,
              body: createBody(p, spec),
              headers: idempotencyHeaders,
              response: commandResponses(201, commandWithViews.extend({ [p.idField]: z.string() })),
            },
          },
          async (req, reply) => {
            const who = req.principal!;
            authorize(`${action} ${p.collection}`, spec.roles, who.role);
            const r = await deps.gateway.create(p, action, req.body as Record<string, unknown>, { actor: who.actor, role: who.role, correlationId: req.id }, { idempotencyKey: idempotencyKeyOf(req.headers) });
            const { id, ...result } = r;
            if (!wantsViews(req)) return reply.status(201).send({ [p.idField]: id, ...result });
            const after = sent(await presented(req, p, id).catch(() => undefined));
            return reply.status(201).header('preference-applied', 'return=representation').send({ [p.idField]: id, ...result, ...(after ? { view: after } : {}) });
          },
        );
        continue;
      }
      app.post(
        `/${p.collection}/:id/${actionPath(action)}`,
        {
          preValidation: staffByName(spec),
          schema: {
            operationId: operationId(action),
            summary: spec.summary,
            description: `Returns once the events are durable. Roles: ${spec.roles.join(', ')}.`,
            tags,
            params: z.object({ id: entityId }),
            body: spec.input,
            headers: idempotencyHeaders,
            response: commandResponses(200, commandWithViews),
          },
        },
        async (req, reply) => {
          const who = req.principal!;
          authorize(`${action} ${p.collection}`, spec.roles, who.role);
          const { id } = req.params as { id: string };
          const views = wantsViews(req);
          // The view before, read only once the caller may issue the command (an ended process has none to query).
          const before = views ? await presented(req, p, id).catch(() => undefined) : undefined;
          const r = await deps.gateway.command(p, id, action, req.body ?? {}, { actor: who.actor, role: who.role, correlationId: req.id }, { idempotencyKey: idempotencyKeyOf(req.headers) });
          if (!views) return r;
          void reply.header('preference-applied', 'return=representation');
          const was = sent(before);
          // A command that changed nothing leaves the view as it was.
          const now = r.eventTypes.length ? sent(await presented(req, p, id).catch(() => undefined)) : was;
          return { ...r, ...(was ? { before: was } : {}), ...(now ? { view: now } : {}) };
        },
      );
    }
    app.get(
      `/${p.collection}/:id`,
      { schema: { operationId: operationId('show'), summary: `A ${p.name} with its state and the alarms still to come`, tags: [p.title.en], params: z.object({ id: entityId }), response: readResponses(view) } },
      async (req) => sent(await presented(req, p, (req.params as { id: string }).id)),
    );
  }
}
