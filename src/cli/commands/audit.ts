import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { AccessEvent } from '../../audit/access-log';
import type { AnchorReason } from '../../audit/anchors';
import type { LedgerVerification } from '../../audit/rebuild';
import type { Config } from '../../config/config';
import { apiClient, compact, config, withClientOptions, type ClientOptions } from '../context';
import type { HistoryEntry } from '../show';

/** Runs against the data directory itself (the event store, ledger.db and the chain record), not through the API. */
async function auditVerify(cfg: Config, options: { json?: boolean; out?: NodeJS.WritableStream } = {}): Promise<LedgerVerification> {
  const out = options.out ?? process.stderr;
  if (!existsSync(cfg.ledgerDbPath)) throw new Error(`no ledger database at ${cfg.ledgerDbPath}; start the stack (npm start) first`);
  // The stores and the ledgers load only for the commands that read the data directory.
  const [{ eventStoreOptions }, { openAnchorStore }, { verifyLedgers }, { openEventStore }, { LEDGERS }] = await Promise.all([
    import('../../config/config'),
    import('../../audit/anchors'),
    import('../../audit/rebuild'),
    import('../../events/store'),
    import('../../projections/ledgers'),
  ]);
  const store = await openEventStore(eventStoreOptions(cfg, true));
  const audit = await openAnchorStore(cfg, { readonly: true }).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const tty = (out as NodeJS.WriteStream).isTTY === true && !options.json;
  const head = Number((await store.head()).position) || 0;
  let last = 0;
  const progress = (label: string, n: number) => {
    if (!tty || Date.now() - last < 100) return;
    last = Date.now();
    const width = 30;
    const done = head ? Math.min(width, Math.round((n / head) * width)) : 0;
    out.write(`\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${n.toLocaleString()} events`);
  };
  try {
    return await verifyLedgers(store, cfg.ledgerDbPath, LEDGERS, {
      chain: { anchors: audit, onProgress: (p) => progress('chain  ', p.events) },
      onProgress: (p) => progress('rebuild', p.eventsRead),
    });
  } finally {
    if (tty) out.write('\r' + ' '.repeat(70) + '\r');
    await audit?.close();
    await store.close();
  }
}

function describeVerification(r: LedgerVerification): string {
  const lines = [
    `${r.ok ? 'OK' : 'FAILED'}: checked ${r.eventsChecked.toLocaleString()} events and ${r.rowsChecked.toLocaleString()} rows in ${(r.durationMs / 1000).toFixed(1)} s (ledgers up to position ${r.checkpoint})`,
  ];
  for (const l of r.ledgers) {
    lines.push(`  ${l.ok ? 'ok  ' : 'DIFF'} ${l.name}: ${l.rows} rows, hash ${l.liveHash.slice(0, 16)}${l.ok ? '' : ` ≠ rebuilt ${l.rebuiltHash.slice(0, 16)}`}`);
    if (l.firstDifference) lines.push(`       first difference: ${JSON.stringify(l.firstDifference)}`);
  }
  if (r.chain) {
    const c = r.chain;
    lines.push(
      `  ${c.ok ? 'ok  ' : 'BROKEN'} hash chain: ${c.events.toLocaleString()} events, head ${c.head.hash.slice(0, 16)} at ${c.head.position}; ${c.linksChecked.toLocaleString()} recorded links and ${c.anchorsChecked} anchors checked${c.unrecorded ? `, ${c.unrecorded} events not yet recorded` : ''}`,
    );
    if (c.firstBreak) lines.push(`       first break at position ${c.firstBreak.position}: ${c.firstBreak.reason} — ${c.firstBreak.detail}`);
  }
  return lines.join('\n');
}

async function auditAnchor(cfg: Config, reason: AnchorReason) {
  const [{ eventStoreOptions }, { openAnchorStore }, { anchorChain, recordChain }, { openEventStore }] = await Promise.all([
    import('../../config/config'),
    import('../../audit/anchors'),
    import('../../audit/recorder'),
    import('../../events/store'),
  ]);
  const store = await openEventStore(eventStoreOptions(cfg, true));
  const audit = await openAnchorStore(cfg).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  try {
    await recordChain(store, audit);
    return await anchorChain(store, audit, { reason });
  } finally {
    await audit.close();
    await store.close();
  }
}


