import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, currentUpdateInfo, patched, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { ExtraHolidays } from '../domain/calendar/settings';
import type { TimedAlarm } from '../domain/deadlines/deadline';
import { policyOn } from '../domain/deadlines/replan';
import { validationError } from '../domain/errors';
import { streamOf, type CommandMeta, type CommandSpec, type ProcessDefinition } from '../domain/process';
import type { Policy } from '../domain/policy/schema';
import { authorize } from '../domain/roles';
import { processNamed, processOfWorkflowType } from '../processes/registry';
import { commandUpdate, processQuery, type CommandRequest } from './messages';
import { StreamEntity, type EntityCarry, type EntityStart } from './support/entity';
import { domainCall } from './support/failures';
import { checkMeta, checkSignature } from './support/meta';
import { commandKeys } from './support/command-keys';
import { engineSealProblem, initialCommand, SIGNATURE_RULES } from '../domain/signature';
import { policyOfInput } from './support/policies';
import { startProcess, type InitialCommand } from './support/start';

/** What every process workflow is started with. */
export interface ProcessWorkflowInput {
  /** The entity id (`K123` of `complaint-K123`). */
  id: string;
  /** The policy in force when the process started, when it is not a shipped one: its deadlines never change under it. */
  policy?: Policy;
  /** The shipped policy in force when the process started, by `name@version` (see support/policies). */
  policyRef?: string;
  /** Started by its creating command: the stream is known to be empty, so it is not read first. */
  fresh?: boolean;
  carried?: EntityCarry<unknown>;
  /** Started by another workflow with its creating command: run first, unless the stream already has events. */
  initial?: InitialCommand;
}

/** Patch: alarms fire on their timers alone, which are never cancelled (see alarmLoop); earlier histories replay the earlier loop. */
export const ALARM_TIMERS_KEPT = 'alarm-timers-kept';

const SYSTEM: CommandMeta = { actor: 'taizhang', role: 'system' };
const nowIso = () => new Date(Date.now()).toISOString();

/**
 * The instant an alarm fires at: the workflow's clock, but never before the alarm's own instant. The loop fires an
 * alarm only once its instant has come (its timer fired, or it was already due), yet the clock a workflow task reads
 * can lag: a worker that answers a query while its Temporal node fails over may apply the timer's firing with the
 * clock of the task before, where a replay applies it with the clock of the task that recorded it. A decider that
 * compared the two would find the alarm early in one and due in the other, and the two would part ways (a timer started
 * again where the history has the alarm fired). Wherever the clock is right, this is the clock.
 */
const firedAt = (alarm: TimedAlarm): string => new Date(Math.max(Date.now(), Date.parse(alarm.at))).toISOString();

/** Inputs recorded before the kernel named the entity `complaintId`/`customerId` and put the policy under `sla`. */
function normalise(p: ProcessDefinition, raw: Record<string, unknown>): ProcessWorkflowInput {
  const id = (raw.id ?? raw[p.idField]) as string;
  const policy = (raw.policy ?? (raw.sla as { policy?: Policy } | undefined)?.policy) as Policy | undefined;
  return {
    id,
    ...(policy ? { policy } : {}),
    ...(typeof raw.policyRef === 'string' ? { policyRef: raw.policyRef } : {}),
    ...(raw.fresh ? { fresh: true } : {}),
    ...(raw.carried ? { carried: raw.carried as EntityCarry<unknown> } : {}),
    ...(raw.initial ? { initial: raw.initial as InitialCommand } : {}),
  };
}

/**
 * A start input that carries state or a command must come from the engine itself: carried state only from this
 * workflow's own continue-as-new, an initial command only sealed by a worker's start activity. Anyone else who reaches
 * Temporal could otherwise start a process with a state or a system command of their own. (Histories recorded before
 * this check replay without it.)
 */
function checkStartInput(input: ProcessWorkflowInput): void {
  if (!input.carried && !input.initial) return;
  if (!patched('start-input-checked')) return;
  const info = workflowInfo();
  if (input.carried && !info.continuedFromExecutionRunId) throw ApplicationFailure.nonRetryable(`${info.workflowId}: carried state is accepted only from the workflow's own continue-as-new`, 'ForgedStart');
  if (input.initial) {
    const problem = engineSealProblem(commandKeys(), initialCommand(info.workflowId, { ...input.initial, meta: input.initial.meta as unknown as Record<string, unknown> }));
    if (problem) throw ApplicationFailure.nonRetryable(`${info.workflowId}: initial command ${input.initial.action} ${SIGNATURE_RULES[problem]}`, 'ForgedStart');
  }
}

