import type { Logger } from 'pino';
import { LogNotifier, SmtpNotifier, WebhookNotifier } from './adapters';
import type { Notifier } from './port';

export type { Addressing, Notification, Notifier } from './port';
export { SmtpNotifier, WebhookNotifier } from './adapters';
export { openSentLog, PostgresSentLog, SentLog, type SendState, type SentLogPort } from './sent-log';
export { NotificationDispatcher } from './dispatcher';
export { RecipientResolver, customerContactFromStore } from './recipients';

export interface NotifierOptions {
  channel: 'log' | 'smtp' | 'webhook';
  smtpUrl?: string;
  smtpFrom: string;
  webhookUrl?: string;
}

export function createNotifier(options: NotifierOptions, logger: Logger): Notifier {
  switch (options.channel) {
    case 'smtp':
      return new SmtpNotifier(options.smtpUrl!, options.smtpFrom);
    case 'webhook':
      return new WebhookNotifier(options.webhookUrl!);
    default:
      return new LogNotifier(logger);
  }
}
