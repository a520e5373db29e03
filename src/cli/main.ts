import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ApiError } from './client';
import { registerAuditCommands } from './commands/audit';
import { registerCalendarCommands } from './commands/calendar';
import { registerConfigCommand } from './commands/config';
import { registerDevCommands } from './commands/dev';
import { registerLedgerCommand } from './commands/ledger';
import { registerProcessGroups } from './commands/process-groups';
import { registerScheduleCommands } from './commands/schedule';
import { registerSlaCommands } from './commands/sla';
import { registerStartCommand } from './commands/start';
import { registerSurveyCommands } from './commands/survey';
import { registerTokenCommand } from './commands/token';
import { CliError } from './context';
import { apiErrorLines, quietOnEpipe } from './errors';
import { cliManifest } from './load-manifest';
import { restrictNewFiles } from '../support/private-files';

// Every file the CLI writes is owner-only: the embedded stack's DATA_DIR (its children inherit this), exports, reports.
restrictNewFiles();
// `taizhang … | head`: a reader that stops early ends the CLI quietly.
quietOnEpipe(process.stdout);

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// A missing mandatory option reads as the API would say it: the option, then "is required".
(Command.prototype as unknown as { missingMandatoryOptionValue(this: Command, option: { long?: string; flags: string }): void }).missingMandatoryOptionValue = function (option) {
  this.error(`error: ${option.long ?? option.flags}: is required`, { code: 'commander.missingMandatoryOptionValue' });
};

const program = new Command().name('taizhang').description('台账 — customer-management ledgers on durable workflows and an event store').version(version).showHelpAfterError();

/** The top-level command the arguments name (`taizhang help <command>` names it too); only its group is built in full. */
const args = process.argv.slice(2);
const named = args[0] === 'help' ? args[1] : args.find((a) => !a.startsWith('-'));

registerStartCommand(program);
registerProcessGroups(program, (await cliManifest()).processes, (name) => name === named);
registerSurveyCommands(program);
registerLedgerCommand(program);
registerSlaCommands(program);
registerScheduleCommands(program);
registerCalendarCommands(program);
registerAuditCommands(program);
registerDevCommands(program);
registerConfigCommand(program);
registerTokenCommand(program);

/** The command that runs: an API error names its fields as this command's options. */
let running: Command | undefined;
program.hook('preAction', (_program, actionCommand) => {
  running = actionCommand;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
  if (err instanceof ApiError) {
    process.stderr.write(apiErrorLines(err, running).join('\n') + '\n');
    process.exit(1);
  }
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
