import type { Logger } from 'pino';
import type { NotificationIssuedData } from '../../domain/notifications';
import { upcast } from '../../events/catalogue';
import type { RecordedEvent } from '../../events/envelope';
import type { EventStore, Subscription } from '../../events/store/port';
import type { TextRenderer } from './links';
import type { Notifier } from './port';
import type { RecipientResolver } from './recipients';
import type { SentLog } from './sent-log';

/** What the dispatcher counts (the worker's metrics): sends by channel, failed attempts, sends found in doubt at start. */
export interface NotificationCounters {
  sent(channel: string): void;
  failed(channel: string): void;
  inDoubt(count: number): void;
}

/**
 * The outbox: workflows record `NotificationIssued` in the same append as the event that calls for it; this
 * dispatcher follows the store, resolves each recipient at send time and sends each key once, resuming from its
 * checkpoint after a crash. A failing channel is retried with backoff and holds the queue, so nothing is skipped. A
 * send cut off by a crash is sent again with the same key (a missed escalation is worse than a repeated one): every
 * copy carries the same Message-ID / Idempotency-Key, so the receiver can drop it.
 */
export class NotificationDispatcher {
  private subscription: Subscription | undefined;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly notifier: Notifier,
    private readonly sentLog: SentLog,
    private readonly recipients: RecipientResolver,
    private readonly logger: Logger,
    /** `render`: fills in the subject and body at send time (the survey links); what it returns is never logged. */
    private readonly options: { maxBackoffMs?: number; render?: TextRenderer; counters?: NotificationCounters } = {},
  ) {}

  start(): void {
    const interrupted = this.sentLog.interrupted();
    if (interrupted.length) {
      this.logger.warn({ keys: interrupted }, 'notifications cut off by a crash are sent again, with the same key');
      this.options.counters?.inDoubt(interrupted.length);
    }
    this.subscription = this.store.subscribeAll({ fromPosition: this.sentLog.checkpoint(), filter: { eventTypes: ['NotificationIssued'] } }, (e) => this.dispatch(e));
  }

  get done(): Promise<void> {
    return this.subscription?.done ?? Promise.resolve();
  }

  private async dispatch(e: RecordedEvent): Promise<void> {
    const n = upcast(e.type, e.metadata.schemaVersion, e.data) as NotificationIssuedData;
    let delay = 200;
    while (!this.stopped) {
      if (this.sentLog.isDone(n.key)) break;
      try {
        const to = await this.recipients.resolve(n.recipient, n.chainOf);
        this.sentLog.begin(n.key, n.recipient);
        // The log channel writes the subject to the log: a personal link must not land there, so it keeps the placeholder.
        const render = (this.notifier.channel !== 'log' && this.options.render) || ((text: string) => text);
        const delivery = await this.notifier.send({ key: n.key, recipient: n.recipient, subject: render(n.subject), body: render(n.body) }, to);
        this.sentLog.markSent(n.key, delivery.channel, n.recipient, delivery.addresses);
        this.options.counters?.sent(this.notifier.channel);
        this.logger.debug({ key: n.key, recipient: n.recipient, actors: to.actors, channel: delivery.channel }, 'notification sent');
        break;
      } catch (err) {
        this.sentLog.abandon(n.key);
        this.options.counters?.failed(this.notifier.channel);
        this.logger.warn({ err: (err as Error).message, key: n.key, retryInMs: delay }, 'notification failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.options.maxBackoffMs ?? 60_000);
      }
    }
    if (!this.stopped) this.sentLog.setCheckpoint(e.position);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.stop();
  }
}
