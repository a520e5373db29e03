import { Option, type Command } from 'commander';
import { CUSTOMER_CLASSES, SEVERITIES } from '../../domain/enums';
import { CliError, compact, config } from '../context';

/** `taizhang sla deadlines`: the deadline calculator, on the configured policy and calendar, without the API. */
export function registerSlaCommands(program: Command): void {
  program
    .command('sla')
    .description('SLA tools')
    .command('deadlines')
    .description('the deadlines and escalation instants of a complaint received at an instant, on the configured policy and its calendar with every imported holiday notice')
    .requiredOption('--received <instant>', 'when it is received: a local time (2026-09-30 17:30, read in TAIZHANG_TIME_ZONE), a date or ISO 8601 with offset (required)')
    .addOption(new Option('--severity <severity>', 'severity (required)').choices([...SEVERITIES]).makeOptionMandatory())
    .addOption(new Option('--customer-class <class>', 'customer class').choices([...CUSTOMER_CLASSES]).default('ordinary'))
    .option('--pause <from/to...>', 'a pause as <from>/<to>, each a local time or ISO 8601 (repeatable)')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'text']).default('text'))
    .action(async (opts: { received: string; severity: string; customerClass: string; pause?: string[]; format: string }) => {
      // The policy, the calendar and the complaint rules load only for this command.
      const [{ ConfigError }, { loadPolicy }, { deadlinesQuery, reportFor }] = await Promise.all([import('../../config/config'), import('../../config/policy'), import('../../processes/complaint/calculator')]);
      const cfg = await config();
      let policy;
      try {
        policy = loadPolicy(cfg);
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message, 2);
        throw err;
      }
      const { LOCAL_INSTANT_RULE, parseLocalInstant, zonedIso } = await import('../../support/local-time');
      const tz = cfg.TAIZHANG_TIME_ZONE;
      const received = parseLocalInstant(opts.received, tz);
      if (!received) throw new CliError(`--received: ${LOCAL_INSTANT_RULE}`);
      const pause = opts.pause?.map((text) => {
        const ends = text.split('/').map((t) => parseLocalInstant(t, tz));
        if (ends.length !== 2 || !ends[0] || !ends[1]) throw new CliError(`--pause ${text}: must be <from>/<to>, each ${LOCAL_INSTANT_RULE}`);
        return `${ends[0]}/${ends[1]}`;
      });
      const parsed = deadlinesQuery.safeParse(compact({ received, severity: opts.severity, customerClass: opts.customerClass, pause }));
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        const field = { received: '--received', severity: '--severity', customerClass: '--customer-class', pause: '--pause' }[String(i.path[0])] ?? String(i.path[0]);
        throw new CliError(`${field}: ${i.message}`);
      }
      // On the calendar in force: the imported holiday notices count, as they do for the stack's own deadlines.
      const { withImportedVersions } = await import('./calendar');
      const report = reportFor(await withImportedVersions(policy, cfg), parsed.data);
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        [
          `policy            ${report.policy}`,
          `calendar          ${report.calendar.source}`,
          `first response    ${zonedIso(report.firstResponseDue, tz)}`,
          `resolution        ${zonedIso(report.resolutionDue, tz)}   (warning ${zonedIso(report.warningAt, tz)})`,
          ...report.escalations.map((e) => `escalation ${e.level}      ${zonedIso(e.at, tz)}   → ${e.role}`),
          ...report.calendar.warnings.map((w) => `warning: ${w}`),
        ].join('\n') + '\n',
      );
    });
}
