import { Option, type Command } from 'commander';
import type { LedgerRow } from '../../domain/ledger';
import type { LedgerPage } from '../../projections/reader';
import { writePrivateFile } from '../../support/private-files';
import { chooseColumns, columnNamed } from '../columns';
import { apiClient, CliError, config, withClientOptions, type ClientOptions } from '../context';
import { table, zoneHeading } from '../format';
import { cliManifest } from '../load-manifest';

type LedgerOptions = ClientOptions & { codes?: boolean; format: string; lang: 'zh' | 'en'; where?: string[]; limit: string; offset: string; out?: string; asOf?: string; minPosition?: string; columns?: string; width?: string };

/** `--where` as the API reads it: a column's name for its header, a stored code for its label (是/否 for flags). */
async function whereParams(name: string, where: readonly string[]): Promise<Array<[string, string]>> {
  const ledger = (await cliManifest()).ledgers.find((l) => l.name === name);
  const { valueOfLabel } = await import('../../domain/labels');
  return where.map((w) => {
    const at = w.indexOf('=');
    if (at < 1) throw new CliError(`--where ${w}: must be column=value (a column's name or header, e.g. status=closed or 状态=已结案)`);
    const typed = w.slice(0, at).trim();
    const value = w.slice(at + 1);
    const column = ledger ? columnNamed(ledger, typed) : typed;
    if (!column) throw new CliError(`--where ${w}: ${typed} is not a column of ${name}; its columns are ${ledger!.columns.map((c) => `${c.name} (${c.label.zh})`).join(', ')}`);
    return [column, valueOfLabel(column, value, name) ?? value];
  });
}

/**
 * Rows as the table shows them: a staff column (owner, handler, …) shows the person's display name the API sent
 * beside it (`owner_name`), else the id.
 */
export function staffByName(rows: readonly LedgerRow[], staffColumns: readonly string[]): LedgerRow[] {
  if (!staffColumns.length) return [...rows];
  return rows.map((r) => {
    const out = { ...r };
    for (const c of staffColumns) {
      const name = r[`${c}_name`];
      if (typeof name === 'string' && name !== '') out[c] = name;
    }
    return out;
  });
}

/** `taizhang ledger <name>`: a ledger as a table, JSON or a file, now or as of an instant. */
export function registerLedgerCommand(program: Command): void {
  withClientOptions(
    program
      .command('ledger')
      .description('show a ledger (台账), e.g. `taizhang ledger customers --format table`')
      .argument('<name>', 'ledger name, e.g. customers')
      .addOption(new Option('--format <format>', 'output format').choices(['json', 'table', 'csv', 'xlsx']).default('table'))
      .option('--out <file>', 'file to write (required with csv and xlsx)')
      .option('--codes', 'csv and xlsx: cells as stored (codes such as closed or major, flags 0/1) instead of labels, for machines and imports')
      .option('--as-of <instant>', 'the ledger exactly as it stood then, replayed from the events: a date (2026-12-01), a local time (2026-12-02 10:54, read in TAIZHANG_TIME_ZONE) or ISO 8601 with offset')
      .addOption(new Option('--lang <lang>', 'header and label language').choices(['zh', 'en']).default('zh'))
      .option('--columns <columns>', 'table columns: names or headers separated by commas (e.g. complaint_id,状态), or `all` (default: the columns a person needs)')
      .option('--width <n>', 'table width to fit, in terminal columns (CJK counted double)', '120')
      .option('--where <column=value...>', 'filter rows by column value; the column by name or header, the value as stored or as shown (状态=已结案)')
      .option('--min-position <position>', 'read-your-writes: wait (up to 5 s) until the ledgers include this position, as a command\'s --json result gives it')
      .option('--limit <n>', 'rows per page', '1000')
      .option('--offset <n>', 'rows to skip', '0'),
  ).action(async (name: string, opts: LedgerOptions) => {
    const client = apiClient(opts);
    if (opts.format === 'csv' || opts.format === 'xlsx') {
      if (!opts.out) throw new CliError(`--out: is required with --format ${opts.format}`);
      const q = new URLSearchParams({ format: opts.format, lang: opts.lang, ...(opts.codes ? { codes: 'true' } : {}), ...(opts.asOf ? { asOf: opts.asOf } : {}) });
      const bytes = await client.download(`/ledgers/${encodeURIComponent(name)}/export?${q}`);
      writePrivateFile(opts.out, bytes); // an export holds personal data: owner-only
      process.stdout.write(`wrote ${opts.out} (${bytes.length.toLocaleString()} bytes)\n`);
      return;
    }
    if (opts.codes) throw new CliError('--codes: applies to --format csv and xlsx only');
    const width = Number(opts.width);
    if (!Number.isInteger(width) || width < 40) throw new CliError(`--width ${opts.width}: must be a whole number of at least 40`);
    const params = new URLSearchParams({ limit: opts.limit, offset: opts.offset, ...(opts.asOf ? { asOf: opts.asOf } : {}), ...(opts.minPosition ? { minPosition: opts.minPosition } : {}) });
    for (const [k, v] of await whereParams(name, opts.where ?? [])) params.append(k, v);
    const page = await client.request<LedgerPage>('GET', `/ledgers/${encodeURIComponent(name)}?${params}`);
    if (opts.format === 'json') {
      process.stdout.write(JSON.stringify(page, null, 2) + '\n');
      return;
    }
    const ledger = (await cliManifest()).ledgers.find((l) => l.name === name);
    if (!ledger) throw new CliError(`unknown ledger ${name}`);
    const columns = chooseColumns(ledger, opts.columns);
    // One request a page: customer names come in the rows (the API joins the customers ledger), staff names beside ids.
    const rows = staffByName(page.rows, ledger.columns.filter((c) => c.staff).map((c) => c.name));
    const timeZone = (await config()).TAIZHANG_TIME_ZONE;
    const en = opts.lang === 'en';
    const asOf = opts.asOf ? (en ? ` as of ${opts.asOf}` : ` 截至 ${opts.asOf}`) : '';
    const count = en ? `${page.total} rows` : `共 ${page.total} 行`;
    const masked = page.masked.length ? (en ? ` (personal data masked: ${page.masked.join(', ')})` : `（已遮蔽个人信息：${page.masked.join(', ')}）`) : '';
    process.stdout.write(`${page.title[opts.lang]}${asOf} — ${count}${masked} ${zoneHeading(timeZone, opts.lang)}\n`);
    process.stdout.write(table({ columns }, rows, { lang: opts.lang, ledger: name, timeZone, maxWidth: width }) + '\n');
  });
}
