import type { Command } from 'commander';
import { CliError, config } from '../context';

/**
 * `taizhang token <person-or-role>`: the local token `npm start` wrote for that person (actor id) or the first person
 * holding that role, printed alone, so a shell can take it: `export TAIZHANG_TOKEN=$(npx taizhang token li.na)`.
 */
export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('print the local API token of a person (actor id, e.g. li.na) or of the first person holding a role, from DATA_DIR/tokens.json')
    .argument('<person-or-role>', 'actor id of the staff directory (li.na) or a role (agent)')
    .action(async (who: string) => {
      const cfg = await config();
      const { localToken, tokensFile } = await import('../tokens');
      const token = localToken(cfg.dataDir, who);
      if (!token) {
        const { existsSync, readFileSync } = await import('node:fs');
        const file = tokensFile(cfg.dataDir);
        if (!existsSync(file)) throw new CliError(`no ${file}: start the stack first (npm start writes one token per person), or set DATA_DIR to the stack's data directory`, 2);
        const people = (JSON.parse(readFileSync(file, 'utf8')) as Array<{ actor: string; role: string }>).map((t) => `${t.actor} (${t.role})`);
        throw new CliError(`${who}: no local token for this person or role in ${file}; it has ${people.join(', ')}`, 2);
      }
      process.stdout.write(token + '\n');
    });
}
