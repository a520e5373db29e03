import type { Command } from 'commander';
import { actionPath, type ProcessDefinition } from '../../domain/process';
import { PROCESSES } from '../../processes/registry';
import { withClientOptions, apiClient, type ClientOptions } from '../context';
import { bodyOf, commanderOption, optionsOf } from '../options';

interface Result {
  streamName: string;
  revision: number;
  eventTypes: string[];
  [k: string]: unknown;
}

const print = (json: boolean | undefined, r: Result, what: string) =>
  process.stdout.write(json ? JSON.stringify(r) + '\n' : `${what}: ${r.eventTypes.length ? r.eventTypes.join(', ') : 'no change'} (${r.streamName} revision ${r.revision})\n`);

/**
 * `taizhang <process> <command>` for every command of every process, from the registry: the creating command takes
 * `--id` (generated when absent), the others the record's id; options come from the command's input schema.
 */
export function registerProcessCommands(program: Command, processes: readonly ProcessDefinition[] = PROCESSES): void {
  for (const p of processes) {
    const group = program.command(p.name).description(`${p.title.zh} (${p.title.en.toLowerCase()})`);
    for (const [action, spec] of Object.entries(p.commands)) {
      const fields = optionsOf(spec.input, [p.idField]);
      const cmd = group.command(actionPath(action)).description(`${spec.summary}; roles: ${spec.roles.join(', ')}`);
      if (spec.creates) cmd.option('--id <id>', `${p.title.en.toLowerCase()} id (default: generated)`);
      else cmd.argument('<id>', `${p.title.en.toLowerCase()} id`);
      for (const f of fields) cmd.addOption(commanderOption(f));
      cmd.option('--idempotency-key <key>', 'makes a retried command safe: the same key gets the same result').option('--json', 'print the result as JSON');
      withClientOptions(cmd).action(async (...args: unknown[]) => {
        const opts = (spec.creates ? args[0] : args[1]) as ClientOptions & Record<string, unknown>;
        const body = bodyOf(fields, opts);
        const headers = opts.idempotencyKey ? { 'idempotency-key': String(opts.idempotencyKey) } : undefined;
        if (spec.creates) {
          if (opts.id !== undefined) body[p.idField] = opts.id;
          const r = await apiClient(opts).request<Result>('POST', `/${p.collection}`, body, headers);
          print(opts.json as boolean | undefined, r, `${p.name} ${String(r[p.idField])}`);
          return;
        }
        const id = args[0] as string;
        const r = await apiClient(opts).request<Result>('POST', `/${p.collection}/${encodeURIComponent(id)}/${actionPath(action)}`, body, headers);
        print(opts.json as boolean | undefined, r, `${p.name} ${id} ${actionPath(action)}`);
      });
    }
    withClientOptions(group.command('show').description(`a ${p.name} with its state and the alarms still to come`).argument('<id>')).action(async (id: string, opts: ClientOptions) => {
      process.stdout.write(JSON.stringify(await apiClient(opts).request('GET', `/${p.collection}/${encodeURIComponent(id)}`), null, 2) + '\n');
    });
  }
}
