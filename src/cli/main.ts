import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, configTable, loadConfig, type Config } from '../config/config';
import { CUSTOMER_TYPES, GRADES, IMPORTANCE } from '../domain/customer/model';
import { CATEGORIES, CHANNELS, SEVERITIES } from '../domain/complaint/model';
import { deadlineReport } from '../domain/complaint/sla';
import { deadlinesQuery } from '../api/complaints';
import { loadPolicy } from '../config/policy';
import { ROLES } from '../domain/roles';
import { ledgerByName } from '../projections/ledgers';
import type { LedgerPage } from '../projections/reader';
import { ApiClient, ApiError } from './client';
import { table } from './format';
import { startStack } from './stack';
import { auditAnchor, auditVerify, describeVerification } from './audit';
import { localToken } from './tokens';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
}

interface ClientOptions {
  url?: string;
  token?: string;
  as: string;
}

function apiClient(opts: ClientOptions): ApiClient {
  const cfg = config();
  const token = opts.token ?? cfg.TAIZHANG_TOKEN ?? localToken(cfg.dataDir, opts.as);
  if (!token) throw new CliError(`no token: pass --token, set TAIZHANG_TOKEN, or run \`npm start\` once so ${cfg.dataDir}/tokens.json exists`);
  return new ApiClient(opts.url ?? cfg.apiUrl, token);
}

const withClientOptions = (cmd: Command): Command =>
  cmd
    .option('--url <url>', 'API base URL (default PUBLIC_URL or http://HOST:PORT)')
    .option('--token <token>', 'bearer token (default TAIZHANG_TOKEN, else the --as role from DATA_DIR/tokens.json)')
    .addOption(new Option('--as <role>', 'role whose local token to use').choices([...ROLES]).default('admin'));

const program = new Command()
  .name('taizhang')
  .description('台账 — customer-management ledgers on durable workflows and an event store')
  .version(version)
  .showHelpAfterError();

