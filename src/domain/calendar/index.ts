/**
 * The business calendar: pure and deterministic. Workflow code imports calendar.ts itself (no schema code); this index
 * adds the settings schema and `createBusinessCalendar`, which parses raw settings.
 */
export { buildCalendar, type BusinessCalendar, type CalendarWarning, type DayInfo, type DayKind, type Pause } from './calendar';
export { createBusinessCalendar } from './create';
export { CHINESE_DAYS_VERSION, type DayOrigin } from './holidays';
export { DAY_MS, HOUR_MS, INSTANT_RULE, MINUTE_MS, formatInstant, formatOffset, toEpochMs, type EpochMs, type Instant } from './instant';
export {
  DEFAULT_WORKING_HOURS,
  SHANGHAI_OFFSET_MINUTES,
  calendarSettingsSchema,
  extraHolidaysSchema,
  workingDayMinutesOf,
  workingPeriodSchema,
  type CalendarSettings,
  type CalendarSettingsInput,
  type ExtraHolidays,
  type WorkingPeriod,
} from './settings';
