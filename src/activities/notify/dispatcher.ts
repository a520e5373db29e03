import type { Logger } from '../../config/logger';
import type { RecordedEvent } from '../../events/envelope';
import type { EventStore, Subscription } from '../../events/store/port';
import type { Notifier } from './port';
import type { SentLog } from './sent-log';

interface IssuedData {
  key: string;
  recipient: string;
  subject: string;
  body: string;
}

/**
 * The outbox: workflows record `NotificationIssued` in the same append as the event that calls for it; this
 * dispatcher follows the store and sends each key at most once (the sent-log), resuming from its checkpoint after a
 * crash. A failing channel is retried with backoff and holds the queue, so nothing is skipped; only a send cut off
 * by a crash is left in doubt (reported, not repeated).
 */
export class NotificationDispatcher {
  private subscription: Subscription | undefined;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly notifier: Notifier,
    private readonly sentLog: SentLog,
    private readonly logger: Logger,
    private readonly options: { eventTypes?: string[]; maxBackoffMs?: number } = {},
  ) {}

  start(): void {
    const interrupted = this.sentLog.settleInterrupted();
    if (interrupted.length) this.logger.warn({ keys: interrupted }, 'notifications interrupted by a crash may or may not have been sent; not sending them again');
    this.subscription = this.store.subscribeAll(
      { fromPosition: this.sentLog.checkpoint(), filter: { eventTypes: this.options.eventTypes ?? ['NotificationIssued'] } },
      (e) => this.dispatch(e),
    );
  }

  get done(): Promise<void> {
    return this.subscription?.done ?? Promise.resolve();
  }

  private async dispatch(e: RecordedEvent): Promise<void> {
    const n = e.data as IssuedData;
    let delay = 200;
    while (!this.stopped) {
      if (this.sentLog.wasSent(n.key)) break;
      try {
        this.sentLog.begin(n.key, n.recipient);
        const delivery = await this.notifier.send({ key: n.key, recipient: n.recipient, subject: n.subject, body: n.body });
        this.sentLog.markSent(n.key, delivery.channel, n.recipient, delivery.addresses);
        this.logger.debug({ key: n.key, recipient: n.recipient, channel: delivery.channel }, 'notification sent');
        break;
      } catch (err) {
        this.sentLog.abandon(n.key);
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
