import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ANCHOR_REASONS, openAnchorStore, type AnchorReason, type AnchorStorePort } from '../audit/anchors';
import { ACCESS_KINDS, personalDataIn, type AccessLog, type AccessRecord } from '../audit/access-log';
import { anchorChain, recordChain } from '../audit/recorder';
import { allRows, exportLedger } from '../audit/export';
import { readStreamHistory } from '../audit/history';
import { rebuildLedgers, verifyLedgers } from '../audit/rebuild';
import { DomainError, illegalState, notFound, validationError } from '../domain/errors';
import { comparePositions } from '../events/envelope';
import { queryInteger } from '../domain/fields';
import type { ActorRole } from '../domain/roles';
import type { EventStore } from '../events/store/port';
import { LEDGERS } from '../projections/ledgers';
import { LedgerReader, mayReadPii, refuseMaskingOracle, type LedgerPage, type LedgerQuery } from '../projections/reader';
import { PROCESSES } from '../processes/registry';
import { columnValueLabels, eventLabel, roleLabel } from '../domain/labels';
import { memberOf, type Directory } from '../domain/directory';
import type { LedgerRow, LedgerShape } from '../domain/ledger';
import { fileStamp, zonedIso } from '../support/local-time';
import { localInstant, zonedDeep, zonedRow } from './local-time';
import { requireRole } from './auth';
import { heavyRoute, ledgerRoute, type RateLimits } from './rate-limits';
import { commandResponses, errorBody, publicResponses, readResponses } from './schemas';

const AUDITORS = ['auditor', 'admin'] as const;
/**
 * Exports and as-of views replay or read a whole ledger: supervisors and above (the auditor included), who answer for
 * their teams' work. Agents and the reviewing roles read the live ledgers page by page.
 */
export const SUPERVISORS_AND_ABOVE = ['supervisor', 'manager', 'general_manager', 'auditor', 'admin'] as const;

/** A ledger page's query: paging, `asOf` (read in the zone `timeZone`), read-your-writes, and column=value filters. */
export const ledgerQueryIn = (timeZone: string) =>
  z
    .object({
      limit: queryInteger(1, 10_000).default(100),
      offset: queryInteger(0, 1_000_000_000).default(0),
      asOf: localInstant(timeZone).optional(),
      // Read-your-writes: a command's result names the position of its events; a read given it waits for the ledgers.
      minPosition: z.string().regex(/^\d{1,20}$/, 'must be a position, as a command result gives it').optional(),
      waitMs: queryInteger(0, 30_000).default(5_000),
    })
    .catchall(z.string());

/**
 * Waits until the ledgers include `position` (read-your-writes on a replica that lags its event store), or answers
 * 503 after `waitMs`, saying how far they are. A position the event store has not reached is no write of anyone's: 400.
 */