program
  .command('start')
  .description('start the embedded stack: Temporal dev server, worker, projector and HTTP API')
  .action(async () => {
    const cfg = config();
    const stack = await startStack(cfg);
    process.stdout.write(
      [
        '',
        'taizhang is running',
        `  API            ${stack.apiUrl}   (OpenAPI: ${stack.apiUrl}/openapi.json, health: ${stack.apiUrl}/healthz)`,
        ...(stack.uiUrl ? [`  Temporal UI    ${stack.uiUrl}`] : [`  Temporal       ${cfg.temporalAddress}`]),
        `  Event store    ${cfg.EVENTSTORE_URL ? 'KurrentDB' : cfg.eventsDbPath}`,
        `  Ledgers        ${cfg.ledgerDbPath}`,
        ...(stack.tokensFile ? [`  API tokens     ${stack.tokensFile}`] : []),
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    const stop = () => {
      process.stdout.write('stopping…\n');
      void stack.stop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await stack.done;
    process.stdout.write('stopped\n');
  });

const customer = program.command('customer').description('customers (客户)');
withClientOptions(
  customer
    .command('register')
    .description('register a customer (客户登记)')
    .requiredOption('--name <name>', 'customer name')
    .option('--id <customerId>', 'customer id (default: generated)')
    .option('--contact-person <name>', 'contact person')
    .option('--phone <phone>', 'phone (mobile or landline)')
    .option('--email <email>', 'email')
    .option('--address <address>', 'address')
    .addOption(new Option('--type <type>', 'customer type').choices([...CUSTOMER_TYPES]))
    .addOption(new Option('--importance <importance>', 'importance').choices([...IMPORTANCE]))
    .addOption(new Option('--grade <grade>', 'grade').choices([...GRADES]))
    .option('--account-manager <name>', 'account manager')
    .option('--idempotency-key <key>', 'makes a retried command safe')
    .option('--json', 'print the result as JSON'),
).action(async (opts: ClientOptions & Record<string, string | undefined>) => {
  const body = Object.fromEntries(
    Object.entries({
      customerId: opts.id,
      name: opts.name,
      contactPerson: opts.contactPerson,
      phone: opts.phone,
      email: opts.email,
      address: opts.address,
      type: opts.type,
      importance: opts.importance,
      grade: opts.grade,
      accountManager: opts.accountManager,
    }).filter(([, v]) => v !== undefined),
  );
  const result = await apiClient(opts).request<{ customerId: string; position: string; eventIds: string[] }>(
    'POST',
    '/customers',
    body,
    opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {},
  );
  process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : `registered customer ${result.customerId} (event position ${result.position})\n`);
});

withClientOptions(
  program
    .command('ledger')
    .description('show a ledger (台账), e.g. `taizhang ledger customers --format table`')
    .argument('<name>', 'ledger name, e.g. customers')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'table', 'csv', 'xlsx']).default('table'))
    .option('--out <file>', 'file to write (csv and xlsx)')
    .option('--as-of <instant>', 'the ledger exactly as it stood then (ISO 8601), replayed from the events')
    .addOption(new Option('--lang <lang>', 'header language').choices(['zh', 'en']).default('zh'))
    .option('--where <column=value...>', 'filter rows by column value')
    .option('--limit <n>', 'rows per page', '1000')
    .option('--offset <n>', 'rows to skip', '0'),
).action(async (name: string, opts: ClientOptions & { format: string; lang: 'zh' | 'en'; where?: string[]; limit: string; offset: string; out?: string; asOf?: string }) => {
  if (opts.format === 'csv' || opts.format === 'xlsx') {
    if (!opts.out) throw new CliError(`--out: is required with --format ${opts.format}`);
    const q = new URLSearchParams({ format: opts.format, lang: opts.lang, ...(opts.asOf ? { asOf: opts.asOf } : {}) });
    const bytes = await apiClient(opts).download(`/ledgers/${encodeURIComponent(name)}/export?${q}`);
    writeFileSync(opts.out, bytes);
    process.stdout.write(`wrote ${opts.out} (${bytes.length.toLocaleString()} bytes)\n`);
    return;
  }
  const params = new URLSearchParams({ limit: opts.limit, offset: opts.offset, ...(opts.asOf ? { asOf: opts.asOf } : {}) });
  for (const w of opts.where ?? []) {
    const at = w.indexOf('=');
    if (at < 1) throw new CliError(`--where ${w}: must be column=value`);
    params.append(w.slice(0, at), w.slice(at + 1));
  }
  const page = await apiClient(opts).request<LedgerPage>('GET', `/ledgers/${encodeURIComponent(name)}?${params}`);
  if (opts.format === 'json') {
    process.stdout.write(JSON.stringify(page, null, 2) + '\n');
    return;
  }
  const ledger = ledgerByName(name);
  if (!ledger) throw new CliError(`unknown ledger ${name}`);
  process.stdout.write(`${page.title[opts.lang]}${opts.asOf ? ` as of ${opts.asOf}` : ''} — ${page.total} rows${page.masked.length ? ` (personal data masked: ${page.masked.join(', ')})` : ''}\n`);
  process.stdout.write(table(ledger, page.rows, opts.lang) + '\n');
});

const complaint = program.command('complaint').description('complaints (投诉)');
const compensationOf = (o: { compensationAmount?: string; compensation?: string }) =>
  o.compensationAmount !== undefined || o.compensation !== undefined
    ? { ...(o.compensationAmount !== undefined ? { amountYuan: Number(o.compensationAmount) } : {}), ...(o.compensation ? { description: o.compensation } : {}) }
    : undefined;
const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const printResult = (opts: { json?: boolean }, result: { streamName?: string; revision?: number; eventTypes?: string[] } & Record<string, unknown>, what: string) =>
  process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : `${what}: ${result.eventTypes?.length ? result.eventTypes.join(', ') : 'no change'} (${result.streamName} revision ${result.revision})\n`);

