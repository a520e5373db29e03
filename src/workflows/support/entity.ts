import { condition, currentUpdateInfo, proxyLocalActivities, workflowInfo, ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DomainEvent } from '../../domain/decider';
import { DomainError } from '../../domain/errors';
import { isNotification } from '../../domain/notifications';
import { decideWithNotifications, type CommandMeta, type ProcessDefinition } from '../../domain/process';
import type { CommandResult, ProcessView } from '../messages';
import { domainCall, toFailure } from './failures';

// Local activities: an append is a short local write, so it runs in the worker's own workflow task instead of a
// server round trip per event; the deterministic event ids make a retried append a no-op all the same.
const { appendEvents, loadStream } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '5s' },
});

/** The ApplicationFailure type of an activity's failure, however the SDK wrapped it (local activities differ). */
function failureType(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (e instanceof ApplicationFailure) return e.type ?? undefined;
    e = e instanceof ActivityFailure || e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  }
  return undefined;
}

/** State carried across continue-as-new, so the next run need not re-read the stream. */
export interface EntityCarry<S> {
  state: S;
  revision: number;
  /** Results of the latest commands, by Update id (see `applied`). */
  applied?: Array<[string, CommandResult]>;
  /** Notifications the stream has issued (their keys number on from here). */
  issued?: number;
}

/** How many applied commands a workflow remembers (and carries across continue-as-new). */
const APPLIED_MEMORY = 200;

/** How a run begins: from carried state, from a stream known to be empty (a creating command started it), or by reading it. */
export type EntityStart<S> = { carried: EntityCarry<S> } | { fresh: true } | { load: true };

/**
 * The single writer of one stream inside its workflow: decides commands on the current state, appends the resulting
 * events (and the notifications they call for) through the append activity, and only then evolves the state.
 * Commands run one at a time.
 */
export class StreamEntity<S, C = unknown, E extends DomainEvent = DomainEvent> {
  private state: S;
  private revision: number;
  private issued: number;
  private ready: boolean;
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * Commands already in the stream, by the Update id that caused them. A workflow task can append through its local
   * activity and then be lost (worker killed before it completed); the retried Update then finds its own events
   * already in the stream and must return their result, not apply the command twice or reject it.
   */
  private readonly applied = new Map<string, CommandResult>();
  /** The latest instant an append or a read of the stream vouches for (from the activity's recorded result). */
  private vouched = -Infinity;

  constructor(
    private readonly process: Pick<ProcessDefinition<S, C, E>, 'decider' | 'notifications'>,
    readonly streamName: string,
    start: EntityStart<S>,
    /** Runs once a command's events are durable and evolved, before its result returns (starting other processes). */
    private readonly afterAppend?: (events: ReadonlyArray<{ type: string; data: unknown }>, state: S) => Promise<void>,
  ) {
    const carried = 'carried' in start ? start.carried : undefined;
    this.state = carried?.state ?? process.decider.initialState();
    this.revision = carried?.revision ?? -1;
    // Carried state of earlier code counted notifications in the state itself.
    this.issued = carried?.issued ?? ((carried?.state as { notifications?: unknown[] } | undefined)?.notifications?.length ?? 0);
    for (const [k, v] of carried?.applied ?? []) this.applied.set(k, v);
    this.ready = !('load' in start);
  }

  /** Rebuilds state from the stream unless it was carried over or known to be empty. */
  async load(): Promise<void> {
    if (this.ready) return;
    await this.catchUp();
    this.ready = true;
  }

  private evolve(e: { type: string; data: unknown }): void {
    if (isNotification(e)) this.issued++;
    else this.state = this.process.decider.evolve(this.state, e as E);
  }

  private async catchUp(): Promise<void> {
    const loaded = await loadStream({ streamName: this.streamName, fromRevision: this.revision + 1, clock: new Date().toISOString() });
    this.vouch(loaded.readAt);
    for (const e of loaded.events) {
      this.evolve(e);
      const prior = this.applied.get(e.causationId);
      this.remember(e.causationId, {
        streamName: this.streamName,
        revision: e.revision,
        position: e.position,
        eventIds: [...(prior?.eventIds ?? []), e.id],
        eventTypes: [...(prior?.eventTypes ?? []), e.type],
      });
    }
    if (loaded.events.length) this.revision = loaded.revision;
  }

