import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Addressing, Delivery, Notification, Notifier } from './port';

/** Default: writes the notification to the log (recipient, the people it reached and the subject; no addresses). */
export class LogNotifier implements Notifier {
  readonly channel = 'log' as const;
  constructor(private readonly logger: Logger) {}
  async send(n: Notification, to: Addressing): Promise<Delivery> {
    this.logger.info({ notification: { key: n.key, recipient: n.recipient, actors: to.actors, subject: n.subject } }, 'notification');
    return { channel: 'log', addresses: 1 };
  }
}

/** The Message-ID of a notification: derived from its key, the same on every resend. */
export const messageIdOf = (key: string): string => `<${key.replace(/[^\w.-]/g, '_')}@taizhang>`;

/**
 * E-mail through SMTP (nodemailer). The Message-ID derives from the idempotency key, so a resend after a crash between
 * sending and recording is the same message to the receiving side, which may drop the copy.
 */
export class SmtpNotifier implements Notifier {
  readonly channel = 'smtp' as const;
  private readonly transport: Transporter;
  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Pooled: one SMTP session carries many messages instead of a handshake per message.
    const pooled = new URL(url);
    if (!pooled.searchParams.has('pool')) pooled.searchParams.set('pool', 'true');
    this.transport = nodemailer.createTransport(pooled.toString());
  }
  async send(n: Notification, to: Addressing): Promise<Delivery> {
    if (to.emails.length === 0) return { channel: 'smtp', addresses: 0 };
    await this.transport.sendMail({ from: this.from, to: to.emails, subject: n.subject, text: n.body, messageId: messageIdOf(n.key), headers: { 'X-Taizhang-Key': n.key } });
    return { channel: 'smtp', addresses: to.emails.length };
  }
  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * POSTs JSON to a webhook (a chat bot, a ticket bridge). The notification's key travels as `Idempotency-Key` and in the
 * body: a resend after a crash carries the same key, and a receiver should treat a key it has seen as done.
 */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  constructor(private readonly url: string) {}
  async send(n: Notification, to: Addressing): Promise<Delivery> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': n.key },
      body: JSON.stringify({ key: n.key, recipient: n.recipient, actors: to.actors, subject: n.subject, body: n.body }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    return { channel: 'webhook', addresses: 1 };
  }
}