withClientOptions(
  complaint
    .command('receive')
    .description('receive a complaint (受理); you become its first-responsible owner (首问负责人) unless --owner says otherwise')
    .requiredOption('--customer <customerId>', 'customer id')
    .addOption(new Option('--channel <channel>', 'channel').choices([...CHANNELS]).makeOptionMandatory())
    .addOption(new Option('--category <category>', 'cause category').choices([...CATEGORIES]).makeOptionMandatory())
    .addOption(new Option('--severity <severity>', 'severity').choices([...SEVERITIES]).makeOptionMandatory())
    .requiredOption('--summary <text>', 'what the customer complains about')
    .option('--compensation-amount <yuan>', 'requested compensation in yuan')
    .option('--compensation <text>', 'requested compensation, in words')
    .option('--owner <actor>', 'first-responsible owner (default: you)')
    .option('--id <complaintId>', 'complaint id (default: generated)')
    .option('--idempotency-key <key>', 'makes a retried command safe')
    .option('--json', 'print the result as JSON'),
).action(async (opts: ClientOptions & Record<string, string | undefined> & { json?: boolean }) => {
  const body = compact({
    complaintId: opts.id,
    customerId: opts.customer,
    channel: opts.channel,
    category: opts.category,
    severity: opts.severity,
    summary: opts.summary,
    owner: opts.owner,
    requestedCompensation: compensationOf(opts as never),
  });
  const r = await apiClient(opts).request<{ complaintId: string; streamName: string; revision: number; eventTypes: string[] }>('POST', '/complaints', body, opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {});
  printResult(opts, r, `complaint ${r.complaintId}`);
});

const complaintAction = (name: string, path: string, description: string, build: (c: Command) => Command, body: (o: Record<string, unknown>) => Record<string, unknown>) =>
  withClientOptions(build(complaint.command(name).description(description).argument('<complaintId>', 'complaint id').option('--idempotency-key <key>', 'makes a retried command safe').option('--json', 'print the result as JSON'))).action(
    async (id: string, opts: ClientOptions & Record<string, unknown>) => {
      const r = await apiClient(opts).request<{ streamName: string; revision: number; eventTypes: string[] }>(
        'POST',
        `/complaints/${encodeURIComponent(id)}/${path}`,
        compact(body(opts)),
        opts.idempotencyKey ? { 'idempotency-key': String(opts.idempotencyKey) } : {},
      );
      printResult(opts as { json?: boolean }, r, `complaint ${id} ${name}`);
    },
  );
complaintAction('acknowledge', 'acknowledge', 'first response (首次响应)', (c) => c.option('--note <text>', 'note'), (o) => ({ note: o.note }));
complaintAction('verify', 'verify', 'record the verification (核实)', (c) => c.requiredOption('--findings <text>', 'findings').option('--department <name...>', 'departments involved'), (o) => ({ findings: o.findings, departments: o.department }));
complaintAction('assign', 'assign', 'hand over to another owner', (c) => c.requiredOption('--to <actor>', 'new owner').option('--reason <text>', 'why'), (o) => ({ to: o.to, reason: o.reason }));
complaintAction('propose', 'propose', 'propose a resolution (处理方案)', (c) => c.requiredOption('--plan <text>', 'the plan').option('--compensation-amount <yuan>', 'compensation in yuan').option('--compensation <text>', 'compensation in words'), (o) => ({ plan: o.plan, compensation: compensationOf(o as never) }));
complaintAction('notify', 'notify', 'notify the customer of the result (通知客户)', (c) => c.requiredOption('--result <text>', 'what the customer was told'), (o) => ({ result: o.result }));
complaintAction('follow-up', 'follow-up', 'record the follow-up visit (回访), rating 1–5', (c) => c.requiredOption('--rating <1-5>', 'satisfaction rating').option('--comment <text>', 'comment'), (o) => ({ rating: Number(o.rating), comment: o.comment }));
complaintAction('close', 'close', 'close (结案)', (c) => c.option('--reason <text>', 'why (required before a satisfied follow-up)'), (o) => ({ reason: o.reason }));
complaintAction('reopen', 'reopen', 'reopen', (c) => c.requiredOption('--reason <text>', 'why'), (o) => ({ reason: o.reason }));
complaintAction('pause', 'pause', 'pause the SLA clock while waiting on the customer', (c) => c.requiredOption('--reason <text>', 'why'), (o) => ({ reason: o.reason }));
complaintAction('resume', 'resume', 'resume the SLA clock', (c) => c, () => ({}));
complaintAction('withdraw', 'withdraw', 'withdraw (撤诉)', (c) => c.requiredOption('--reason <text>', 'why'), (o) => ({ reason: o.reason }));

