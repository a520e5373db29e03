import type { Command } from 'commander';
import { config } from '../context';

/** `taizhang start`: the embedded stack, in the foreground until Ctrl-C. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the embedded stack: Temporal dev server, worker, projector and HTTP API')
    .action(async () => {
      const cfg = await config();
      // The stack's modules (the Temporal client among them) load only for this command.
      const { startStack } = await import('../stack');
      const { eventStoreName } = await import('../../config/config');
      // The console lines of the start-up wait until the banner with the URLs is printed; a failed start shows them.
      let held: string[] | undefined = [];
      const out = (line: string) => (held ? held.push(line) : process.stdout.write(line + '\n'));
      const stack = await startStack(cfg, { out }).catch((err: unknown) => {
        for (const line of held ?? []) process.stderr.write(line + '\n');
        held = undefined;
        throw err;
      });
      process.stdout.write(
        [
          '',
          'taizhang is running',
          `  API            ${stack.apiUrl}   (OpenAPI: ${stack.apiUrl}/openapi.json, health: ${stack.apiUrl}/healthz)`,
          `  Metrics        ${stack.apiUrl}/metrics`,
          ...(stack.uiUrl ? [`  Temporal UI    ${stack.uiUrl}`] : [`  Temporal       ${cfg.temporalAddress}`]),
          `  DATA_DIR       ${cfg.dataDir}`,
          `  Event store    ${cfg.EVENTSTORE_URL ? eventStoreName(cfg.EVENTSTORE_URL) : cfg.eventsDbPath}`,
          `  Ledgers        ${cfg.ledgerDbPath}`,
          ...(stack.tokensFile ? [`  API tokens     ${stack.tokensFile}`] : []),
          `  Logs           ${stack.logDir}/<process>.log`,
          'Warnings and errors follow, one line each. Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      const startup = held;
      held = undefined;
      for (const line of startup) process.stdout.write(line + '\n');
      const stop = () => {
        process.stdout.write('stopping…\n');
        void stack.stop();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await stack.done;
      process.stdout.write('stopped\n');
    });
}