/**
 * The one workflow body of every process, found by its workflow type in the registry. It owns the stream
 * `<process>-<id>`: commands arrive as Updates, one handler per command of the definition (validated before history
 * records them; the result returns once the events are durable), run one at a time; the next alarm of the state is
 * a durable timer, fired at its instant and never before; a long history continues as new with the state carried;
 * a final state ends the run (a later command starts a new one, which reads the stream).
 */
export async function processWorkflow(raw: ProcessWorkflowInput): Promise<void> {
  const type = workflowInfo().workflowType;
  const p = processOfWorkflowType(type);
  if (!p) throw ApplicationFailure.nonRetryable(`no process runs workflows of type ${type}`, 'UnknownProcess');
  const input = normalise(p, raw as unknown as Record<string, unknown>);
  checkStartInput(input);
  const policy = policyOfInput(input);
  const policyIn = input.policy ? { policy: input.policy } : input.policyRef ? { policyRef: input.policyRef } : {};
  const start: EntityStart<unknown> = input.carried ? { carried: input.carried } : input.fresh ? { fresh: true } : { load: true };
  // The processes an event starts (ProcessStart) begin once it is durable, with the policy this run computes with.
  const startOthers = p.starts
    ? async (events: ReadonlyArray<{ type: string; data: unknown }>, state: unknown) => {
        for (const e of events) {
          for (const s of p.starts!(e, state)) {
            const target = processNamed(s.process);
            if (!target) throw ApplicationFailure.nonRetryable(`${p.name} starts an unknown process ${s.process}`, 'UnknownProcess');
            await startProcess(target, s.id, { action: s.action, data: s.data, meta: SYSTEM }, policyIn);
          }
        }
      }
    : undefined;
  const entity = new StreamEntity(p, streamOf(p, input.id), start, startOthers);
  // The run's rules, built from its policy on the calendar the state's deadlines use: the start policy's, or after a
  // re-plan on new holiday data the one they moved to (only states with a re-plan event differ).
  let rules: unknown;
  let rulesOn: ExtraHolidays | undefined;
  const rulesOf = () => {
    const on = p.deadlines?.calendarOf(entity.current);
    if (rules === undefined || on !== rulesOn) {
      rulesOn = on;
      rules = p.rules && policy ? p.rules(policyOn(policy, on)) : undefined;
    }
    return rules;
  };
  let changes = 0;

  /**
   * Validated input → the domain command, with the meta it is recorded under. A validator runs only on new commands,
   * so every patch applies there; a handler asks Temporal (which records the patch marker, and on replay of an older
   * history answers false).
   */
  const toCommand = (spec: CommandSpec, req: CommandRequest | undefined, isPatched: (patchId: string) => boolean) =>
    domainCall(() => {
      const meta = checkMeta(req?.meta);
      authorize(spec.type, spec.roles, meta.role);
      const data = (req?.data ?? {}) as Record<string, unknown>;
      if (spec.creates && data[p.idField] !== input.id) throw validationError([{ field: p.idField, rule: `must be ${input.id}, the ${p.name} of this workflow` }]);
      const command = spec.toCommand(data, { id: input.id, now: nowIso(), by: { actor: meta.actor, role: meta.role }, state: entity.current, rules: rulesOf(), ...(policy ? { policy } : {}), start: raw as never, patched: isPatched });
      return { command, meta: typeof data.reason === 'string' && data.reason ? { ...meta, reason: data.reason } : meta };
    });

  // What a validator computed (deadlines included), reused by its handler while the state has not moved.
  const prepared = new Map<string, { revision: number; command: ReturnType<typeof toCommand> }>();
  const everyPatch = () => true;
  const prepare = (spec: CommandSpec, req: CommandRequest) => {
    // Asked on every command (the process's) or every run of this one (the command's own), before a prepared one is
    // reused: the marker must be in the history replay reads.
    const patchIds = [...(p.patches ?? []), ...(spec.patches ?? [])];
    const applied = new Set(patchIds.filter((patchId) => patched(patchId)));
    const id = currentUpdateInfo()?.id;
    const kept = id === undefined ? undefined : prepared.get(id);
    if (id !== undefined) prepared.delete(id);
    if (kept && kept.revision === entity.currentRevision && applied.size === patchIds.length) return kept.command;
    return toCommand(spec, req, (patchId) => applied.has(patchId));
  };

  /**
   * Fires the state's alarms, each at its instant and never before, deciding only on what a replay sees the same way:
   * the alarms' own instants, the order their timers fired in, and the instants the appends' recorded results vouch
   * for. An alarm fires once a timer for its instant or a later one has fired (`reached`) or an append was durable
   * after it (`entity.passed`: a ladder whose next rung came due while the last one was written fires on at once),
   * never on the clock a task reads: after a local activity, or while a worker answers a query as its Temporal node
   * fails over, that clock can differ between the first execution and a replay, and an alarm due on one clock and
   * early on the other would part the two. An alarm due on no such evidence waits for a timer (of a millisecond when
   * it is already past). A timer once started is never cancelled: a command that moves the next alarm later or meets
   * it leaves it to run out, so nothing depends on whether a command's completion came before or after a timer fired.
   */
  const alarmLoop = async (): Promise<void> => {
    let reached = -Infinity;
    const running = new Set<number>();
    const arm = (at: number) => {
      if (running.has(at)) return;
      running.add(at);
      void sleep(Math.max(1, at - Date.now())).then(
        () => {
          running.delete(at);
          reached = Math.max(reached, at);
        },
        () => undefined,
      );
    };
    const first = (): TimedAlarm | undefined => p.alarms?.(entity.current)[0];
    const over = () => Boolean(p.isFinal?.(entity.current)) || workflowInfo().continueAsNewSuggested;
    for (;;) {
      if (over()) return;
      const next = first();
      if (!next) {
        await condition(() => first() !== undefined || over());
        continue;
      }
      const at = Date.parse(next.at);
      if (at <= reached || at <= entity.passed) {
        await entity.execute({ type: 'FireAlarm', now: firedAt(next), alarm: next }, { ...SYSTEM, ...(p.alarmReason ? { reason: p.alarmReason(next) } : {}) });
        continue;
      }
      arm(at);
      await condition(() => reached >= at || entity.passed >= at || over() || first()?.at !== next.at);
    }
  };

  for (const spec of Object.values(p.commands)) {
    for (const name of [spec.type, ...(spec.aliases ?? [])]) {
      setHandler(
        commandUpdate(spec, name),
        async (req) => {
          // A run that reads its stream may receive the command before it has read it. (Every promise a workflow makes
          // costs a captured stack trace in the SDK's promise hook: none is made when there is nothing to wait for.)
          if (!entity.isReady) await condition(() => entity.isReady);
          const { command, meta } = prepare(spec, req);
          const result = await entity.execute(command, meta);
          changes++;
          return result;
        },
        {
          validator: (req) => {
            domainCall(() =>
              checkSignature({ workflowId: workflowInfo().workflowId, name, updateId: currentUpdateInfo()?.id ?? '', data: req?.data ?? {}, meta: (req?.meta ?? {}) as unknown as Record<string, unknown> }),
            );
            if (!entity.isReady && !spec.creates) return; // checked again when it runs
            const c = toCommand(spec, req, everyPatch);
            entity.check(c.command);
            const id = currentUpdateInfo()?.id;
            if (id !== undefined) prepared.set(id, { revision: entity.currentRevision, command: c });
          },
        },
      );
    }
  }
  setHandler(processQuery(p), () => entity.view(p.alarms));

  if (!entity.isReady) await entity.load();
  if (input.initial && entity.currentRevision === -1) {
    const spec = p.commands[input.initial.action];
    if (!spec?.creates) throw ApplicationFailure.nonRetryable(`${p.name} has no creating command ${input.initial.action}`, 'UnknownCommand');
    const { command, meta } = toCommand(spec, { data: input.initial.data, meta: input.initial.meta }, (patchId) => patched(patchId));
    await entity.execute(command, meta, `${workflowInfo().workflowId}/initial`);
    changes++;
  }
  if (patched(ALARM_TIMERS_KEPT)) await alarmLoop();
  else {
    // Histories recorded before ALARM_TIMERS_KEPT: every change cancels the timer and starts another.
    for (;;) {
      if (p.isFinal?.(entity.current) || workflowInfo().continueAsNewSuggested) break;
      const next: TimedAlarm | undefined = p.alarms?.(entity.current)[0];
      const seen = changes;
      if (!next) {
        await condition(() => changes !== seen || workflowInfo().continueAsNewSuggested);
        continue;
      }
      const wait = Date.parse(next.at) - Date.now();
      if (wait > 0 && (await condition(() => changes !== seen || workflowInfo().continueAsNewSuggested, wait))) continue;
      await entity.execute({ type: 'FireAlarm', now: firedAt(next), alarm: next }, { ...SYSTEM, ...(p.alarmReason ? { reason: p.alarmReason(next) } : {}) });
      changes++;
    }
  }
  await condition(allHandlersFinished);
  if (!p.isFinal?.(entity.current)) {
    const { fresh: _, initial: _done, ...rest } = raw;
    await continueAsNew<typeof processWorkflow>({ ...rest, carried: entity.carry() });
  }
}