withClientOptions(complaint.command('show').description('a complaint with its deadlines, escalation level and pending alarms').argument('<complaintId>')).action(async (id: string, opts: ClientOptions) => {
  process.stdout.write(JSON.stringify(await apiClient(opts).request('GET', `/complaints/${encodeURIComponent(id)}`), null, 2) + '\n');
});

program
  .command('sla')
  .description('SLA tools')
  .command('deadlines')
  .description('the deadlines and escalation instants of a complaint received at an instant, on the configured policy and calendar')
  .requiredOption('--received <instant>', 'ISO 8601 instant with offset, e.g. 2026-09-30T17:30:00+08:00')
  .addOption(new Option('--severity <severity>', 'severity').choices([...SEVERITIES]).makeOptionMandatory())
  .addOption(new Option('--customer-class <class>', 'customer class').choices(['key', 'ordinary']).default('ordinary'))
  .option('--pause <from/to...>', 'a pause as <ISO>/<ISO> (repeatable)')
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
  .action((opts: { received: string; severity: string; customerClass: string; pause?: string[]; format: string }) => {
    const cfg = config();
    let policy;
    try {
      policy = loadPolicy(cfg);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message, 2);
      throw err;
    }
    const parsed = deadlinesQuery.safeParse(compact({ received: opts.received, severity: opts.severity, customerClass: opts.customerClass, pause: opts.pause }));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      const field = { received: '--received', severity: '--severity', customerClass: '--customer-class', pause: '--pause' }[String(i.path[0])] ?? String(i.path[0]);
      throw new CliError(`${field}: ${i.message}`);
    }
    const q = parsed.data;
    const pauses = q.pause === undefined ? [] : Array.isArray(q.pause) ? q.pause : [q.pause];
    const report = deadlineReport(policy, { receivedAt: q.received, severity: q.severity, customerClass: q.customerClass, pauses });
    if (opts.format === 'json') {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    process.stdout.write(
      [
        `policy            ${report.policy}`,
        `calendar          ${report.calendar.source}`,
        `first response    ${report.firstResponseDue}`,
        `resolution        ${report.resolutionDue}   (warning ${report.warningAt})`,
        ...report.escalations.map((e) => `escalation ${e.level}      ${e.at}   → ${e.role}`),
        ...report.calendar.warnings.map((w) => `warning: ${w}`),
      ].join('\n') + '\n',
    );
  });

const audit = program.command('audit').description('audit tools: history, verify, anchor');
withClientOptions(audit.command('history').description('every event of a stream in order: time, actor, role, reason, what it changed').argument('<stream>', 'e.g. complaint-K123 or customer-C42'))
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
  .action(async (stream: string, opts: ClientOptions & { format: string }) => {
    const r = await apiClient(opts).request<{ events: Array<{ revision: number; occurredAt: string; actor: string; role: string; reason?: string; type: string; changes: Array<{ field: string; from?: unknown; to: unknown }> }> }>(
      'GET',
      `/audit/history/${stream}`,
    );
    if (opts.format === 'json') {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return;
    }
    for (const e of r.events) {
      process.stdout.write(`#${e.revision} ${e.occurredAt} ${e.type} by ${e.actor} (${e.role})${e.reason ? ` — ${e.reason}` : ''}\n`);
      for (const c of e.changes) process.stdout.write(`    ${c.field}: ${c.from === undefined ? '' : `${JSON.stringify(c.from)} → `}${JSON.stringify(c.to)}\n`);
    }
  });
audit
  .command('verify')
  .description('rebuild every ledger from position 0 into a temporary database, compare with the live ledgers by hash, and check the hash chain')
  .option('--json', 'print the report as JSON')
  .action(async (opts: { json?: boolean }) => {
    const report = await auditVerify(config(), { json: opts.json });
    process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : describeVerification(report) + '\n');
    if (!report.ok) process.exitCode = 1;
  });
