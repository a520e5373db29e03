import { Option, type Command } from 'commander';
import type { Config } from '../../config/config';
import type { Policy } from '../../domain/policy';
import { DEADLINE_LABELS, PROCESS_LABELS } from '../../domain/labels';
import { localShort } from '../../support/local-time';
import { apiClient, CliError, compact, config, withClientOptions, type ClientOptions } from '../context';
import { zoneHeading } from '../format';

// The policy and the calendar load only for this command.
const calendarModules = () => Promise.all([import('../../config/policy'), import('../../domain/calendar/calculator'), import('../../domain/policy'), import('../../config/config')]);
type Modules = Awaited<ReturnType<typeof calendarModules>>;

const FLAGS: Record<string, string> = { from: '--from', workingDays: '--working-days', businessMinutes: '--business-minutes' };
/** A rule as the API words it, with the CLI's option names. */
const withFlags = (text: string) => text.replace(/\b(workingDays|businessMinutes)\b/g, (name) => FLAGS[name]!);

/** The configured policy, or the one `--policy` names: a shipped profile, else a JSON policy file. */
function policyFrom([{ loadPolicy }, , { POLICY_PROFILES }, { ConfigError }]: Modules, cfg: Config, choice: string | undefined): Policy {
  const profiles = Object.keys(POLICY_PROFILES);
  try {
    if (choice === undefined) return loadPolicy(cfg);
    if (profiles.includes(choice)) return loadPolicy({ ...cfg, TAIZHANG_POLICY: choice as Config['TAIZHANG_POLICY'], TAIZHANG_POLICY_FILE: undefined });
    return loadPolicy({ ...cfg, TAIZHANG_POLICY_FILE: choice });
  } catch (err) {
    if (err instanceof ConfigError && err.variable === 'TAIZHANG_POLICY_FILE' && choice !== undefined) {
      throw new CliError(`--policy: must be a profile (${profiles.join(', ')}) or a valid JSON policy file: ${err.rule}`, 2);
    }
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
}

/**
 * `policy` with every calendar version imported into the event store (docs/holidays.md), read from the store itself,
 * read-only, so the calculators count on the calendar the stack computes deadlines on without the API. No store yet
 * (a fresh data directory): the policy as it is. A store that cannot be read: the policy as it is, with a warning.
 */
export async function withImportedVersions(policy: Policy, cfg: Config): Promise<Policy> {
  const [{ existsSync }, { eventStoreOptions }, { openEventStore }, { policyInForce }] = await Promise.all([import('node:fs'), import('../../config/config'), import('../../events/store'), import('../../config/policy')]);
  if (!cfg.EVENTSTORE_URL && !existsSync(cfg.eventsDbPath)) return policy;
  let store: Awaited<ReturnType<typeof openEventStore>> | undefined;
  try {
    store = await openEventStore(eventStoreOptions(cfg, true));
    return await policyInForce(policy, store);
  } catch (err) {
    process.stderr.write(`warning: imported calendar versions not read from the event store (${(err as Error).message}); only the shipped holiday data (and TAIZHANG_HOLIDAYS_FILE) counts\n`);
    return policy;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

interface VersionSummary {
  version: number;
  file: string;
  source: string;
  years: number[];
  holidays: number;
  workdays: number;
  importedBy: string;
  importedAt: string;
}
interface ImportReply {
  version: VersionSummary;
  alreadyImported: boolean;
  replanned: Array<{ process: string; id: string; moved: Array<{ deadline: string; fromDue: string; toDue: string }>; calendarWarnings: string[] }>;
  failed: Array<{ process: string; id: string; error: string }>;
}

const processName = (p: string): string => (PROCESS_LABELS[p] ? `${PROCESS_LABELS[p].zh} ${p}` : p);

/**
 * What an import did, as lines: the version, its days, each re-planned process (complaint, enquiry, change request,
 * corrective action, customer change) with its deadlines' old → new due instants in local time.
 */
export function describeImport(r: ImportReply, timeZone: string): string[] {
  const v = r.version;
  const when = (at: string) => localShort(at, timeZone);
  const lines = [
    r.alreadyImported
      ? `calendar version ${v.version} (${v.file}) was imported already on ${when(v.importedAt)} by ${v.importedBy}: nothing recorded`
      : `calendar version ${v.version} recorded from ${v.file}: ${v.years.join(', ')}, ${v.holidays} holiday days (放假), ${v.workdays} make-up working days (调休上班)`,
    `source            ${v.source}`,
    `times             ${zoneHeading(timeZone).replace(/^（|）$/g, '')}`,
  ];
  if (!r.replanned.length) lines.push('re-planned        no open process had deadlines this notice moves');
  for (const c of r.replanned) {
    lines.push(`re-planned        ${processName(c.process)} ${c.id}`);
    for (const m of c.moved) lines.push(`  ${DEADLINE_LABELS[m.deadline] ? `${DEADLINE_LABELS[m.deadline]!.zh}期限 ${DEADLINE_LABELS[m.deadline]!.en}` : m.deadline}: ${when(m.fromDue)} → ${when(m.toDue)}`);
    if (!c.moved.length) lines.push('  no deadline moved (the calendar warning was cleared)');
    for (const w of c.calendarWarnings) lines.push(`  still: ${w}`);
  }
  for (const f of r.failed) lines.push(`not re-planned    ${processName(f.process)} ${f.id}: ${f.error}`);
  return lines;
}

/** `taizhang calendar add` (on the policy's calendar with the imported versions, without the API), `calendar import <file>`, `calendar versions`. */
export function registerCalendarCommands(program: Command): void {
  const calendar = program.command('calendar').description('business calendar tools: add, import, versions');
  withClientOptions(
    calendar
      .command('import')
      .description('import a State Council holiday notice (JSON or CSV, docs/holidays.md) as a calendar version (admin); open complaints, enquiries, change requests, corrective actions and customer changes whose deadlines it moves are re-planned')
      .argument('<file>', 'the notice as .json or .csv, e.g. examples/holidays-2027.json'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
    .action(async (file: string, opts: ClientOptions & { format: string }) => {
      const { readFile } = await import('node:fs/promises');
      const path = await import('node:path');
      let content: string;
      try {
        content = await readFile(file, 'utf8');
      } catch (err) {
        throw new CliError(`<file> ${file}: must be a readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 2);
      }
      const r = await apiClient(opts).request<ImportReply>('POST', '/calendar/versions', { file: path.basename(file), content });
      process.stdout.write((opts.format === 'json' ? JSON.stringify(r, null, 2) : describeImport(r, (await config()).TAIZHANG_TIME_ZONE).join('\n')) + '\n');
    });
  withClientOptions(calendar.command('versions').description('the imported holiday notices (calendar versions), oldest first'))
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
    .action(async (opts: ClientOptions & { format: string }) => {
      const r = await apiClient(opts).request<{ versions: VersionSummary[] }>('GET', '/calendar/versions');
      if (opts.format === 'json') return void process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      if (!r.versions.length) return void process.stdout.write('no calendar version imported; holiday data: chinese-days (and TAIZHANG_HOLIDAYS_FILE)\n');
      for (const v of r.versions) process.stdout.write(`v${v.version}  ${v.years.join(',')}  ${v.holidays} holiday days, ${v.workdays} make-up days  ${v.file}  by ${v.importedBy} at ${v.importedAt}\n`);
    });
  calendar
    .command('add')
    .description('the instant reached by adding working days or business minutes to an instant, on the policy’s business calendar with every imported holiday notice (read from the event store)')
    .requiredOption('--from <instant>', 'ISO 8601 instant with offset, e.g. 2026-09-30T16:00:00+08:00 (required)')
    .option('--working-days <n>', 'working days to add, each a full working day of working time (450 minutes by default); exactly one of --working-days, --business-minutes')
    .option('--business-minutes <n>', 'minutes of working time to add; exactly one of --working-days, --business-minutes')
    .option('--policy <profile-or-file>', 'a shipped policy profile (default, seed-001, compressed) or a JSON policy file (default: TAIZHANG_POLICY_FILE, else TAIZHANG_POLICY)')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
    .action(async (opts: { from: string; workingDays?: string; businessMinutes?: string; policy?: string; format: string }) => {
      const modules = await calendarModules();
      const [, { calendarAddFor, calendarAddQuery }, { calendarForPolicy }] = modules;
      // The API's rules (GET /calendar/add), worded with the options' names.
      const parsed = calendarAddQuery.safeParse(compact({ from: opts.from, workingDays: opts.workingDays, businessMinutes: opts.businessMinutes }));
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new CliError(`${FLAGS[String(i.path[0])]}: ${withFlags(i.message)}`);
      }
      const cfg = await config();
      const calendar = calendarForPolicy(await withImportedVersions(policyFrom(modules, cfg, opts.policy), cfg));
      const result = calendarAddFor(calendar, parsed.data);
      const q = parsed.data;
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      const added = q.workingDays !== undefined ? `${q.workingDays} working days (${(q.workingDays * calendar.workingDayMs) / 60_000} business minutes)` : `${q.businessMinutes} business minutes`;
      process.stdout.write(
        [
          `from              ${calendar.toIso(opts.from)}`,
          `add               ${added}`,
          `at                ${result.at}`,
          `calendar          ${result.calendar.source}`,
          ...result.calendar.warnings.map((w) => `warning: ${w}`),
        ].join('\n') + '\n',
      );
    });
}
