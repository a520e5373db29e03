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
      const stack = await startStack(cfg);
      process.stdout.write(
        [
          '',
          'taizhang is running',
          `  API            ${stack.apiUrl}   (OpenAPI: ${stack.apiUrl}/openapi.json, health: ${stack.apiUrl}/healthz)`,
          ...(stack.uiUrl ? [`  Temporal UI    ${stack.uiUrl}`] : [`  Temporal       ${cfg.temporalAddress}`]),
          `  Event store    ${cfg.EVENTSTORE_URL ? eventStoreName(cfg.EVENTSTORE_URL) : cfg.eventsDbPath}`,
          `  Ledgers        ${cfg.ledgerDbPath}`,
          ...(stack.tokensFile ? [`  API tokens     ${stack.tokensFile}`] : []),
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
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
