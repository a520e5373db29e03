import { buildCalendar, type BusinessCalendar } from '../calendar/calendar';
import type { CalendarSettings } from '../calendar/settings';

/** `name@version`, recorded with every deadline a policy sets. */
export const policyRef = (policy: { name: string; version: number }): string => `${policy.name}@${policy.version}`;

/** The calendar a policy describes (its settings were parsed when the policy was loaded). Workflow-safe. */
export const calendarForPolicy = (policy: { calendar: CalendarSettings }): BusinessCalendar => buildCalendar(policy.calendar);
