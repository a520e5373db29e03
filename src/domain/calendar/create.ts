import { parseOrThrow } from '../validation';
import { buildCalendar, type BusinessCalendar } from './calendar';
import { calendarSettingsSchema, type CalendarSettingsInput } from './settings';

/** Parses raw settings (defaults filled in, each error naming its field) and builds the calendar. Node side. */
export function createBusinessCalendar(input: CalendarSettingsInput = {}): BusinessCalendar {
  return buildCalendar(parseOrThrow(calendarSettingsSchema, input));
}
