/** The business calendar: pure, deterministic, safe to import from Temporal workflow code. */
export { createBusinessCalendar, type BusinessCalendar, type CalendarWarning, type DayInfo, type DayKind, type Pause } from './calendar';
export { CHINESE_DAYS, CHINESE_DAYS_SOURCE, CHINESE_DAYS_VERSION, type DayOrigin } from './holidays';
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
