import { buildCalendar, type BusinessCalendar } from '../calendar/calendar';
import type { CalendarSettings } from '../calendar/settings';

/** `name@version`, recorded with every deadline a policy sets. */
export const policyRef = (policy: { name: string; version: number }): string => `${policy.name}@${policy.version}`;

const built = new WeakMap<CalendarSettings, BusinessCalendar>();

/**
 * The calendar a policy describes (its settings were parsed when the policy was loaded), built once per settings
 * object: the calendar is pure, so every caller may share it. Workflow-safe.
 */
export function calendarForPolicy(policy: { calendar: CalendarSettings }): BusinessCalendar {
  let c = built.get(policy.calendar);
  if (!c) built.set(policy.calendar, (c = buildCalendar(policy.calendar)));
  return c;
}
