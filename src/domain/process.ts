import type { z } from 'zod';
import type { TimedAlarm } from './deadlines/deadline';
import { decideReplan, replanCommand, replannedEventOf, REPLAN_FROM_STOP, type DeadlineSlots, type DeadlinesReplannedData, type ReplanDeadlines } from './deadlines/replan';
import { replanDeadlinesInput } from './deadlines/replan-schemas';
import type { Decider, DomainEvent } from './decider';
import type { LedgerProjection } from './ledger';
import { isNotification, notificationIssued, type NotificationIssued, type Outgoing } from './notifications';
import type { Policy } from './policy/schema';
import type { ActorRole, Role } from './roles';

/**
 * A process (customer master data, complaint, enquiry, …) is one definition: the workflow body, the Updates, the API
 * routes with their OpenAPI entries, the CLI subcommands and the ledgers are all generated from it. Adding a process
 * is a folder with a definition, its ledger and one line in src/processes/registry.ts.
 *
 * The workflow reads only the pure parts (decider, `toCommand`, rules, alarms, notifications). The parts marked
 * "node side" (zod schemas, ledgers, look-ups) live in each process's `schemas.ts` and `ledger.ts`, which the workflow
 * bundle leaves out (see src/workflows/bundle.ts): in workflow code they are undefined and must not be read.
 */

/** Who acts. */
export interface Actor {
  actor: string;
  role: ActorRole;
}

/** Who issues a command and why; becomes the event metadata. */
export interface CommandMeta extends Actor {
  reason?: string;
  /** Ties the events of one user request together (the API's request id by default). */
  correlationId?: string;
  /** When the API signed the command, and its signature (src/domain/signature.ts); neither is recorded in events. */
  at?: string;
  sig?: string;
}

/** What a command's `toCommand` gets besides its input; `rules` are built once per run from the policy. */
export interface CommandContext<S, R> {
  /** The entity id (`K123` of `complaint-K123`). */
  id: string;
  /** The workflow clock, ISO 8601. */
  now: string;
  by: Actor;
  state: S;
  rules: R;
  /** The policy the run computes with (its rules were built from it, on the calendar the state's deadlines use). */
  policy?: Policy;
  /** The workflow input of a run started by earlier code, whose commands relied on fields it carried. */
  start?: Readonly<Record<string, unknown>>;
  /**
   * Whether a change of the process's behaviour (one of its `patches`) applies to this command: true for every new
   * command, false when a recorded history from before the change replays (Temporal's patching).
   */
  patched: (patchId: string) => boolean;
}

/** Fires an alarm at its instant: the one command every process with alarms handles. */
export interface FireAlarm<A extends TimedAlarm = TimedAlarm> {
  type: 'FireAlarm';
  now: string;
  alarm: A;
}

/** Reads another entity's state from its stream (node side, before a command is sent). */
export interface CommandLookups {
  state<S>(process: ProcessDefinition<S>, id: string): Promise<{ state: S; revision: number }>;
}

export interface CommandSpec<S = any, C = any, R = any, I = any> {
  /** Wire name of the Update (and, by convention, the decider's command type). */
  type: string;
  /** Older wire names still accepted (recorded histories, workflows started by earlier code). */
  aliases?: readonly string[];
  /** One line for OpenAPI and `--help`, with the Chinese term. */
  summary: string;
  /** Roles that may issue it; finer rules (the owner, the maker) are the decider's. */
  roles: readonly ActorRole[];
  /** Starts the process: `POST /<collection>` with a generated id, sent as update-with-start. */
  creates?: boolean;
  /**
   * Sent by the system as part of other work, not typed by people (e.g. `replanDeadlines`, which the calendar import
   * sends with the imported holiday data): the API still takes it for its roles, but the CLI makes no command of it,
   * so no `--help` lists it.
   */
  internal?: boolean;
  /** Node side: the schema the API, the CLI and the gateway parse input with. */
  input: z.ZodType<I>;
  /** Behaviour changes of this command alone (Temporal patch ids, asked only when it runs; see the process's `patches`). */
  patches?: readonly string[];
  /** Node side: facts the command needs from elsewhere, read before it is sent and added to its input. */
  lookup?: (input: I, lookups: CommandLookups) => Promise<Record<string, unknown>>;
  /** Validated input (and its look-ups) → the domain command; time and deadlines enter here, in workflow code. */
  toCommand: (input: I, ctx: CommandContext<S, R>) => C;
}