async function waitForPosition(store: EventStore, ledgers: LedgerReader, position: string, waitMs: number): Promise<void> {
  const head = (await store.head()).position;
  if (comparePositions(position, head) > 0) throw validationError([{ field: 'minPosition', rule: `must be a position the event store has reached (its head is ${head})` }]);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const at = ledgers.checkpoint();
    if (comparePositions(at, position) >= 0) return;
    if (Date.now() >= deadline) throw new DomainError('unavailable', 'ledgers.behind', `the ledgers include events up to position ${at}, not yet ${position}, after ${waitMs} ms; try again`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const exportQueryIn = (timeZone: string) =>
  z
    .object({
      format: z.enum(['csv', 'xlsx'], { error: (issue) => (issue.input === undefined ? 'is required' : 'must be csv or xlsx') }),
      lang: z.enum(['zh', 'en'], { message: 'must be zh or en' }).default('zh'),
      codes: z
        .enum(['true', 'false'], { message: 'must be true or false' })
        .default('false')
        .describe('true: cells as stored (codes such as closed or major, flags 0/1, reasons as written), for machines and imports; false (default): labels for people'),
      asOf: localInstant(timeZone).optional(),
    })
    .strict();

/**
 * Reads a ledger as it stands, or as it stood at `asOf` (replayed into a temporary database that is thrown away).
 * The same role-based masking applies either way.
 */
export async function readLedger<T>(
  deps: { store: EventStore; ledgers: LedgerReader },
  asOf: string | undefined,
  read: (reader: LedgerReader, file: string | undefined) => T | Promise<T>,
): Promise<T> {
  if (!asOf) return read(deps.ledgers, undefined);
  const rebuilt = await rebuildLedgers(deps.store, LEDGERS, { asOf });
  // The same ledgers (and KPI periods in the same zone) as the live reader.
  const reader = new LedgerReader(rebuilt.file, deps.ledgers.ledgers, deps.ledgers.pii);
  try {
    return await read(reader, rebuilt.file);
  } finally {
    reader.close();
    rebuilt.dispose();
  }
}

const cell = z.union([z.string(), z.number(), z.null()]);
const ledgerPage = z.object({
  ledger: z.string(),
  title: z.object({ zh: z.string(), en: z.string() }),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  checkpoint: z.string().describe('position of the last event the ledgers include'),
  rows: z.array(z.record(z.string(), cell)),
  masked: z.array(z.string()).describe('columns whose personal data was masked for your role'),
  labels: z
    .object({
      columns: z.record(z.string(), z.string()).describe('each column of the rows → its Chinese header'),
      values: z.record(z.string(), z.record(z.string(), z.string())).describe('each column holding codes → each code → its Chinese label (flags: 1 是, 0 否)'),
    })
    .describe('how to show the page without a dictionary of your own'),
  asOf: z.string().optional(),
});

/** The display-name column beside a staff column (`owner` → `owner_name`). */
export const staffNameColumn = (column: string): string => `${column}_name`;

/**
 * Rows with the display name of each staff id beside it (`owner_name`: 李娜 for `li.na`), from the directory; null
 * for an id the directory does not name (the engine, a respondent, someone who left). Without a directory, as they are.
 */
export function withStaffNames(ledger: LedgerShape, rows: readonly LedgerRow[], directory: Directory | undefined): LedgerRow[] {
  const staff = ledger.columns.filter((c) => c.staff);
  if (!directory || !staff.length) return [...rows];
  return rows.map((r) => {
    const out: LedgerRow = { ...r };
    for (const c of staff) {
      const id = r[c.name];
      out[staffNameColumn(c.name)] = typeof id === 'string' && id !== '' ? (memberOf(directory, id)?.name ?? null) : null;
    }
    return out;
  });
}

/** A ledger page's `labels`: the Chinese header of each column it carries (staff names too), the labels of codes. */
/**
 * The ledger as an export lays it out for people: each staff column followed by its display-name column (`owner`,
 * `owner_name` 首问负责人姓名), when there is a directory. An export of codes (`codes=true`) keeps the ledger's own.
 */
export function withStaffNameColumns(ledger: LedgerShape, directory: Directory | undefined): LedgerShape {
  if (!directory || !ledger.columns.some((c) => c.staff)) return ledger;
  const columns = ledger.columns.flatMap((c) => (c.staff ? [c, { name: staffNameColumn(c.name), type: 'TEXT' as const, label: { zh: `${c.label.zh}姓名`, en: `${c.label.en} (name)` } }] : [c]));
  return { ...ledger, columns };
}

export function pageLabels(ledger: LedgerShape, directory: Directory | undefined): { columns: Record<string, string>; values: Record<string, Record<string, string>> } {
  const columns: Record<string, string> = {};
  for (const c of ledger.columns) {
    columns[c.name] = c.label.zh;
    if (c.staff && directory) columns[staffNameColumn(c.name)] = `${c.label.zh}姓名`;
  }
  return { columns, values: columnValueLabels(ledger, 'zh') };
}

const change = z.object({ field: z.string(), kind: z.enum(['added', 'changed']), from: z.unknown().optional(), to: z.unknown(), masked: z.boolean().optional() });
const history = z.object({
  stream: z.string(),
  events: z.array(
    z.object({
      revision: z.number().int(),
      position: z.string(),
      id: z.string(),
      type: z.string(),
      typeLabel: z.string().describe('the event type as people read it (Chinese)'),
      occurredAt: z.string().describe('ISO 8601 in the configured time zone, with its offset'),
      recordedAt: z.string().describe('ISO 8601 in the configured time zone, with its offset'),
      actor: z.string(),
      actorName: z.string().optional().describe("the actor's display name in the staff directory, when it names them"),
      role: z.string(),
      roleLabel: z.string().describe('the role as people read it (Chinese)'),
      reason: z.string().nullable(),
      correlationId: z.string(),
      changes: z.array(change),
    }),
  ),
});
const anchor = z.object({ position: z.string(), hash: z.string(), anchoredAt: z.string(), reason: z.enum(ANCHOR_REASONS as unknown as ['monthly_close', 'on_demand']) });
const verification = z.looseObject({ ok: z.boolean(), checkpoint: z.string(), eventsChecked: z.number(), rowsChecked: z.number(), ledgers: z.array(z.looseObject({ name: z.string(), ok: z.boolean() })) });
const exported = {
  description: 'the ledger as a file',
  content: {
    'text/csv; charset=utf-8': { schema: z.string().describe('UTF-8 with BOM, Chinese headers by default') },
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: z.string().describe('an Excel workbook') },
  },
};

const accessQueryIn = (timeZone: string) =>
  z
    .object({
      actor: z.string().min(1).max(200).optional(),
      since: localInstant(timeZone).optional(),
      until: localInstant(timeZone).optional(),
      limit: queryInteger(1, 10_000).default(100),
    })
    .strict();
const accessEvent = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  role: z.string(),
  method: z.string(),
  route: z.string(),
  kind: z.enum(ACCESS_KINDS),
  subject: z.string().describe('the ledger, stream or customer read'),
  customerIds: z.array(z.string()),
  rows: z.number().int().describe('rows (or events) that held personal data'),
  columns: z.array(z.string()).describe('the personal-data columns or fields shown'),
  asOf: z.string().nullable(),
  requestId: z.string(),
});

