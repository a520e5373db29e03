import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type Config } from '../../config/config';
import type { Logger } from '../../config/logger';
import { LogNotifier, SmtpNotifier, WebhookNotifier } from './adapters';
import type { Directory, Notifier } from './port';

export type { Directory, Notification, Notifier } from './port';
export { LogNotifier, SmtpNotifier, WebhookNotifier } from './adapters';
export { SentLog } from './sent-log';
export { NotificationDispatcher } from './dispatcher';

const directorySchema = z
  .object({
    roles: z.record(z.string(), z.object({ email: z.array(z.email()).optional(), webhook: z.url().optional() }).strict()).optional(),
    actors: z.record(z.string(), z.object({ email: z.email().optional() }).strict()).optional(),
  })
  .strict();

export function loadDirectory(file: string | undefined): Directory {
  if (!file) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.resolve(file), 'utf8'));
  } catch (err) {
    throw new ConfigError('TAIZHANG_DIRECTORY_FILE', `cannot be read as JSON (${(err as Error).message})`);
  }
  const r = directorySchema.safeParse(json);
  if (!r.success) throw new ConfigError('TAIZHANG_DIRECTORY_FILE', `[${r.error.issues[0]!.path.join('.')}] ${r.error.issues[0]!.message}`);
  return r.data;
}

export function createNotifier(config: Pick<Config, 'NOTIFY_CHANNEL' | 'SMTP_URL' | 'SMTP_FROM' | 'NOTIFY_WEBHOOK_URL' | 'TAIZHANG_DIRECTORY_FILE'>, logger: Logger): Notifier {
  switch (config.NOTIFY_CHANNEL) {
    case 'smtp':
      return new SmtpNotifier(config.SMTP_URL!, config.SMTP_FROM, loadDirectory(config.TAIZHANG_DIRECTORY_FILE));
    case 'webhook':
      return new WebhookNotifier(config.NOTIFY_WEBHOOK_URL!);
    default:
      return new LogNotifier(logger);
  }
}
