import { readShapeOf, type Column, type LedgerShape } from '../domain/ledger';
import type { ProcessDefinition } from '../domain/process';
import { actionPath } from '../domain/process';
import { PROCESSES } from '../processes/registry';
import { ALL_LEDGERS } from '../projections/ledgers';
import type { FieldOption } from './fields';
import { optionsOf } from './options';

/** One command of a process as the CLI offers it: `taizhang <process> <action>` with the options of its fields. */
export interface CommandCli {
  action: string;
  summary: string;
  roles: readonly string[];
  creates: boolean;
  fields: FieldOption[];
}

/** One process as the CLI offers it: a group of commands on its collection. */
export interface ProcessCli {
  name: string;
  title: { zh: string; en: string };
  collection: string;
  idField: string;
  commands: CommandCli[];
}

/** What the CLI shows of a ledger: its title, the headers of its columns and which hold instants or flags. */
export type LedgerCli = Pick<LedgerShape, 'name' | 'title'> & { columns: Array<Pick<Column, 'name' | 'label'> & Partial<Pick<Column, 'instant' | 'flag' | 'staff'>>> };

/**
 * What the CLI needs of the process registry and the ledgers, as plain data. Deriving it evaluates every schema (the
 * options come from each command's zod input schema), which costs more than a whole command takes, so the build
 * (scripts/build.mjs) derives it once and compiles it into the CLI; run from TypeScript, it is derived on each start
 * (src/cli/load-manifest.ts).
 */
export interface CliManifest {
  processes: ProcessCli[];
  ledgers: LedgerCli[];
}

/**
 * The CLI's view of processes: every command for people with the options of its input schema (the id field is the
 * argument). A command its definition marks `internal` (sent by the system, e.g. the calendar import's
 * `replanDeadlines`) is left out: no `taizhang <process> <command>`, nothing in `--help`.
 */
export const processCliOf = (processes: readonly ProcessDefinition[]): ProcessCli[] =>
  processes.map((p) => ({
    name: p.name,
    title: p.title,
    collection: p.collection,
    idField: p.idField,
    commands: Object.entries(p.commands)
      .filter(([, spec]) => spec.internal !== true)
      .map(([action, spec]) => ({
        action: actionPath(action),
        summary: spec.summary,
        roles: spec.roles,
        creates: spec.creates === true,
        fields: optionsOf(spec.input, [p.idField]),
      })),
  }));

/** The manifest from the registry and the ledgers themselves. */
export function manifestOf(processes: readonly ProcessDefinition[] = PROCESSES, ledgers: readonly LedgerShape[] = ALL_LEDGERS): CliManifest {
  return {
    processes: processCliOf(processes),
    ledgers: ledgers.map((ledger) => readShapeOf(ledger, ledgers)).map((l) => ({ name: l.name, title: l.title, columns: l.columns.map((c) => ({ name: c.name, label: c.label, ...(c.instant ? { instant: true } : {}), ...(c.flag ? { flag: true } : {}), ...(c.staff ? { staff: true } : {}) })) })),
  };
}
