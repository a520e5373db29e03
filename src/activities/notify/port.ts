/** A message to people: who (a role or one person), what, and the key that makes sending it idempotent. */
export interface Notification {
  /** Idempotency key: the same key is sent at most once, whatever the retries. */
  key: string;
  /** `role:<role>` or `actor:<id>`. */
  recipient: string;
  subject: string;
  body: string;
}

export interface Delivery {
  channel: string;
  /** How many addresses the message went to (0 when the recipient has none configured). */
  addresses: number;
}

/** Where notifications go: the log (default), SMTP or a webhook. */
export interface Notifier {
  readonly channel: 'log' | 'smtp' | 'webhook';
  send(n: Notification): Promise<Delivery>;
  close?(): Promise<void>;
}

/** Recipients by role and by person, from configuration (TAIZHANG_DIRECTORY_FILE). Addresses are personal data. */
export interface Directory {
  roles?: Record<string, { email?: string[]; webhook?: string }>;
  actors?: Record<string, { email?: string }>;
}

export function emailsOf(directory: Directory, recipient: string): string[] {
  const [kind, id] = recipient.split(':', 2) as [string, string];
  if (kind === 'role') return directory.roles?.[id]?.email ?? [];
  if (kind === 'actor') return directory.actors?.[id]?.email ? [directory.actors[id].email] : [];
  return [];
}
