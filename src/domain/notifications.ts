/**
 * Notifications, the same for every process: a process's rules say who hears of which event; the kernel records each
 * as `NotificationIssued` in the same append as the event, and the worker's outbox dispatcher sends it (at least once,
 * every copy with the same key). Bodies carry ids and deadlines only, never personal data. Pure, workflow-safe.
 */

/**
 * Who: `role:<role>` (everyone holding it, or with `chainOf` the holders in that person's own chain), `actor:<id>` (one
 * person of the staff directory), `customer:<id>` (the customer's contact, resolved at send time from their record).
 */
export type Recipient = `role:${string}` | `actor:${string}` | `customer:${string}`;

export interface Outgoing {
  recipient: Recipient;
  /** For a `role:` recipient: resolve the role within this actor's chain (their supervisor, manager, department). */
  chainOf?: string;
  subject: string;
  body: string;
}

export const NOTIFICATION_ISSUED = 'NotificationIssued';

/** Version 2: keyed by stream (version 1 carried a `complaintId`; its upcaster derives the stream). */
export interface NotificationIssuedData {
  stream: string;
  /** Idempotency key: every send of this notification carries it (Message-ID, Idempotency-Key). */
  key: string;
  recipient: string;
  chainOf?: string;
  subject: string;
  body: string;
  /** Type of the event the notification announces. */
  about: string;
}

export interface NotificationIssued {
  type: typeof NOTIFICATION_ISSUED;
  data: NotificationIssuedData;
}

/** The `n`-th notification of a stream (1-based), announcing an event of type `about`. */
export function notificationIssued(stream: string, n: number, out: Outgoing, about: string): NotificationIssued {
  return {
    type: NOTIFICATION_ISSUED,
    data: { stream, key: `${stream}#${n}:${out.recipient}`, recipient: out.recipient, ...(out.chainOf ? { chainOf: out.chainOf } : {}), subject: out.subject, body: out.body, about },
  };
}

export const isNotification = (e: { type: string }): e is NotificationIssued => e.type === NOTIFICATION_ISSUED;
