import type { Command } from 'commander';
import { config } from '../context';

/** `taizhang config [--table]`. */
export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('check the configuration, or print the table of every variable')
    .option('--table', 'print the Markdown table of every variable')
    .action(async (opts: { table?: boolean }) => {
      if (opts.table) {
        const { configTable } = await import('../../config/config');
        process.stdout.write(configTable() + '\n');
        return;
      }
      const cfg = await config();
      const { eventStoreName } = await import('../../config/config');
      process.stdout.write(
        `configuration ok: data ${cfg.dataDir}, API ${cfg.apiUrl}, Temporal ${cfg.embeddedTemporal ? `embedded on ${cfg.temporalAddress}` : cfg.temporalAddress}, event store ${eventStoreName(cfg.EVENTSTORE_URL)}\n`,
      );
    });
}
