import type { Logger } from 'pino';
import { comparePositions, type RecordedEvent } from '../events/envelope';
import type { EventStore, Subscription } from '../events/store/port';
import type { LedgerDb } from './ledger-db';

export interface Lag {
  /** Events in the store after the checkpoint (capped at `cap`; `capped` says so). */
  events: number;
  capped: boolean;
  /** How long the oldest unapplied event has been waiting, in ms (0 when caught up). */
  ms: number;
  checkpoint: string;
  head: string;
}

/** Measures how far the ledgers are behind the store: works for any adapter and from any process. */
export async function measureLag(store: EventStore, checkpoint: string, cap = 10_000, now: () => number = Date.now): Promise<Lag> {
  const head = (await store.head()).position;
  if (comparePositions(head, checkpoint) <= 0) return { events: 0, capped: false, ms: 0, checkpoint, head };
  let events = 0;
  let oldest: RecordedEvent | undefined;
  for await (const e of store.readAll({ fromPosition: checkpoint, maxCount: cap })) {
    oldest ??= e;
    events++;
  }
  const ms = oldest ? Math.max(0, now() - Date.parse(oldest.recordedAt)) : 0;
  return { events, capped: events >= cap, ms, checkpoint, head };
}

export interface ProjectorOptions {
  batchSize: number;
  logger: Logger;
  /** Called after each committed batch (tests and metrics). */
  onBatch?: (info: { events: number; position: string }) => void;
}

/**
 * Folds `$all` into the ledgers from the checkpoint: events are buffered and applied in batches, each batch and the
 * checkpoint in one transaction. A crash loses at most an uncommitted batch, which is read again on restart.
 */
export class Projector {
  private subscription: Subscription | undefined;
  private buffer: RecordedEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private failure: unknown;

  constructor(
    private readonly store: EventStore,
    private readonly ledgers: LedgerDb,
    private readonly options: ProjectorOptions,
  ) {}

  start(): void {
    if (this.subscription) throw new Error('projector already started');
    const from = this.ledgers.checkpoint().position;
    this.options.logger.info({ checkpoint: from, store: this.store.kind }, 'projector starting');
    this.subscription = this.store.subscribeAll({ fromPosition: from }, (e) => this.onEvent(e));
  }

  private onEvent(e: RecordedEvent): void {
    if (this.failure) throw this.failure;
    this.buffer.push(e);
    if (this.buffer.length >= this.options.batchSize) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), 0);
  }

  /** Commits the buffered events. Synchronous (better-sqlite3), so batches never interleave. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.ledgers.applyBatch(batch);
    } catch (err) {
      this.failure = err;
      this.options.logger.error({ err }, 'projector failed to apply a batch');
      throw err;
    }
    const position = batch[batch.length - 1]!.position;
    this.options.onBatch?.({ events: batch.length, position });
  }

  get caughtUp(): boolean {
    return (this.subscription?.caughtUp ?? false) && this.buffer.length === 0;
  }

  /** Settles when the subscription ends; rejects when the store or a projection failed. */
  get done(): Promise<void> {
    if (!this.subscription) return Promise.resolve();
    return this.subscription.done;
  }

  async lag(): Promise<Lag> {
    return measureLag(this.store, this.ledgers.checkpoint().position);
  }

  /** Waits until the ledgers include the given position (or the timeout passes). */
  async waitFor(position: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (comparePositions(this.ledgers.checkpoint().position, position) < 0) {
      if (this.failure) throw this.failure;
      if (Date.now() > deadline) throw new Error(`projector did not reach position ${position} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
    if (!this.failure) this.flush();
  }
}
