import { Option, type Command } from 'commander';
import type { LedgerPage } from '../../projections/reader';
import { apiClient, config, withClientOptions, type ClientOptions } from '../context';
import { bodyOf, commanderOption } from '../fields';
import type { ProcessCli } from '../manifest';
import type { HistoryEntry, ProcessViewJson } from '../show';

interface Result {
  streamName: string;
  revision: number;
  eventTypes: string[];
  /** With `Prefer: return=representation`: the view before and after the command. */
  before?: ProcessViewJson;
  view?: ProcessViewJson;
  [k: string]: unknown;
}

/** Asks a command to answer with the views before and after it (RFC 7240), so printing what changed takes no more requests. */
const REPRESENTATION = { prefer: 'return=representation' };

type Client = ReturnType<typeof apiClient>;

/** A customer's name from the customers ledger, or undefined (unknown, or the caller may not read it). */
async function customerName(client: Client, customerId: unknown): Promise<string | undefined> {
  if (typeof customerId !== 'string' || !customerId) return undefined;
  const page = await client.request<LedgerPage>('GET', `/ledgers/customers?${new URLSearchParams({ customer_id: customerId, limit: '1' })}`).catch(() => undefined);
  const name = page?.rows[0]?.name;
  return name === null || name === undefined || name === '' ? undefined : String(name);
}

/** What a command did, for people: the record, the events, the new state and each deadline set or moved. */
async function printChange(p: ProcessCli, id: string, r: Result, created: boolean): Promise<void> {
  const [{ renderChange }, { eventLabel }, cfg] = await Promise.all([import('../show'), import('../../domain/labels'), config()]);
  const events = r.eventTypes.length ? r.eventTypes.map((e) => eventLabel(e)).join('、') : '无变化 (no change)';
  const lines = created ? [`${p.title.zh}编号 (${p.name} id): ${id}`, `  ${events}（${r.streamName} 版本 ${r.revision}）`] : [`${p.title.zh} ${id}: ${events}（${r.streamName} 版本 ${r.revision}）`];
  if (r.eventTypes.length && r.view) lines.push(...renderChange(r.before, r.view, { ledger: p.collection, timeZone: cfg.TAIZHANG_TIME_ZONE }));
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * `taizhang <process> <command>` for every command of every process: the creating command takes `--id` (generated when
 * absent), the others the record's id; options come from the command's fields. Only the groups `populate` accepts get
 * their subcommands (a command needs its own group only); the others are listed by name and title.
 */
export function registerProcessGroups(program: Command, processes: readonly ProcessCli[], populate: (name: string) => boolean = () => true): void {
  for (const p of processes) {
    const group = program.command(p.name).description(`${p.title.zh} (${p.title.en.toLowerCase()})`);
    if (!populate(p.name)) continue;
    for (const spec of p.commands) {
      const cmd = group.command(spec.action).description(`${spec.summary}; roles: ${spec.roles.join(', ')}`);
      if (spec.creates) cmd.option('--id <id>', `${p.title.en.toLowerCase()} id (default: generated)`).option('-q, --quiet', 'print only the new id, for a shell to capture: ID=$(… --quiet)');
      else cmd.argument('<id>', `${p.title.en.toLowerCase()} id (required)`);
      for (const f of spec.fields) cmd.addOption(commanderOption(f));
      cmd.option('--idempotency-key <key>', 'makes a retried command safe: the same key gets the same result').option('--json', 'print the result as JSON');
      withClientOptions(cmd).action(async (...args: unknown[]) => {
        const opts = (spec.creates ? args[0] : args[1]) as ClientOptions & Record<string, unknown>;
        const body = bodyOf(spec.fields, opts);
        const json = opts.json === true;
        const headers = { ...(opts.idempotencyKey ? { 'idempotency-key': String(opts.idempotencyKey) } : {}), ...(json || opts.quiet === true ? {} : REPRESENTATION) };
        const client = apiClient(opts);
        if (spec.creates) {
          if (opts.id !== undefined) body[p.idField] = opts.id;
          const r = await client.request<Result>('POST', `/${p.collection}`, body, headers);
          if (json) process.stdout.write(JSON.stringify(r) + '\n');
          else if (opts.quiet === true) process.stdout.write(String(r[p.idField]) + '\n');
          else await printChange(p, String(r[p.idField]), r, true);
          return;
        }
        const id = args[0] as string;
        const r = await client.request<Result>('POST', `/${p.collection}/${encodeURIComponent(id)}/${spec.action}`, body, headers);
        if (json) process.stdout.write(JSON.stringify(r) + '\n');
        else await printChange(p, id, r, false);
      });
    }
    withClientOptions(
      group
        .command('show')
        .description(`a ${p.name} for people: state, owner, deadlines in local time with the time left, escalation, alarms to come, recent history (--format json: the API's view)`)
        .argument('<id>', `${p.title.en.toLowerCase()} id (required)`)
        .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
        .option('--json', 'the same as --format json')
        .addOption(new Option('--lang <lang>', 'label language').choices(['zh', 'en']).default('zh')),
    ).action(async (id: string, opts: ClientOptions & { format: string; json?: boolean; lang: 'zh' | 'en' }) => {
      const client = apiClient(opts);
      const view = await client.request<ProcessViewJson>('GET', `/${p.collection}/${encodeURIComponent(id)}`);
      if (opts.json || opts.format === 'json') {
        process.stdout.write(JSON.stringify(view, null, 2) + '\n');
        return;
      }
      const [{ renderView }, cfg, name, history] = await Promise.all([
        import('../show'),
        config(),
        typeof view.state.customerName === 'string' ? Promise.resolve(view.state.customerName) : customerName(client, view.state.customerId),
        client.request<{ events: HistoryEntry[] }>('GET', `/audit/history/${encodeURIComponent(view.streamName)}`).catch(() => undefined),
      ]);
      process.stdout.write(renderView(view, { process: p.name, ledger: p.collection, title: p.title, timeZone: cfg.TAIZHANG_TIME_ZONE, lang: opts.lang, customerName: name, history: history?.events }) + '\n');
    });
  }
}