  private vouch(at: string | undefined): void {
    if (at !== undefined && !Number.isNaN(Date.parse(at))) this.vouched = Math.max(this.vouched, Date.parse(at));
  }

  /**
   * The latest instant known to have passed from what history records (when the last append was durable, when the
   * stream was last read: activity results, replayed as recorded), unlike the clock a workflow task reads.
   * -Infinity before any.
   */
  get passed(): number {
    return this.vouched;
  }

  get current(): S {
    return this.state;
  }

  get currentRevision(): number {
    return this.revision;
  }

  get isReady(): boolean {
    return this.ready;
  }

  view<A>(alarms: (s: S) => A[] = () => []): ProcessView<S> {
    return { streamName: this.streamName, revision: this.revision, state: this.state, pendingAlarms: alarms(this.state) as ProcessView['pendingAlarms'] };
  }

  carry(): EntityCarry<S> {
    return { state: this.state, revision: this.revision, applied: [...this.applied], issued: this.issued };
  }

  /** For Update validators: rejects (before history records the command) what the decider would refuse now. */
  check(command: C): void {
    if (this.alreadyApplied()) return;
    if (this.ready) domainCall(() => this.process.decider.decide(command, this.state));
  }

  /** The result of the current Update if its events are already in the stream. */
  private alreadyApplied(): CommandResult | undefined {
    const id = currentUpdateInfo()?.id;
    return id === undefined ? undefined : this.applied.get(id);
  }

  private remember(causationId: string, result: CommandResult): void {
    this.applied.delete(causationId);
    this.applied.set(causationId, result);
    if (this.applied.size > APPLIED_MEMORY) this.applied.delete(this.applied.keys().next().value!);
  }

  /** Decides and appends; resolves once the events are durable. */
  execute(command: C, meta: CommandMeta, causationId?: string): Promise<CommandResult> {
    const updateId = currentUpdateInfo()?.id;
    const cause = causationId ?? updateId ?? `${workflowInfo().workflowId}/${workflowInfo().runId}`;
    const run = this.tail.then(() => this.run(command, meta, cause, cause === updateId));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async run(command: C, meta: CommandMeta, causationId: string, byUpdate: boolean, attempt = 1): Promise<CommandResult> {
    if (!this.ready) await condition(() => this.ready);
    const done = byUpdate ? this.applied.get(causationId) : undefined;
    if (done) return done;
    const events = domainCall(() => decideWithNotifications(this.process, this.streamName, command, this.state, this.issued));
    if (events.length === 0) return this.result(null, [], []);
    const info = workflowInfo();
    const occurredAt = new Date().toISOString();
    try {
      const r = await appendEvents({
        streamName: this.streamName,
        expectedRevision: this.revision,
        events: events.map((e) => ({
          type: e.type,
          data: e.data,
          metadata: {
            actor: meta.actor,
            role: meta.role,
            ...(meta.reason ? { reason: meta.reason } : {}),
            occurredAt,
            correlationId: meta.correlationId ?? causationId,
            causationId,
            workflowId: info.workflowId,
            runId: info.runId,
          },
        })),
      });
      for (const e of events) this.evolve(e);
      this.revision = r.nextExpectedRevision;
      this.vouch(r.durableAt);
      if (this.afterAppend) await this.afterAppend(events, this.state);
      const result = this.result(r.position, r.eventIds, events.map((e) => e.type));
      if (byUpdate) this.remember(causationId, result);
      return result;
    } catch (err) {
      // Someone else wrote to a stream this workflow owns (or a reused id met an existing stream): re-read it and
      // decide once more on the real state.
      if (failureType(err) === 'ConcurrencyError') {
        if (attempt === 1) {
          await this.catchUp();
          return this.run(command, meta, causationId, byUpdate, 2);
        }
        throw toFailure(new DomainError('concurrency', 'stream.concurrent_write', (err as Error).message));
      }
      throw err;
    }
  }

  private result(position: string | null, eventIds: string[], eventTypes: string[]): CommandResult {
    return { streamName: this.streamName, revision: this.revision, position, eventIds, eventTypes };
  }
}
