import { Option, type Command } from 'commander';
import type { Config } from '../../config/config';
import type { Policy } from '../../domain/policy';
import { CliError, compact, config } from '../context';

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

/** `taizhang calendar add`: an instant plus business time on the policy's calendar, without the API. */
export function registerCalendarCommands(program: Command): void {
  program
    .command('calendar')
    .description('business calendar tools')
    .command('add')
    .description('the instant reached by adding working days or business minutes to an instant, on the policy’s business calendar')
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
      const calendar = calendarForPolicy(policyFrom(modules, await config(), opts.policy));
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
