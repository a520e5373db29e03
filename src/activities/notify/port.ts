/** A message to people: who (a role, one person, a customer), what, and the key that makes every send of it the same message. */
export interface Notification {
  /** Idempotency key: every send of this notification carries it, so a receiver can drop a repeated copy. */
  key: string;
  /** `role:<role>`, `actor:<id>` or `customer:<id>`. */
  recipient: string;
  subject: string;
  body: string;
}

/** Where a notification goes, once its recipient is resolved (addresses are personal data: never logged). */
export interface Addressing {
  emails: string[];
  /** The staff members it reached (actor ids), for the log and for webhook receivers. */
  actors: string[];
}

export interface Delivery {
  channel: string;
  /** How many addresses the message went to (0 when the recipient has none configured). */
  addresses: number;
}

/** Where notifications go: the log (default), SMTP or a webhook. */
export interface Notifier {
  readonly channel: 'log' | 'smtp' | 'webhook';
  send(n: Notification, to: Addressing): Promise<Delivery>;
  close?(): Promise<void>;
}