/**
 * The command-spec builder of one process: each spec's input type comes from its zod schema, its context from the
 * process, and what most of its commands share (their roles) from `defaults`.
 */
export function commandsOf<S, C, R>(defaults: Pick<CommandSpec, 'roles'>) {
  return <I>(spec: Omit<CommandSpec<S, C, R, I>, 'roles'> & Partial<Pick<CommandSpec<S, C, R, I>, 'roles'>>): CommandSpec<S, C, R, I> => ({ ...defaults, ...spec });
}

/**
 * Another process an event starts, with its creating command (a survey round's close opens a corrective action for
 * each negative indicator). The kernel starts it as a child workflow once the event is durable; an id that was
 * started already is left as it is, so a retried start never makes a second one.
 */
export interface ProcessStart {
  /** The process's `name` in the registry. */
  process: string;
  id: string;
  /** Its creating command (`creates: true`), and that command's input. */
  action: string;
  data: Record<string, unknown>;
}

/** An event type of the catalogue: its current version, its schema, and upcasters from older versions. */
export interface EventSpec {
  version: number;
  schema: z.ZodType;
  /** upcasters[v] turns data of version v into version v + 1. */
  upcasters?: Record<number, (data: unknown) => unknown>;
}

export interface ProcessDefinition<S = any, C = any, E extends DomainEvent = any, R = any, A extends TimedAlarm = any> {
  /** `complaint`: stream and workflow ids (`complaint-<id>`), the Query, the CLI group. */
  name: string;
  /** `complaints`: the API collection (`/complaints`, `/complaints/:id/<command>`). */
  collection: string;
  title: { zh: string; en: string };
  /** Prefix of generated ids (`K` for complaints). */
  idPrefix: string;
  /** The input field that names the entity (`complaintId`). */
  idField: string;
  /** Temporal workflow type: recorded histories and the Web UI know processes by it. */
  workflowType: string;
  decider: Decider<C | FireAlarm<A>, S, E>;
  /** Keyed by action (`followUp` → `POST …/follow-up`, `taizhang complaint follow-up`). */
  commands: Readonly<Record<string, CommandSpec<S, C, R>>>;
  /** Built once per workflow run from the policy in force (deadline rules on the calendar). */
  rules?: (policy: Policy) => R;
  /** The warnings, escalations and reminders still to come, earliest first. */
  alarms?: (state: S) => A[];
  /** Recorded as the reason of what an alarm causes. */
  alarmReason?: (alarm: A) => string;
  /** Who hears of an event, given the state after it. */
  notifications?: (event: E, state: S) => Outgoing[];
  /** Other processes an event starts (see ProcessStart), given the state after the command. */
  starts?: (event: E, state: S) => ProcessStart[];
  /** A process in a final state ends its workflow (a later command starts a new run that reloads the stream). */
  isFinal?: (state: S) => boolean;
  /**
   * How the state holds its deadlines: the kernel then re-plans them on new holiday data (the internal command
   * `replanDeadlines`, the event `<Process>DeadlinesReplanned`, see src/domain/deadlines/replan.ts), and the run computes
   * later deadlines on the calendar they moved to.
   */
  deadlines?: DeadlineSlots<S>;
  /** Event types that record deadline warnings and escalations (read by the escalations ledger). */
  deadlineEvents?: { warning: string; escalation: string };
  /**
   * Behaviour changes that recorded histories must not see (Temporal patch ids): `toCommand` asks `ctx.patched(id)`
   * and keeps the earlier behaviour where it is false.
   */
  patches?: readonly string[];
  /** Node side: the event catalogue of this process. */
  events: Readonly<Record<string, EventSpec>>;
  /** Node side: the ledgers this process's events feed. */
  ledgers: readonly LedgerProjection[];
}

