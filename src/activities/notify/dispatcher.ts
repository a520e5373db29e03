import type { Logger } from 'pino';
import type { NotificationIssuedData } from '../../domain/notifications';
import { upcast } from '../../events/catalogue';
import type { RecordedEvent } from '../../events/envelope';
import type { EventStore, Subscription } from '../../events/store/port';
import type { TextRenderer } from './links';
import type { Notifier } from './port';
import type { RecipientResolver } from './recipients';
import type { SentLogPort } from './sent-log';

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
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly notifier: Notifier,
    private readonly sentLog: SentLogPort,
    private readonly recipients: RecipientResolver,
    private readonly logger: Logger,
    /** `render`: fills in the subject and body at send time (the survey links); what it returns is never logged. */
    private readonly options: { maxBackoffMs?: number; render?: TextRenderer; counters?: NotificationCounters } = {},
  ) {}

  /** Subscribes once the log is read (it may answer asynchronously); a failure there ends `done`. */
  start(): void {
    this.starting = this.subscribe();
    this.starting.catch(() => undefined); // reported through `done`
  }

  private async subscribe(): Promise<void> {
    const interrupted = await this.sentLog.interrupted();
    if (interrupted.length) {
      this.logger.warn({ keys: interrupted }, 'notifications cut off by a crash are sent again, with the same key');
      this.options.counters?.inDoubt(interrupted.length);
    }
    const fromPosition = await this.sentLog.checkpoint();
    if (this.stopped) return;
    this.subscription = this.store.subscribeAll({ fromPosition, filter: { eventTypes: ['NotificationIssued'] } }, (e) => this.dispatch(e));
  }

  get done(): Promise<void> {
    return (this.starting ?? Promise.resolve()).then(() => this.subscription?.done);
  }

  private async dispatch(e: RecordedEvent): Promise<void> {
    const n = upcast(e.type, e.metadata.schemaVersion, e.data) as NotificationIssuedData;
    let delay = 200;
    // Once the channel took it, only the record is retried: sending it again would be a copy nobody needs.
    let delivery: { channel: string; addresses: number; actors: string[] } | undefined;
    while (!this.stopped) {
      let begun = false;
      try {
        if (!delivery) {
          if (await this.sentLog.isDone(n.key)) break;
          const to = await this.recipients.resolve(n.recipient, n.chainOf);
          await this.sentLog.begin(n.key, n.recipient);
          begun = true;
          // The log channel writes the subject to the log: a personal link must not land there, so it keeps the placeholder.
          const render = (this.notifier.channel !== 'log' && this.options.render) || ((text: string) => text);
          delivery = { ...(await this.notifier.send({ key: n.key, recipient: n.recipient, subject: render(n.subject), body: render(n.body) }, to)), actors: to.actors };
        }
        await this.sentLog.markSent(n.key, delivery.channel, n.recipient, delivery.addresses);
        this.options.counters?.sent(this.notifier.channel);
        this.logger.debug({ key: n.key, recipient: n.recipient, actors: delivery.actors, channel: delivery.channel }, 'notification sent');
        break;
      } catch (err) {
        if (delivery) {
          this.logger.warn({ err: (err as Error).message, key: n.key, retryInMs: delay }, 'notification sent but not recorded as sent; retrying the record');
        } else {
          if (begun) await Promise.resolve(this.sentLog.abandon(n.key)).catch(() => undefined); // left `sending`: sent again after a restart
          this.options.counters?.failed(this.notifier.channel);
          this.logger.warn({ err: (err as Error).message, key: n.key, retryInMs: delay }, 'notification failed; retrying');
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.options.maxBackoffMs ?? 60_000);
      }
    }
    // A checkpoint not written only means re-reading from the previous one: keys found done are skipped.
    if (!this.stopped) await Promise.resolve(this.sentLog.setCheckpoint(e.position)).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, position: e.position }, 'dispatcher checkpoint not written'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await this.subscription?.stop();
  }
}