audit
  .command('anchor')
  .description('record the hash chain up to now and anchor its head (print it and keep it somewhere else too)')
  .addOption(new Option('--reason <reason>', 'why').choices(['on_demand', 'monthly_close']).default('on_demand'))
  .action(async (opts: { reason: 'on_demand' | 'monthly_close' }) => {
    const a = await auditAnchor(config(), opts.reason);
    process.stdout.write(`anchored ${a.reason} at position ${a.position}: ${a.hash} (${a.anchoredAt})\n`);
  });

const dev = program.command('dev').description('tools for demos, tests and benchmarks');
withClientOptions(
  dev
    .command('seed')
    .description('create customers and complaints through the real write path (the API)')
    .option('--customers <n>', 'customers to register', '100')
    .option('--complaints <n>', 'complaints to receive', '0')
    .option('--concurrency <n>', 'requests in flight', '8')
    .option('--run <id>', 'run id, so a repeated seed with the same id creates nothing twice'),
).action(async (opts: ClientOptions & { customers: string; complaints: string; concurrency: string; run?: string }) => {
  const client = apiClient(opts);
  const run = opts.run ?? Date.now().toString(36);
  const counts = { customers: Number(opts.customers), complaints: Number(opts.complaints), concurrency: Math.max(1, Number(opts.concurrency)) };
  for (const [k, v] of Object.entries(counts)) if (!Number.isInteger(v) || v < 0) throw new CliError(`--${k}: must be a whole number ≥ 0`);
  const started = Date.now();
  const pool = async (n: number, task: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(counts.concurrency, n) }, async () => {
      while (next < n) await task(next++);
    }));
  };
  const customerIds: string[] = [];
  let last = '0';
  await pool(counts.customers, async (i) => {
    const r = await client.request<{ customerId: string; position: string }>(
      'POST',
      '/customers',
      { customerId: `S${run}c${i}`, name: `示例客户${i}`, phone: `138${String(i).padStart(8, '0')}`, type: (['potential', 'intending', 'owner'] as const)[i % 3], importance: i % 10 === 0 ? 'key' : 'ordinary', grade: (['A', 'B', 'C', 'D'] as const)[i % 4] },
      { 'idempotency-key': `seed-${run}-customer-${i}` },
    );
    customerIds.push(r.customerId);
    if (Number(r.position) > Number(last)) last = r.position;
  });
  if (counts.complaints > 0 && customerIds.length === 0) throw new CliError('--complaints needs --customers > 0');
  // Complaints need their customers in the ledger (for the customer's class): wait for the projector.
  if (counts.complaints > 0) {
    for (let i = 0; i < 600; i++) {
      const page = await client.request<{ checkpoint: string }>('GET', '/ledgers/customers?limit=1');
      if (Number(page.checkpoint) >= Number(last)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await pool(counts.complaints, async (i) => {
    await client.request(
      'POST',
      '/complaints',
      { complaintId: `S${run}k${i}`, customerId: customerIds[i % customerIds.length], channel: CHANNELS[i % CHANNELS.length], category: CATEGORIES[i % CATEGORIES.length], severity: SEVERITIES[i % SEVERITIES.length], summary: `示例投诉 ${i}` },
      { 'idempotency-key': `seed-${run}-complaint-${i}` },
    );
  });
  process.stdout.write(`seeded ${counts.customers} customers and ${counts.complaints} complaints in ${((Date.now() - started) / 1000).toFixed(1)} s (run ${run})\n`);
});

program
  .command('config')
  .description('check the configuration, or print the table of every variable')
  .option('--table', 'print the Markdown table of every variable')
  .action((opts: { table?: boolean }) => {
    if (opts.table) {
      process.stdout.write(configTable() + '\n');
      return;
    }
    const cfg = config();
    process.stdout.write(
      `configuration ok: data ${cfg.dataDir}, API ${cfg.apiUrl}, Temporal ${cfg.embeddedTemporal ? `embedded on ${cfg.temporalAddress}` : cfg.temporalAddress}, event store ${cfg.EVENTSTORE_URL ? 'KurrentDB' : 'SQLite'}\n`,
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ApiError) {
    process.stderr.write(`error: ${err.status} ${err.body?.error ?? ''}: ${err.message}\n`);
    for (const i of err.body?.issues ?? []) process.stderr.write(`  ${i.field}: ${i.rule}\n`);
    process.exit(1);
  }
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
