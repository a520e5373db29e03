import { createHash } from 'node:crypto';
import { z } from 'zod';
import { validationError, type FieldIssue } from '../domain/errors';
import { dayNumberOfDate, dateOfDayNumber } from '../domain/calendar/instant';
import type { CalendarSettings, ExtraHolidays } from '../domain/calendar/settings';

/**
 * Holiday data published after the chinese-days release: one State Council notice (国务院办公厅关于<year>年部分节假日安排的
 * 通知) per file, imported as a calendar version (`taizhang calendar import`, `POST /calendar/versions`). The format is
 * documented in docs/holidays.md. Node side.
 */

/** The event-store stream holding every imported calendar version, one `CalendarVersionRecorded` event each. */
export const CALENDAR_STREAM = 'calendar-holidays';
export const CALENDAR_VERSION_RECORDED = 'CalendarVersionRecorded';

/** One day of the notice, with the holiday it belongs to. */
export interface NoticeDay {
  date: string;
  name: string;
}

/** A notice as parsed from its file: every holiday day (放假) and make-up working day (调休上班), one entry per day. */
export interface HolidayNotice {
  year: number;
  /** Where the data comes from, e.g. the notice's title (optional in the file; the file name otherwise). */
  source: string;
  holidays: NoticeDay[];
  workdays: NoticeDay[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isRealDate = (s: string): boolean => DATE.test(s) && Number.isFinite(dayNumberOfDate(s)) && dateOfDayNumber(dayNumberOfDate(s)) === s;
const MAX_DAYS_PER_BLOCK = 31;

const name = z.string({ message: 'is required' }).trim().min(1, 'is required').max(100, 'must be at most 100 characters');
const date = z.string({ message: 'is required' }).refine(isRealDate, { message: 'must be a real date YYYY-MM-DD, e.g. 2027-01-01' });

const noticeFile = z
  .object({
    year: z.number({ message: 'is required (a year such as 2027)' }).int('must be a whole year').min(2000, 'must be 2000 or later').max(2100, 'must be 2100 or earlier'),
    source: z.string().trim().max(300, 'must be at most 300 characters').optional(),
    holidays: z
      .array(z.object({ name, from: date, to: date.optional() }).strict(), { message: 'is required (a list of { name, from, to })' })
      .min(1, 'must list at least one holiday'),
    workdays: z.array(z.object({ name, date }).strict(), { message: 'must be a list of { name, date }' }).default(() => []),
  })
  .strict();

/** The same checks for both formats: every day in the notice's year, no day twice, no day both a holiday and a workday. */
function checkDays(year: number, holidays: Array<NoticeDay & { field: string }>, workdays: Array<NoticeDay & { field: string }>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Map<string, string>();
  for (const d of [...holidays, ...workdays]) {
    if (!d.date.startsWith(`${year}-`)) issues.push({ field: d.field, rule: `must be in ${year}, the notice's year (got ${d.date})` });
    const other = seen.get(d.date);
    if (other !== undefined) {
      const both = holidays.some((h) => h.date === d.date) && workdays.some((w) => w.date === d.date);
      issues.push({ field: d.field, rule: both ? `must not be both a holiday and a workday (${d.date}, also at ${other})` : `must not repeat ${d.date} (also at ${other})` });
    } else seen.set(d.date, d.field);
  }
  return issues;
}

/** A JSON notice (see docs/holidays.md): `{ year, source?, holidays: [{ name, from, to? }], workdays: [{ name, date }] }`. */
export function parseNoticeJson(text: string, fileName: string): HolidayNotice {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw validationError([{ field: fileName, rule: `must be valid JSON (${(err as Error).message})` }]);
  }
  const r = noticeFile.safeParse(raw);
  if (!r.success) {
    throw validationError(
      r.error.issues.map((i) => (i.code === 'unrecognized_keys' ? { field: [...i.path, ...i.keys].join('.') || '(file)', rule: 'is not a known field' } : { field: i.path.join('.') || '(file)', rule: i.message })),
    );
  }
  const f = r.data;
  const holidays: Array<NoticeDay & { field: string }> = [];
  const issues: FieldIssue[] = [];
  f.holidays.forEach((h, i) => {
    const from = dayNumberOfDate(h.from);
    const to = dayNumberOfDate(h.to ?? h.from);
    if (to < from) return void issues.push({ field: `holidays.${i}.to`, rule: `must not be before from (${h.from})` });
    if (to - from >= MAX_DAYS_PER_BLOCK) return void issues.push({ field: `holidays.${i}.to`, rule: `must be within ${MAX_DAYS_PER_BLOCK} days of from` });
    for (let d = from; d <= to; d++) holidays.push({ date: dateOfDayNumber(d), name: h.name, field: `holidays.${i}` });
  });
  const workdays = f.workdays.map((w, i) => ({ date: w.date, name: w.name, field: `workdays.${i}.date` }));
  issues.push(...checkDays(f.year, holidays, workdays));
  if (issues.length) throw validationError(issues);
  return { year: f.year, source: f.source || fileName, holidays: holidays.map(({ date, name }) => ({ date, name })), workdays: workdays.map(({ date, name }) => ({ date, name })) };
}

const KIND_OF: Record<string, 'holiday' | 'workday'> = { holiday: 'holiday', 放假: 'holiday', 休: 'holiday', workday: 'workday', 上班: 'workday', 班: 'workday' };

/** A CSV notice: header `date,type,name`, one day a line; type `holiday`/`放假` or `workday`/`上班`; `#` lines are comments. */
export function parseNoticeCsv(text: string, fileName: string): HolidayNotice {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows = lines.map((line, i) => ({ line: i + 1, cells: line.split(',').map((c) => c.trim()) })).filter((r) => r.cells.join('') !== '' && !r.cells[0]!.startsWith('#'));
  const header = rows.shift();
  if (!header || header.cells.join(',').toLowerCase() !== 'date,type,name') {
    throw validationError([{ field: `${fileName} line ${header?.line ?? 1}`, rule: 'must be the header date,type,name' }]);
  }
  const issues: FieldIssue[] = [];
  const holidays: Array<NoticeDay & { field: string }> = [];
  const workdays: Array<NoticeDay & { field: string }> = [];
  for (const { line, cells } of rows) {
    const at = `line ${line}`;
    if (cells.length !== 3) {
      issues.push({ field: at, rule: `must have 3 cells date,type,name (got ${cells.length})` });
      continue;
    }
    const [d, type, n] = cells as [string, string, string];
    const kind = KIND_OF[type.toLowerCase()];
    if (!isRealDate(d)) issues.push({ field: `${at} date`, rule: 'must be a real date YYYY-MM-DD, e.g. 2027-01-01' });
    if (!kind) issues.push({ field: `${at} type`, rule: 'must be one of holiday (放假), workday (上班)' });
    if (!n) issues.push({ field: `${at} name`, rule: 'is required' });
    if (isRealDate(d) && kind && n) (kind === 'holiday' ? holidays : workdays).push({ date: d, name: n, field: `${at} date` });
  }
  if (!holidays.length && !issues.length) issues.push({ field: fileName, rule: 'must list at least one holiday' });
  const years = new Set([...holidays, ...workdays].map((d) => Number(d.date.slice(0, 4))));
  const year = holidays[0] ? Number(holidays[0].date.slice(0, 4)) : NaN;
  if (years.size > 1) issues.push({ field: fileName, rule: `must cover one year only (got ${[...years].sort().join(', ')})` });
  else if (Number.isFinite(year)) issues.push(...checkDays(year, holidays, workdays));
  if (issues.length) throw validationError(issues);
  return { year, source: fileName, holidays: holidays.map(({ date, name }) => ({ date, name })), workdays: workdays.map(({ date, name }) => ({ date, name })) };
}

/** By the file's extension (.json or .csv). */
export function parseNotice(text: string, fileName: string): HolidayNotice {
  if (/\.csv$/i.test(fileName)) return parseNoticeCsv(text, fileName);
  if (/\.json$/i.test(fileName)) return parseNoticeJson(text, fileName);
  throw validationError([{ field: 'file', rule: 'must be a .json or .csv file' }]);
}

// ── calendar versions ────────────────────────────────────────────────────────────────────
const day = z.object({ date: z.string().refine(isRealDate, 'must be a real date YYYY-MM-DD'), name: z.string().min(1) }).strict();

/** The data of a `CalendarVersionRecorded` event. */
export const calendarVersionSchema = z
  .object({
    version: z.number().int().min(1),
    /** The imported file's name (no directory). */
    file: z.string().min(1),
    /** SHA-256 of the notice's days: a re-import of the same data records nothing. */
    digest: z.string().regex(/^[0-9a-f]{64}$/),
    source: z.string(),
    years: z.array(z.number().int()).min(1),
    holidays: z.array(day),
    workdays: z.array(day),
    importedBy: z.string().min(1),
    importedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type CalendarVersion = z.infer<typeof calendarVersionSchema>;

/** The notice's digest: over its year and days only, so the same notice in JSON and CSV is the same version. */
export function noticeDigest(n: HolidayNotice): string {
  const days = (xs: NoticeDay[]) => [...xs].sort((a, b) => a.date.localeCompare(b.date)).map((d) => `${d.date}=${d.name}`).join(',');
  return createHash('sha256').update(`${n.year}|holidays:${days(n.holidays)}|workdays:${days(n.workdays)}`).digest('hex');
}

/** Deterministic event id (UUID v8 layout) of a version: the same notice always gets the same id. */
export function calendarVersionEventId(digest: string): string {
  const h = Buffer.from(createHash('sha256').update(`taizhang-calendar\u0000${digest}`).digest());
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The extra holidays of a set of versions, on top of what a policy already has (TAIZHANG_HOLIDAYS_FILE): for each year
 * the latest version covering it wins, so a corrected notice replaces the earlier one for its year.
 */
export function extraHolidaysOf(versions: readonly CalendarVersion[], base?: ExtraHolidays): ExtraHolidays | undefined {
  if (!versions.length) return base;
  const latest = new Map<number, CalendarVersion>();
  for (const v of [...versions].sort((a, b) => a.version - b.version)) for (const y of v.years) latest.set(y, v);
  const covered = new Set(latest.keys());
  const inCovered = (d: string) => covered.has(Number(d.slice(0, 4)));
  const holidays = new Set((base?.holidays ?? []).filter((d) => !inCovered(d)));
  const workdays = new Set((base?.workdays ?? []).filter((d) => !inCovered(d)));
  for (const [y, v] of latest) {
    for (const d of v.holidays) if (d.date.startsWith(`${y}-`)) holidays.add(d.date);
    for (const d of v.workdays) if (d.date.startsWith(`${y}-`)) workdays.add(d.date);
  }
  const top = Math.max(...versions.map((v) => v.version));
  const name = `${base ? `${base.name} + ` : ''}calendar v${top}`;
  return { name, holidays: [...holidays].sort(), workdays: [...workdays].sort() };
}

/** A policy's calendar with the imported versions added. */
export function calendarWithVersions<C extends Pick<CalendarSettings, 'extraHolidays'>>(calendar: C, versions: readonly CalendarVersion[], base = calendar.extraHolidays): C {
  const extra = extraHolidaysOf(versions, base);
  return extra ? { ...calendar, extraHolidays: extra } : calendar;
}
