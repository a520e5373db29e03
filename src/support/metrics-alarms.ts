import type { AppendedEvent } from './metrics';

/**
 * Which field of an event an alarm fired records its scheduled instant in, for the lateness histogram. Every
 * warning and escalation of the shared deadline module records `warnAt` / `escalateAt`; the alarms of their own
 * (a complaint's overdue follow-up visit, a change's inactivity reminders and shelving) are listed by type.
 * (Survey invitations and reminders record no instant, so they are not measured.)
 */
export const ALARM_INSTANT_FIELDS: Readonly<Record<string, string>> = {
  FollowUpOverdue: 'dueAt',
  ChangeInactivityReminded: 'at',
  ChangeShelved: 'at',
};

/** The fields every warning and escalation uses, whatever its process. */
export const DEADLINE_ALARM_FIELDS = ['warnAt', 'escalateAt'] as const;

export function scheduledInstantOf(event: AppendedEvent): string | undefined {
  if (typeof event.data !== 'object' || event.data === null) return undefined;
  const data = event.data as Record<string, unknown>;
  const own = ALARM_INSTANT_FIELDS[event.type];
  for (const field of own ? [own] : DEADLINE_ALARM_FIELDS) {
    const v = data[field];
    if (typeof v === 'string') return v;
  }
  return undefined;
}
