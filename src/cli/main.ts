import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, configTable, loadConfig, type Config } from '../config/config';
import { CUSTOMER_TYPES, GRADES, IMPORTANCE } from '../domain/customer/model';
import { ROLES } from '../domain/roles';
import { ledgerByName } from '../projections/ledgers';
import type { LedgerPage } from '../projections/reader';
import { ApiClient, ApiError } from './client';
import { table } from './format';
import { startStack } from './stack';
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
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'table']).default('table'))
    .addOption(new Option('--lang <lang>', 'header language for tables').choices(['zh', 'en']).default('zh'))
    .option('--where <column=value...>', 'filter rows by column value')
    .option('--limit <n>', 'rows per page', '1000')
    .option('--offset <n>', 'rows to skip', '0'),
).action(async (name: string, opts: ClientOptions & { format: string; lang: 'zh' | 'en'; where?: string[]; limit: string; offset: string }) => {
  const params = new URLSearchParams({ limit: opts.limit, offset: opts.offset });
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
  process.stdout.write(`${page.title[opts.lang]} — ${page.total} rows${page.masked.length ? ` (personal data masked: ${page.masked.join(', ')})` : ''}\n`);
  process.stdout.write(table(ledger, page.rows, opts.lang) + '\n');
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
