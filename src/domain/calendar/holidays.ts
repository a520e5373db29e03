// The package's pre-built data, not its API: the API rebuilds its tables at import time with the host's
// local time zone (UTC-parsed dates formatted with local getters), which shifts every date by one day on
// hosts west of UTC. The JSON was generated once by the package and is plain data.
import chineseDaysData from 'chinese-days/dist/chinese-days.json';
import { dayNumberOfDate, yearOfDayNumber } from './instant';

/** Pinned in package.json; a test checks this against node_modules so the source descriptor cannot lie. */
export const CHINESE_DAYS_VERSION = '1.5.7';

/** Where a day's status came from. */
export type DayOrigin = 'chinese-days' | 'extra' | 'weekday-rule';

export interface HolidayEntry {
  /** e.g. `National Day,国庆节` */
  name: string;
}

interface HolidayTables {
  /** Day numbers of public holidays (放假), including weekend days inside a holiday block. */
  holidays: Map<number, HolidayEntry>;
  /** Day numbers of make-up working days (调休上班), usually a Saturday or Sunday. */
  workdays: Map<number, HolidayEntry>;
  firstYear: number;
  lastYear: number;
}

const raw = chineseDaysData as unknown as { holidays: Record<string, string>; workdays: Record<string, string> };

function tableOf(entries: Record<string, string>): Map<number, HolidayEntry> {
  const out = new Map<number, HolidayEntry>();
  for (const [date, value] of Object.entries(entries)) {
    const day = dayNumberOfDate(date);
    // "National Day,国庆节,3": English name, Chinese name, statutory day count.
    const [en = '', zh = ''] = value.split(',');
    if (Number.isFinite(day)) out.set(day, { name: zh ? `${en},${zh}` : en });
  }
  return out;
}

function build(): HolidayTables {
  const holidays = tableOf(raw.holidays);
  const workdays = tableOf(raw.workdays);
  const years = [...holidays.keys()].map(yearOfDayNumber);
  return { holidays, workdays, firstYear: Math.min(...years), lastYear: Math.max(...years) };
}

let tables: Readonly<HolidayTables> | undefined;
/** China's holiday and 调休 tables as published in chinese-days; years outside [firstYear, lastYear] have none. Built on first use. */
export function chineseDays(): Readonly<HolidayTables> {
  tables ??= build();
  return tables;
}

/** `chinese-days@1.5.7 (data 2004–2026)`: recorded with every deadline computed on these tables. */
export const chineseDaysSource = (): string => `chinese-days@${CHINESE_DAYS_VERSION} (data ${chineseDays().firstYear}–${chineseDays().lastYear})`;