export interface AuditRouteDeps {
  store: EventStore;
  ledgers: LedgerReader;
  /** The staff directory: ledger pages show staff display names beside the ids (withStaffNames). */
  directory?: Directory;
  timeZone: string;
  auditDbPath?: string;
  /** Opens the chain record (PostgreSQL for a cluster); default: the SQLite file at `auditDbPath`. */
  openAnchors?: (options: { readonly: boolean }) => Promise<AnchorStorePort | undefined>;
  /** Where reads and exports of unmasked personal data are recorded (DATA_DIR/access.db). */
  accessLog: AccessLog;
  /** Rate limits: exports, as-of views and verify get the heavy budget. Absent: no limits. */
  limits?: RateLimits;
}

/** Records that the caller was shown personal data unmasked: who, through which route, what. */
export function recordAccess(deps: { accessLog: AccessLog }, req: FastifyRequest, what: Pick<AccessRecord, 'kind' | 'subject' | 'customerIds' | 'rows' | 'columns' | 'asOf'>): void {
  const who = req.principal!;
  deps.accessLog.record({ ...what, actor: who.actor, role: who.role, method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0]!, requestId: req.id });
}

/**
 * The stream an auditor asked for: a stream name as given (`complaint-K1…`), or a bare id (`K1…`) of the process whose
 * generated ids start that way. Nothing recorded under either: 404 saying what stream names look like.
 */
export async function resolveStream(store: EventStore, asked: string): Promise<string> {
  if ((await store.readStream(asked, { maxCount: 1 })).length) return asked;
  const byPrefix = PROCESSES.filter((p) => asked.startsWith(p.idPrefix) && !asked.startsWith(`${p.name}-`));
  // Ids a person chose (a survey's `key-2027Q2`) carry no generated prefix: every process is tried, prefixed ones first.
  const candidates = [...byPrefix, ...PROCESSES.filter((p) => !byPrefix.includes(p) && !asked.startsWith(`${p.name}-`))];
  for (const p of candidates) {
    const candidate = `${p.name}-${asked}`;
    if ((await store.readStream(candidate, { maxCount: 1 })).length) return candidate;
  }
  const known = PROCESSES.find((p) => asked.startsWith(`${p.name}-`));
  const hint = known
    ? `ids of ${known.collection} start with ${known.idPrefix}, e.g. ${known.name}-${known.idPrefix}…`
    : `stream names are <process>-<id> (${PROCESSES.map((p) => `${p.name}-${p.idPrefix}…`).join(', ')}), or give a bare id such as K… for a complaint`;
  const tried = byPrefix.length ? ` or ${byPrefix.map((p) => `${p.name}-${asked}`).join(', ')}` : '';
  throw notFound('audit.no_stream', `no stream ${asked}${tried}; ${hint}`);
}