/** The catalogue entries of a process's event schemas, each at version 1 (a later version adds its upcaster). */
export const atVersion1 = (schemas: Readonly<Record<string, z.ZodType>>): Record<string, EventSpec> =>
  Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, { version: 1, schema }]));

/**
 * A definition whose ids follow its name: `complaintId` in inputs, `complaintWorkflow` in Temporal. A process with
 * `deadlines` gets the kernel's re-plan: the command (internal, admins), its decision and its event.
 */
export function defineProcess<S, C, E extends DomainEvent, R = undefined, A extends TimedAlarm = TimedAlarm>(
  d: Omit<ProcessDefinition<S, C, E, R, A>, 'idField' | 'workflowType'>,
): ProcessDefinition<S, C, E, R, A> {
  const idField = `${d.name}Id`;
  const base = { ...d, idField, workflowType: `${d.name}Workflow` };
  const slots = d.deadlines;
  if (!slots) return base;
  const replanned = replannedEventOf(d);
  const replanDeadlines: CommandSpec<S, ReplanDeadlines, R, { calendarVersion: number; extraHolidays: DeadlinesReplannedData['extraHolidays'] }> = {
    type: 'ReplanDeadlines',
    summary: `Re-plan the open deadlines on an imported calendar version (new holiday data; \`taizhang calendar import\` sends it)`,
    roles: ['admin'],
    internal: true,
    input: replanDeadlinesInput,
    patches: [REPLAN_FROM_STOP],
    toCommand(input, ctx) {
      if (!ctx.policy) throw new Error(`${d.name} ${ctx.id}: re-planning needs the policy the run computes with`);
      return replanCommand(slots, input, { id: ctx.id, now: ctx.now, by: ctx.by, state: ctx.state, policy: ctx.policy, patched: ctx.patched });
    },
  };
  const decider = {
    initialState: d.decider.initialState,
    decide: (command: C | FireAlarm<A> | ReplanDeadlines, state: S): E[] =>
      (command as { type: string }).type === 'ReplanDeadlines' ? (decideReplan(slots, base, command as ReplanDeadlines, state) as E[]) : d.decider.decide(command as C | FireAlarm<A>, state),
    evolve(state: S, event: E): S {
      if (event.type !== replanned) return d.decider.evolve(state, event);
      const data = event.data as DeadlinesReplannedData;
      return slots.put(state, data.deadlines, { basis: data.basis, extraHolidays: data.extraHolidays });
    },
  };
  return { ...base, decider, commands: { ...d.commands, replanDeadlines: replanDeadlines as unknown as CommandSpec<S, C, R> } };
}

/** `complaint-K123`. */
export const streamOf = (p: Pick<ProcessDefinition, 'name'>, id: string): string => `${p.name}-${id}`;

/** `followUp` → `follow-up`: the URL segment and CLI subcommand of an action. */
export const actionPath = (action: string): string => action.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The events a command causes, each followed by the notifications it calls for (recorded in the same append).
 * `issued` is how many notifications the stream has issued so far: keys number on from there.
 */
export function decideWithNotifications<S, C, E extends DomainEvent>(
  p: Pick<ProcessDefinition<S, C, E>, 'decider' | 'notifications'>,
  stream: string,
  command: C | FireAlarm,
  state: S,
  issued: number,
): Array<E | NotificationIssued> {
  const out: Array<E | NotificationIssued> = [];
  let s = state;
  let n = issued;
  for (const event of p.decider.decide(command as C, state)) {
    out.push(event);
    s = p.decider.evolve(s, event);
    for (const o of p.notifications?.(event, s) ?? []) out.push(notificationIssued(stream, ++n, o, event.type));
  }
  return out;
}

/** A process's state from its events (notifications are the kernel's, not the process's). */
export function foldEntity<S>(p: Pick<ProcessDefinition<S>, 'decider'>, events: Iterable<{ type: string; data: unknown }>): S {
  let s = p.decider.initialState();
  for (const e of events) if (!isNotification(e)) s = p.decider.evolve(s, e);
  return s;
}
