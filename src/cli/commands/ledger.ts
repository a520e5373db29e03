import { Option, type Command } from 'commander';
import type { LedgerPage } from '../../projections/reader';
import { writePrivateFile } from '../../support/private-files';
import { apiClient, CliError, withClientOptions, type ClientOptions } from '../context';
import { table } from '../format';
import { cliManifest } from '../load-manifest';

/** `taizhang ledger <name>`: a ledger as a table, JSON or a file, now or as of an instant. */
export function registerLedgerCommand(program: Command): void {
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
      .option('--min-position <position>', 'read-your-writes: wait (up to 5 s) until the ledgers include this position, as a command\'s --json result gives it')
      .option('--limit <n>', 'rows per page', '1000')
      .option('--offset <n>', 'rows to skip', '0'),
  ).action(async (name: string, opts: ClientOptions & { format: string; lang: 'zh' | 'en'; where?: string[]; limit: string; offset: string; out?: string; asOf?: string; minPosition?: string }) => {
    if (opts.format === 'csv' || opts.format === 'xlsx') {
      if (!opts.out) throw new CliError(`--out: is required with --format ${opts.format}`);
      const q = new URLSearchParams({ format: opts.format, lang: opts.lang, ...(opts.asOf ? { asOf: opts.asOf } : {}) });
      const bytes = await apiClient(opts).download(`/ledgers/${encodeURIComponent(name)}/export?${q}`);
      writePrivateFile(opts.out, bytes); // an export holds personal data: owner-only
      process.stdout.write(`wrote ${opts.out} (${bytes.length.toLocaleString()} bytes)\n`);
      return;
    }
    const params = new URLSearchParams({ limit: opts.limit, offset: opts.offset, ...(opts.asOf ? { asOf: opts.asOf } : {}), ...(opts.minPosition ? { minPosition: opts.minPosition } : {}) });
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
    const ledger = (await cliManifest()).ledgers.find((l) => l.name === name);
    if (!ledger) throw new CliError(`unknown ledger ${name}`);
    process.stdout.write(`${page.title[opts.lang]}${opts.asOf ? ` as of ${opts.asOf}` : ''} — ${page.total} rows${page.masked.length ? ` (personal data masked: ${page.masked.join(', ')})` : ''}\n`);
    process.stdout.write(table(ledger, page.rows, opts.lang) + '\n');
  });
}
