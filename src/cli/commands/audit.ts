import { Option, type Command } from 'commander';
import { auditAnchor, auditVerify, describeVerification } from '../audit';
import { apiClient, config, withClientOptions, type ClientOptions } from '../context';

interface HistoryEntry {
  revision: number;
  occurredAt: string;
  actor: string;
  role: string;
  reason?: string;
  type: string;
  changes: Array<{ field: string; from?: unknown; to: unknown }>;
}

/** `taizhang audit history|verify|anchor`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('audit tools: history, verify, anchor');
  withClientOptions(audit.command('history').description('every event of a stream in order: time, actor, role, reason, what it changed').argument('<stream>', 'e.g. complaint-K123 or customer-C42'))
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
    .action(async (stream: string, opts: ClientOptions & { format: string }) => {
      const r = await apiClient(opts).request<{ events: HistoryEntry[] }>('GET', `/audit/history/${stream}`);
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
}
