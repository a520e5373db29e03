import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../../config/logger';
import { emailsOf, type Delivery, type Directory, type Notification, type Notifier } from './port';

/** Default: writes the notification to the log (recipient and subject only; bodies carry no personal data). */
export class LogNotifier implements Notifier {
  readonly channel = 'log' as const;
  constructor(private readonly logger: Logger) {}
  async send(n: Notification): Promise<Delivery> {
    this.logger.info({ notification: { key: n.key, recipient: n.recipient, subject: n.subject } }, 'notification');
    return { channel: 'log', addresses: 1 };
  }
}

/**
 * E-mail through SMTP (nodemailer). The Message-ID derives from the idempotency key, so even a resend after a crash
 * between sending and recording is recognisable as the same message by the receiving side.
 */
export class SmtpNotifier implements Notifier {
  readonly channel = 'smtp' as const;
  private readonly transport: Transporter;
  constructor(
    url: string,
    private readonly from: string,
    private readonly directory: Directory,
  ) {
    // Pooled: one SMTP session carries many messages instead of a handshake per message.
    const pooled = new URL(url);
    if (!pooled.searchParams.has('pool')) pooled.searchParams.set('pool', 'true');
    this.transport = nodemailer.createTransport(pooled.toString());
  }
  async send(n: Notification): Promise<Delivery> {
    const to = emailsOf(this.directory, n.recipient);
    if (to.length === 0) return { channel: 'smtp', addresses: 0 };
    await this.transport.sendMail({
      from: this.from,
      to,
      subject: n.subject,
      text: n.body,
      messageId: `<${n.key.replace(/[^\w.-]/g, '_')}@taizhang>`,
      headers: { 'X-Taizhang-Key': n.key },
    });
    return { channel: 'smtp', addresses: to.length };
  }
  async close(): Promise<void> {
    this.transport.close();
  }
}

/** POSTs JSON to a webhook (a chat bot, a ticket bridge); the idempotency key travels as a header. */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  constructor(private readonly url: string) {}
  async send(n: Notification): Promise<Delivery> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': n.key },
      body: JSON.stringify({ key: n.key, recipient: n.recipient, subject: n.subject, body: n.body }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    return { channel: 'webhook', addresses: 1 };
  }
}
