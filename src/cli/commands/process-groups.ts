import type { Command } from 'commander';
import { apiClient, withClientOptions, type ClientOptions } from '../context';
import { bodyOf, commanderOption } from '../fields';
import type { ProcessCli } from '../manifest';

interface Result {
  streamName: string;
  revision: number;
  eventTypes: string[];
  [k: string]: unknown;
}

const print = (json: boolean | undefined, r: Result, what: string) =>
  process.stdout.write(json ? JSON.stringify(r) + '\n' : `${what}: ${r.eventTypes.length ? r.eventTypes.join(', ') : 'no change'} (${r.streamName} revision ${r.revision})\n`);

/**
 * `taizhang <process> <command>` for every command of every process: the creating command takes `--id` (generated when
 * absent), the others the record's id; options come from the command's fields. Only the groups `populate` accepts get
 * their subcommands (a command needs its own group only); the others are listed by name and title.
 */
export function registerProcessGroups(program: Command, processes: readonly ProcessCli[], populate: (name: string) => boolean = () => true): void {
  for (const p of processes) {
    const group = program.command(p.name).description(`${p.title.zh} (${p.title.en.toLowerCase()})`);
    if (!populate(p.name)) continue;
    for (const spec of p.commands) {
      const cmd = group.command(spec.action).description(`${spec.summary}; roles: ${spec.roles.join(', ')}`);
      if (spec.creates) cmd.option('--id <id>', `${p.title.en.toLowerCase()} id (default: generated)`);
      else cmd.argument('<id>', `${p.title.en.toLowerCase()} id`);
      for (const f of spec.fields) cmd.addOption(commanderOption(f));
      cmd.option('--idempotency-key <key>', 'makes a retried command safe: the same key gets the same result').option('--json', 'print the result as JSON');
      withClientOptions(cmd).action(async (...args: unknown[]) => {
        const opts = (spec.creates ? args[0] : args[1]) as ClientOptions & Record<string, unknown>;
        const body = bodyOf(spec.fields, opts);
        const headers = opts.idempotencyKey ? { 'idempotency-key': String(opts.idempotencyKey) } : undefined;
        const client = apiClient(opts);
        if (spec.creates) {
          if (opts.id !== undefined) body[p.idField] = opts.id;
          const r = await client.request<Result>('POST', `/${p.collection}`, body, headers);
          print(opts.json as boolean | undefined, r, `${p.name} ${String(r[p.idField])}`);
          return;
        }
        const id = args[0] as string;
        const r = await client.request<Result>('POST', `/${p.collection}/${encodeURIComponent(id)}/${spec.action}`, body, headers);
        print(opts.json as boolean | undefined, r, `${p.name} ${id} ${spec.action}`);
      });
    }
    withClientOptions(group.command('show').description(`a ${p.name} with its state and the alarms still to come`).argument('<id>')).action(async (id: string, opts: ClientOptions) => {
      process.stdout.write(JSON.stringify(await apiClient(opts).request('GET', `/${p.collection}/${encodeURIComponent(id)}`), null, 2) + '\n');
    });
  }
}