export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDeps): void {
  const auditDbPath = deps.auditDbPath;
  const openAnchors = deps.openAnchors ?? (auditDbPath ? (options: { readonly: boolean }) => openAnchorStore({ auditDbPath }, options) : undefined);
  const tz = deps.timeZone;
  const ledgerQuery = ledgerQueryIn(tz);
  const exportQuery = exportQueryIn(tz);
  const accessQuery = accessQueryIn(tz);
  app.get(
    '/ledgers/:name',
    {
      config: ledgerRoute(deps.limits),
      schema: {
        summary: 'Rows of one ledger; column=value parameters filter, limit/offset page, asOf replays it as it stood then',
        params: z.object({ name: z.string() }),
        querystring: ledgerQuery,
        response: { ...readResponses(ledgerPage), 503: errorBody.describe('minPosition: the ledgers did not reach it within waitMs') },
      },
    },
    async (req): Promise<LedgerPage & { labels: ReturnType<typeof pageLabels>; asOf?: string }> => {
      const { name } = req.params as { name: string };
      const { limit, offset, asOf, minPosition, waitMs, ...where } = req.query as z.infer<typeof ledgerQuery>;
      const role = req.principal!.role;
      const ledger = deps.ledgers.ledger(name); // 404 before any replay
      if (asOf) requireRole(req.principal!, SUPERVISORS_AND_ABOVE, 'read a ledger as of an instant');
      refuseMaskingOracle(ledger, Object.entries(where as Record<string, string>), role); // and 400 before it too
      const query: LedgerQuery = { limit, offset, where: where as Record<string, string> };
      if (minPosition && !asOf) await waitForPosition(deps.store, deps.ledgers, minPosition, waitMs);
      const page = await readLedger(deps, asOf, (reader) => reader.list(name, role, query));
      if (mayReadPii(role)) {
        const shown = personalDataIn(ledger, page.rows);
        if (shown.rows) recordAccess(deps, req, { kind: 'ledger', subject: name, ...shown, asOf });
      }
      // Instants as people read them: in the configured zone, with its offset (the store keeps UTC); staff by name too.
      const rows = withStaffNames(ledger, page.rows.map((r) => zonedRow(ledger, r, tz)), deps.directory);
      const shown = { ...page, rows, labels: pageLabels(ledger, deps.directory) };
      return asOf ? { ...shown, asOf: zonedIso(asOf, tz) } : shown;
    },
  );

  app.get(
    '/ledgers/:name/export',
    {
      config: heavyRoute(deps.limits),
      schema: {
        summary: 'The whole ledger as CSV (UTF-8 with BOM) or Excel (supervisors and above; recorded in the access log)',
        params: z.object({ name: z.string() }),
        querystring: exportQuery,
        response: { ...readResponses(z.string()), 200: exported },
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      const q = req.query as z.infer<typeof exportQuery>;
      const ledger = deps.ledgers.ledger(name);
      const role = req.principal!.role as ActorRole;
      requireRole(req.principal!, SUPERVISORS_AND_ABOVE, 'export a ledger');
      const dir = await mkdtemp(path.join(tmpdir(), 'taizhang-export-'));
      try {
        const out = path.join(dir, `${name}.${q.format}`);
        await readLedger(deps, q.asOf, async (reader, file) => {
          const rows = reader.ready() ? reader.reveal(allRows(file ?? reader.file, ledger)) : [];
          // For people, staff ids with their display names beside them; codes stay as the ledger stores them.
          const named = q.codes === 'true' ? ledger : withStaffNameColumns(ledger, deps.directory);
          await exportLedger(named === ledger ? rows : withStaffNames(ledger, rows, deps.directory), named, { format: q.format, out, lang: q.lang, codes: q.codes === 'true', timeZone: deps.timeZone, role, checkpoint: reader.checkpoint() });
          // Recorded before the file leaves: an export the log cannot record is not sent.
          if (mayReadPii(role)) recordAccess(deps, req, { kind: 'export', subject: name, ...personalDataIn(ledger, rows), asOf: q.asOf });
        });
        const body = await readFile(out);
        const stamp = fileStamp(q.asOf ?? new Date().toISOString(), tz);
        return reply
          .header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${name}-${stamp}.${q.format}"`)
          .send(body);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  app.get(
    '/audit/history/*',
    {
      schema: {
        summary: 'Every event of a stream in order: time, actor, role, reason, and what it changed (auditors)',
        params: z.object({ '*': z.string().min(1) }),
        response: readResponses(history),
      },
    },
    async (req) => {
      requireRole(req.principal!, AUDITORS, 'read audit history');
      const stream = await resolveStream(deps.store, (req.params as { '*': string })['*']);
      const h = await readStreamHistory(deps.store, stream, req.principal!.role, deps.ledgers.pii);
      if (h.personalFields.length) {
        const customerIds = stream.startsWith('customer-') ? [stream.slice('customer-'.length)] : [];
        recordAccess(deps, req, { kind: 'stream', subject: stream, customerIds, rows: h.personalEvents, columns: h.personalFields });
      }
      const nameOf = (actor: string) => (deps.directory ? memberOf(deps.directory, actor)?.name : undefined);
      return { stream, events: h.entries.map((e) => ({ ...e, ...(nameOf(e.actor) ? { actorName: nameOf(e.actor) } : {}), typeLabel: eventLabel(e.type), roleLabel: roleLabel(e.role), occurredAt: zonedIso(e.occurredAt, tz), recordedAt: zonedIso(e.recordedAt, tz), changes: zonedDeep(e.changes, tz) })) };
    },
  );

  app.get(
    '/audit/access',
    {
      schema: {
        summary: 'Who read or exported personal data unmasked: newest first, by actor and time (auditors)',
        querystring: accessQuery,
        response: readResponses(z.object({ events: z.array(accessEvent) })),
      },
    },
    async (req) => {
      requireRole(req.principal!, AUDITORS, 'read the access log');
      return { events: zonedDeep(deps.accessLog.list(req.query as z.infer<typeof accessQuery>), tz) };
    },
  );

  app.post(
    '/audit/verify',
    {
      config: heavyRoute(deps.limits),
      schema: {
        summary: 'Rebuild every ledger from position 0, compare with the live ledgers by hash, check the hash chain (auditors)',
        response: { ...readResponses(verification), 409: verification.describe('a difference was found: the report names it') },
      },
    },
    async (req, reply) => {
      requireRole(req.principal!, AUDITORS, 'verify the ledgers');
      const audit = await openAnchors?.({ readonly: true });
      try {
        const report = await verifyLedgers(deps.store, deps.ledgers.file, LEDGERS, { chain: { anchors: audit } });
        return reply.status(report.ok ? 200 : 409).send(report);
      } finally {
        await audit?.close();
      }
    },
  );

  app.post(
    '/audit/anchor',
    {
      schema: {
        summary: 'Record the hash chain up to now and anchor its head (auditors)',
        body: z.object({ reason: z.enum(['on_demand', 'monthly_close']).default('on_demand') }).strict().default({ reason: 'on_demand' }),
        response: commandResponses(200, anchor),
      },
    },
    async (req) => {
      requireRole(req.principal!, AUDITORS, 'anchor the hash chain');
      const audit = await openAnchors?.({ readonly: false });
      if (!audit) throw illegalState('audit.no_audit_db', 'this API node has no audit database configured');
      try {
        await recordChain(deps.store, audit);
        return await anchorChain(deps.store, audit, { reason: (req.body as { reason: AnchorReason }).reason });
      } finally {
        await audit.close();
      }
    },
  );
}
