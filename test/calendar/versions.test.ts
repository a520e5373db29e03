import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCalendar } from '../../src/domain/calendar/calendar';
import { calendarVersionEventId, calendarWithVersions, extraHolidaysOf, noticeDigest, parseNotice, type CalendarVersion } from '../../src/calendar/notice';
import { DomainError } from '../../src/domain/errors';
import { DEFAULT_POLICY } from '../../src/domain/policy';

const issuesOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof DomainError) return err.issues;
    throw err;
  }
  throw new Error('expected a validation error');
};

const json = (o: unknown) => JSON.stringify(o);
const version = (n: number, year: number, holidays: string[], workdays: string[] = []): CalendarVersion => ({
  version: n,
  file: `v${n}.json`,
  digest: 'a'.repeat(64),
  source: 'test',
  years: [year],
  holidays: holidays.map((date) => ({ date, name: '假' })),
  workdays: workdays.map((date) => ({ date, name: '班' })),
  importedBy: 'admin-1',
  importedAt: '2026-12-03T10:00:00+08:00',
});

describe('holiday notice files', () => {
  it('the shipped JSON and CSV examples parse to the same days and the same digest', () => {
    const j = parseNotice(readFileSync('examples/holidays-2027.json', 'utf8'), 'holidays-2027.json');
    const c = parseNotice(readFileSync('examples/holidays-2027.csv', 'utf8'), 'holidays-2027.csv');
    expect(j.year).toBe(2027);
    expect(j.holidays[0]).toEqual({ date: '2027-01-01', name: '元旦' });
    // Ranges expand to one entry per day: 元旦 1–3, 春节 5–12 (8 days) …
    expect(j.holidays.filter((d) => d.name === '春节')).toHaveLength(8);
    expect(c.holidays).toEqual(j.holidays);
    expect(c.workdays).toEqual(j.workdays);
    expect(noticeDigest(c)).toBe(noticeDigest(j));
    expect(calendarVersionEventId(noticeDigest(j))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses unreal dates, other years, a day both holiday and workday, missing names, naming field and rule', () => {
    expect(issuesOf(() => parseNotice(json({ year: 2027, holidays: [{ name: '元旦', from: '2027-02-30' }] }), 'x.json'))).toEqual([
      { field: 'holidays.0.from', rule: 'must be a real date YYYY-MM-DD, e.g. 2027-01-01' },
    ]);
    expect(issuesOf(() => parseNotice(json({ year: 2027, holidays: [{ name: '元旦', from: '2026-12-31', to: '2027-01-01' }] }), 'x.json'))).toEqual([
      { field: 'holidays.0', rule: "must be in 2027, the notice's year (got 2026-12-31)" },
    ]);
    expect(issuesOf(() => parseNotice(json({ year: 2027, holidays: [{ name: '元旦', from: '2027-01-01' }], workdays: [{ name: '元旦', date: '2027-01-01' }] }), 'x.json'))).toEqual([
      { field: 'workdays.0.date', rule: 'must not be both a holiday and a workday (2027-01-01, also at holidays.0)' },
    ]);
    expect(issuesOf(() => parseNotice(json({ year: 2027, holidays: [{ name: ' ', from: '2027-01-01' }] }), 'x.json'))).toEqual([{ field: 'holidays.0.name', rule: 'is required' }]);
    expect(issuesOf(() => parseNotice(json({ holidays: [{ name: '元旦', from: '2027-01-01' }] }), 'x.json'))).toEqual([{ field: 'year', rule: 'is required (a year such as 2027)' }]);
    expect(issuesOf(() => parseNotice(json({ year: 2027, holidays: [{ name: '元旦', from: '2027-01-03', to: '2027-01-01' }] }), 'x.json'))).toEqual([
      { field: 'holidays.0.to', rule: 'must not be before from (2027-01-03)' },
    ]);
    expect(issuesOf(() => parseNotice('{', 'x.json'))[0]!.field).toBe('x.json');
    expect(issuesOf(() => parseNotice('', 'x.txt'))).toEqual([{ field: 'file', rule: 'must be a .json or .csv file' }]);
  });

  it('CSV errors name the line and the cell', () => {
    expect(issuesOf(() => parseNotice('day,kind\n2027-01-01,holiday,元旦\n', 'h.csv'))).toEqual([{ field: 'h.csv line 1', rule: 'must be the header date,type,name' }]);
    expect(issuesOf(() => parseNotice('date,type,name\n2027-01-01,holiday,元旦\n2027-13-01,放假,春节\n2027-01-04,rest,x\n2027-01-05,上班,\n', 'h.csv'))).toEqual([
      { field: 'line 3 date', rule: 'must be a real date YYYY-MM-DD, e.g. 2027-01-01' },
      { field: 'line 4 type', rule: 'must be one of holiday (放假), workday (上班)' },
      { field: 'line 5 name', rule: 'is required' },
    ]);
    expect(issuesOf(() => parseNotice('date,type,name\n2027-01-01,holiday,元旦\n2028-01-01,holiday,元旦\n', 'h.csv'))).toEqual([{ field: 'h.csv', rule: 'must cover one year only (got 2027, 2028)' }]);
    expect(issuesOf(() => parseNotice('date,type,name\n2027-01-01,holiday,元旦\n2027-01-01,上班,元旦\n', 'h.csv'))).toEqual([
      { field: 'line 3 date', rule: 'must not be both a holiday and a workday (2027-01-01, also at line 2 date)' },
    ]);
  });
});

describe('calendar versions on the business calendar', () => {
  it('a version covers its year: 2027-01-01 becomes a holiday and the weekends-only warning goes', () => {
    const before = buildCalendar(DEFAULT_POLICY.calendar);
    expect(before.isWorkingDay('2027-01-01')).toBe(true);
    expect(before.warningsBetween('2027-01-01T09:00:00+08:00', '2027-01-02T09:00:00+08:00').map((w) => w.message)).toEqual(['no holiday data for 2027; weekends only']);
    const after = buildCalendar(calendarWithVersions(DEFAULT_POLICY.calendar, [version(1, 2027, ['2027-01-01'])]));
    expect(after.isWorkingDay('2027-01-01')).toBe(false);
    expect(after.isWorkingDay('2027-01-04')).toBe(true);
    expect(after.warningsBetween('2027-01-01T09:00:00+08:00', '2027-01-02T09:00:00+08:00')).toEqual([]);
    expect(after.source).toContain('calendar v1');
  });

  it('the latest version of a year replaces an earlier one; other years and the base file are kept', () => {
    const base = { name: 'local.json', holidays: ['2028-03-01', '2027-06-01'], workdays: [] };
    const extra = extraHolidaysOf([version(1, 2027, ['2027-01-01', '2027-01-02']), version(2, 2027, ['2027-01-01'], ['2027-01-09'])], base)!;
    expect(extra).toEqual({ name: 'local.json + calendar v2', holidays: ['2027-01-01', '2028-03-01'], workdays: ['2027-01-09'] });
    expect(extraHolidaysOf([], base)).toBe(base);
  });
});