/** One access as a line: when, who, what (and how much of it), which columns, the request. */
function describeAccess(e: AccessEvent): string {
  const ids = e.customerIds.length ? ` customers ${e.customerIds.slice(0, 10).join(', ')}${e.customerIds.length > 10 ? ` and ${e.customerIds.length - 10} more` : ''}` : '';
  return `${e.at} ${e.actor} (${e.role}) ${e.kind} ${e.subject}${e.asOf ? ` as of ${e.asOf}` : ''}: ${e.rows} rows [${e.columns.join(', ')}]${ids} — ${e.method} ${e.route} request ${e.requestId}`;
}

/** `taizhang audit history|verify|anchor|access`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('audit tools: history, verify, anchor, access');
  withClientOptions(
    audit
      .command('history')
      .description('every event of a stream in order: local time, event, actor, role, reason, what it changed')
      .argument('<stream>', 'a stream (complaint-K123, customer-C42) or a bare record id (K123)'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
    .addOption(new Option('--lang <lang>', 'label language').choices(['zh', 'en']).default('zh'))
    .action(async (stream: string, opts: ClientOptions & { format: string; lang: 'zh' | 'en' }) => {
      const r = await apiClient(opts).request<{ stream?: string; events: HistoryEntry[] }>('GET', `/audit/history/${encodeURIComponent(stream)}`);
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      if (!r.events.length) {
        process.stderr.write(`error: no events in ${r.stream ?? stream}\n`);
        process.exitCode = 1;
        return;
      }
      const [{ historyLine }, { zoneHeading }, cfg] = await Promise.all([import('../show'), import('../format'), config()]);
      const tz = cfg.TAIZHANG_TIME_ZONE;
      process.stdout.write(`${r.stream ?? stream} ${zoneHeading(tz, opts.lang)}\n`);
      for (const e of r.events) {
        process.stdout.write(historyLine(e, tz, opts.lang) + '\n');
        for (const c of e.changes) process.stdout.write(`    ${c.field}: ${c.from === undefined ? '' : `${JSON.stringify(c.from)} → `}${JSON.stringify(c.to)}\n`);
      }
    });
  withClientOptions(audit.command('access').description('who read or exported personal data unmasked, newest first (auditors)'))
    .option('--actor <actor>', 'only this person')
    .option('--since <instant>', 'from this instant on: a date (2026-12-01), a local time (2026-12-01 09:00, in TAIZHANG_TIME_ZONE) or ISO 8601 with offset')
    .option('--until <instant>', 'before this instant: a date, a local time or ISO 8601 with offset')
    .option('--limit <n>', 'at most this many', '100')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
    .action(async (opts: ClientOptions & { actor?: string; since?: string; until?: string; limit: string; format: string }) => {
      const q = new URLSearchParams({ limit: opts.limit, ...compact({ actor: opts.actor, since: opts.since, until: opts.until }) } as Record<string, string>);
      const r = await apiClient(opts).request<{ events: AccessEvent[] }>('GET', `/audit/access?${q}`);
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      if (!r.events.length) process.stdout.write('no accesses to personal data recorded for this query\n');
      for (const e of r.events) process.stdout.write(describeAccess(e) + '\n');
    });
  audit
    .command('verify')
    .description('rebuild every ledger from position 0 into a temporary database, compare with the live ledgers by hash, and check the hash chain')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await auditVerify(await config(), { json: opts.json });
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : describeVerification(report) + '\n');
      if (!report.ok) process.exitCode = 1;
    });
  audit
    .command('anchor')
    .description('record the hash chain up to now and anchor its head (print it and keep it somewhere else too)')
    .addOption(new Option('--reason <reason>', 'why').choices(['on_demand', 'monthly_close']).default('on_demand'))
    .action(async (opts: { reason: 'on_demand' | 'monthly_close' }) => {
      const a = await auditAnchor(await config(), opts.reason);
      process.stdout.write(`anchored ${a.reason} at position ${a.position}: ${a.hash} (${a.anchoredAt})\n`);
    });
}
