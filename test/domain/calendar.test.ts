import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHINESE_DAYS_VERSION, createBusinessCalendar, formatInstant, toEpochMs } from '../../src/domain/calendar';
import { DomainError } from '../../src/domain/errors';

const cal = createBusinessCalendar();
const cn = (localDateTime: string) => `${localDateTime}+08:00`;
const at = (localDateTime: string) => Date.parse(cn(localDateTime));
const iso = (ms: number) => cal.toIso(ms);

/** Expands `[from, to]` local date ranges into dates. */
function days(ranges: Array<[string, string]>): string[] {
  const out: string[] = [];
  for (const [from, to] of ranges) {
    for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

describe('Chinese public holidays and 调休 days, 2025–2026', () => {
  // Typed from the State Council notices (国办发明电〔2024〕12号 for 2025; the notice of 2025-11-04 for 2026),
  // independently of chinese-days, then compared day by day with the calendar built on chinese-days.
  const notices = {
    2025: {
      off: days([
        ['2025-01-01', '2025-01-01'], // 元旦
        ['2025-01-28', '2025-02-04'], // 春节
        ['2025-04-04', '2025-04-06'], // 清明
        ['2025-05-01', '2025-05-05'], // 劳动节
        ['2025-05-31', '2025-06-02'], // 端午
        ['2025-10-01', '2025-10-08'], // 国庆 + 中秋
      ]),
      work: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
    },
    2026: {
      off: days([
        ['2026-01-01', '2026-01-03'], // 元旦
        ['2026-02-15', '2026-02-23'], // 春节
        ['2026-04-04', '2026-04-06'], // 清明
        ['2026-05-01', '2026-05-05'], // 劳动节
        ['2026-06-19', '2026-06-21'], // 端午
        ['2026-09-25', '2026-09-27'], // 中秋
        ['2026-10-01', '2026-10-07'], // 国庆
      ]),
      work: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
    },
  };

  for (const [year, notice] of Object.entries(notices)) {
    it(`every day of ${year} is a working day exactly when the notice says so`, () => {
      const off = new Set(notice.off);
      const work = new Set(notice.work);
      const wrong: string[] = [];
      for (const date of days([[`${year}-01-01`, `${year}-12-31`]])) {
        const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
        const expected = work.has(date) || (weekday >= 1 && weekday <= 5 && !off.has(date));
        if (cal.isWorkingDay(date) !== expected) wrong.push(date);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('the brief’s claims hold in the chinese-days data', () => {
    expect(days([['2026-10-01', '2026-10-07']]).map((d) => cal.dayInfo(d).kind)).toEqual(Array(7).fill('public_holiday'));
    expect(cal.dayInfo('2026-10-01')).toMatchObject({ working: false, name: 'National Day,国庆节', origin: 'chinese-days' });
    expect(cal.dayInfo('2026-10-10')).toEqual({ date: '2026-10-10', weekday: 6, working: true, kind: 'makeup_workday', name: 'National Day,国庆节', origin: 'chinese-days' });
    expect(cal.dayInfo('2026-09-25')).toEqual({ date: '2026-09-25', weekday: 5, working: false, kind: 'public_holiday', name: 'Mid-autumn Festival,中秋', origin: 'chinese-days' });
    expect(cal.dayInfo('2026-09-20')).toEqual({ date: '2026-09-20', weekday: 7, working: true, kind: 'makeup_workday', name: 'National Day,国庆节', origin: 'chinese-days' });
    expect(cal.dayInfo('2026-09-30')).toMatchObject({ weekday: 3, working: true, kind: 'workday', origin: 'weekday-rule' });
    expect(cal.dayInfo('2026-09-24')).toMatchObject({ weekday: 4, working: true, kind: 'workday' });
    expect(cal.dayInfo('2026-10-11')).toMatchObject({ weekday: 7, working: false, kind: 'weekend' });
  });

  it('records the package version it was built against', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../node_modules/chinese-days/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(CHINESE_DAYS_VERSION).toBe(pkg.version);
    expect(cal.source).toBe(`chinese-days@${pkg.version} (data 2004–2026)`);
  });
});

describe('isWorkingTime: periods are [start, end)', () => {
  it.each([
    ['2026-09-30T08:59:59.999', false],
    ['2026-09-30T09:00:00', true],
    ['2026-09-30T11:59:59', true],
    ['2026-09-30T12:00:00', false], // lunch
    ['2026-09-30T13:29:00', false],
    ['2026-09-30T13:30:00', true],
    ['2026-09-30T17:59:59.999', true],
    ['2026-09-30T18:00:00', false],
    ['2026-10-01T10:00:00', false], // National Day
    ['2026-10-10T10:00:00', true], // make-up Saturday
    ['2026-10-11T10:00:00', false], // Sunday
  ])('%s → %s', (local, expected) => {
    expect(cal.isWorkingTime(cn(local))).toBe(expected);
  });
});

describe('addBusinessMinutes', () => {
  it('starts counting at the next working moment', () => {
    expect(iso(cal.addBusinessMinutes(cn('2026-10-08T07:00:00'), 1))).toBe(cn('2026-10-08T09:01:00'));
    expect(iso(cal.addBusinessMinutes(cn('2026-09-29T12:30:00'), 30))).toBe(cn('2026-09-29T14:00:00')); // from lunch
    expect(iso(cal.addBusinessMinutes(cn('2026-09-30T20:00:00'), 10))).toBe(cn('2026-10-08T09:10:00')); // evening before the holiday
  });

  it('landing exactly on the end of a period gives that end, not the next opening', () => {
    expect(iso(cal.addBusinessMinutes(cn('2026-09-29T11:00:00'), 60))).toBe(cn('2026-09-29T12:00:00'));
    expect(iso(cal.addBusinessMinutes(cn('2026-09-30T17:00:00'), 60))).toBe(cn('2026-09-30T18:00:00'));
    // One more minute crosses lunch / the holiday.
    expect(iso(cal.addBusinessMinutes(cn('2026-09-29T11:00:00'), 61))).toBe(cn('2026-09-29T13:31:00'));
    expect(iso(cal.addBusinessMinutes(cn('2026-09-30T17:00:00'), 61))).toBe(cn('2026-10-08T09:01:00'));
  });

  it('adding zero returns the instant unchanged, even outside working time', () => {
    expect(cal.addBusinessMinutes(cn('2026-10-01T03:00:00'), 0)).toBe(at('2026-10-01T03:00:00'));
  });

  it('handles fractions of a minute (counted in milliseconds)', () => {
    expect(iso(cal.addBusinessMinutes(cn('2026-09-29T11:59:30'), 1))).toBe(cn('2026-09-29T13:30:30'));
    expect(iso(cal.addBusinessMinutes(cn('2026-09-29T09:00:00'), 0.5))).toBe(cn('2026-09-29T09:00:30'));
    expect(iso(cal.addBusinessMs(cn('2026-09-29T09:00:00'), 1))).toBe(cn('2026-09-29T09:00:00.001'));
  });

  it('crosses the 2025/2026 boundary over New Year and the make-up Sunday 4 January', () => {
    // Wed 2025-12-31 17:00 + 120: 60 on Wed; 1–3 Jan 2026 off (元旦); Sun 4 Jan is a make-up day → 10:00.
    expect(iso(cal.addBusinessMinutes(cn('2025-12-31T17:00:00'), 120))).toBe(cn('2026-01-04T10:00:00'));
  });

  it('crosses the Spring Festival 2026 (make-up Saturday 14 Feb, off 15–23 Feb)', () => {
    // Fri 13 Feb 17:00 + 60 → 18:00; + 61 → Sat 14 Feb 09:01; + 511 (60 + 450 + 1) → Tue 24 Feb 09:01.
    expect(iso(cal.addBusinessMinutes(cn('2026-02-13T17:00:00'), 61))).toBe(cn('2026-02-14T09:01:00'));
    expect(iso(cal.addBusinessMinutes(cn('2026-02-13T17:00:00'), 511))).toBe(cn('2026-02-24T09:01:00'));
  });

  it('excludes pauses, overlapping or not, and ignores pauses outside working time', () => {
    const start = cn('2026-09-29T09:00:00');
    const pauses = [
      { from: cn('2026-09-29T09:30:00'), to: cn('2026-09-29T10:00:00') },
      { from: cn('2026-09-29T09:45:00'), to: cn('2026-09-29T10:30:00') }, // overlaps the first: 09:30–10:30 paused
      { from: cn('2026-09-29T12:00:00'), to: cn('2026-09-29T13:30:00') }, // lunch anyway
      { from: cn('2026-09-28T09:00:00'), to: cn('2026-09-28T18:00:00') }, // before the start
    ];
    // 30 min before the pause, then 10:30 + 30 → 11:00.
    expect(iso(cal.addBusinessMinutes(start, 60, pauses))).toBe(cn('2026-09-29T11:00:00'));
    expect(cal.businessMinutesBetween(start, cn('2026-09-29T18:00:00'), pauses)).toBe(450 - 60);
  });

  it('a pause still open at the end of the day carries over; a long pause is skipped whole', () => {
    const pauses = [{ from: cn('2026-09-29T17:00:00'), to: cn('2026-10-09T10:00:00') }];
    // 60 min before the pause on Tue; the pause covers Wed 30 Sep, the holiday, Thu 8 Oct and Fri until 10:00.
    expect(iso(cal.addBusinessMinutes(cn('2026-09-29T16:00:00'), 90, pauses))).toBe(cn('2026-10-09T10:30:00'));
  });

  it('rejects negative durations, bad instants and inverted pauses', () => {
    expect(() => cal.addBusinessMinutes(0, -1)).toThrow(DomainError);
    expect(() => cal.addBusinessMinutes('2026-09-30 17:30', 1)).toThrow(/instant: must be epoch milliseconds or an ISO 8601 instant with offset/);
    expect(() => cal.addBusinessMinutes('2026-09-30T17:30:00', 1)).toThrow(DomainError); // no offset: refused, not guessed
    expect(() => cal.addBusinessMinutes(0, 1, [{ from: 10, to: 5 }])).toThrow('pauses.0.to: must not be before from');
  });

  it('is fast for long targets: 30 working days, 1000 times', () => {
    const t0 = performance.now();
    let last = 0;
    for (let i = 0; i < 1000; i++) last = cal.addBusinessMinutes(at('2026-01-01T00:00:00') + i * 3_600_000, 30 * 450);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(last).toBeGreaterThan(at('2026-02-01T00:00:00'));
    // A whole year of business time is still a day-by-day walk, not a minute-by-minute one.
    const y0 = performance.now();
    cal.addBusinessMinutes(at('2025-01-01T00:00:00'), 250 * 450);
    expect(performance.now() - y0).toBeLessThan(100);
  });
});

describe('businessMinutesBetween', () => {
  it('measures working time in [a, b)', () => {
    expect(cal.businessMinutesBetween(cn('2026-09-30T17:30:00'), cn('2026-10-09T17:30:00'))).toBe(900);
    expect(cal.businessMinutesBetween(cn('2026-10-01T00:00:00'), cn('2026-10-08T00:00:00'))).toBe(0);
    expect(cal.businessMinutesBetween(cn('2026-09-29T11:00:00'), cn('2026-09-29T14:00:00'))).toBe(60 + 30);
    expect(cal.businessMinutesBetween(cn('2026-09-29T10:00:00'), cn('2026-09-29T10:00:00'))).toBe(0);
  });

  it('is negative when b is before a', () => {
    expect(cal.businessMinutesBetween(cn('2026-10-09T17:30:00'), cn('2026-09-30T17:30:00'))).toBe(-900);
  });
});

describe('addWorkingDays (follow-up visits)', () => {
  it('same wall time on the n-th working day after the local date', () => {
    // Fri 13 Feb 2026 10:00: +1 → make-up Sat 14 Feb; +2 → Tue 24 Feb (15–23 Feb Spring Festival).
    expect(iso(cal.addWorkingDays(cn('2026-02-13T10:00:00'), 1))).toBe(cn('2026-02-14T10:00:00'));
    expect(iso(cal.addWorkingDays(cn('2026-02-13T10:00:00'), 2))).toBe(cn('2026-02-24T10:00:00'));
    // The ends of a period count as inside it.
    expect(iso(cal.addWorkingDays(cn('2026-09-29T12:00:00'), 1))).toBe(cn('2026-09-30T12:00:00'));
    expect(iso(cal.addWorkingDays(cn('2026-09-29T09:00:00'), 1))).toBe(cn('2026-09-30T09:00:00'));
  });

  it('the close of that day when the wall time is outside working hours', () => {
    expect(iso(cal.addWorkingDays(cn('2026-09-29T20:00:00'), 1))).toBe(cn('2026-09-30T18:00:00'));
    expect(iso(cal.addWorkingDays(cn('2026-09-29T07:00:00'), 1))).toBe(cn('2026-09-30T18:00:00'));
    expect(iso(cal.addWorkingDays(cn('2026-09-29T12:45:00'), 2))).toBe(cn('2026-10-08T18:00:00'));
  });

  it('counts from a non-working day too; n = 0 changes nothing; n must be a whole number', () => {
    expect(iso(cal.addWorkingDays(cn('2026-10-03T10:00:00'), 1))).toBe(cn('2026-10-08T10:00:00'));
    expect(cal.addWorkingDays(cn('2026-10-03T10:00:00'), 0)).toBe(at('2026-10-03T10:00:00'));
    expect(() => cal.addWorkingDays(0, 1.5)).toThrow('workingDays: must be a whole number, not negative');
  });
});

describe('past the holiday data', () => {
  it('warns per year without data, as data', () => {
    expect(cal.warningsBetween(cn('2026-12-30T10:00:00'), cn('2027-01-05T10:00:00'))).toEqual([
      { code: 'calendar.no_holiday_data', year: 2027, message: 'no holiday data for 2027; weekends only' },
    ]);
    expect(cal.warningsBetween(cn('2025-01-01T10:00:00'), cn('2026-12-31T23:59:59'))).toEqual([]);
    expect(cal.warningsBetween(cn('2028-03-01T00:00:00'), cn('2027-06-01T00:00:00')).map((w) => w.year)).toEqual([2027, 2028]);
  });

  it('uses weekends only, plus extra holidays and make-up days given as data', () => {
    expect(cal.isWorkingDay('2027-01-01')).toBe(true); // a Friday; no data yet
    const extra = createBusinessCalendar({ extraHolidays: { name: 'cn-2027-draft', holidays: ['2027-01-01'], workdays: ['2027-01-02'] } });
    expect(extra.dayInfo('2027-01-01')).toMatchObject({ working: false, kind: 'public_holiday', name: 'cn-2027-draft', origin: 'extra' });
    expect(extra.dayInfo('2027-01-02')).toMatchObject({ working: true, kind: 'makeup_workday', origin: 'extra' });
    expect(extra.warningsBetween(cn('2026-12-30T10:00:00'), cn('2027-01-05T10:00:00'))).toEqual([]);
    // Thu 2026-12-31 17:30 + 60: 30 on Thursday, 1 Jan off, Sat 2 Jan is the extra make-up day → 09:30.
    expect(extra.toIso(extra.addBusinessMinutes(cn('2026-12-31T17:30:00'), 60))).toBe(cn('2027-01-02T09:30:00'));
    // The source names the list and fingerprints its content.
    const same = createBusinessCalendar({ extraHolidays: { name: 'cn-2027-draft', workdays: ['2027-01-02'], holidays: ['2027-01-01'] } });
    const other = createBusinessCalendar({ extraHolidays: { name: 'cn-2027-draft', holidays: ['2027-01-01', '2027-02-05'] } });
    expect(extra.source).toMatch(/^chinese-days@1\.5\.7 \(data 2004–2026\) \+ extra holidays "cn-2027-draft" fnv1a32:[0-9a-f]{8}$/);
    expect(same.source).toBe(extra.source);
    expect(other.source).not.toBe(extra.source);
  });
});

describe('other settings', () => {
  it('a 24×7 calendar counts wall-clock time and never warns', () => {
    const always = createBusinessCalendar({ twentyFourSeven: true });
    expect(always.addBusinessMinutes(cn('2026-10-01T23:59:00'), 2)).toBe(at('2026-10-02T00:01:00'));
    expect(always.businessMinutesBetween(cn('2026-10-01T00:00:00'), cn('2026-10-02T00:00:00'))).toBe(1440);
    expect(always.warningsBetween(0, at('2030-01-01T00:00:00'))).toEqual([]);
    expect(always.workingDayMs).toBe(86_400_000);
  });

  it('another offset and other hours', () => {
    const utc = createBusinessCalendar({ timeZone: 'UTC', utcOffsetMinutes: 0, workingHours: [{ start: '08:00', end: '17:00' }], publicHolidays: 'none' });
    // 2026-10-01 is a Thursday; without public holidays it is a working day. 16:30Z + 60 → Fri 08:30Z.
    expect(utc.toIso(utc.addBusinessMinutes('2026-10-01T16:30:00Z', 60))).toBe('2026-10-02T08:30:00+00:00');
    expect(utc.source).toBe('weekdays only (no public holidays)');
    expect(utc.warningsBetween(0, Date.parse('2030-01-01T00:00:00Z'))).toEqual([]);
  });

  it('refuses invalid settings naming the field and the rule', () => {
    expect(() => createBusinessCalendar({ workingHours: [{ start: '13:00', end: '12:00' }] })).toThrow('workingHours.0.end: must be after start');
    expect(() => createBusinessCalendar({ workingHours: [] })).toThrow('workingHours: must list at least one working period');
    expect(() => createBusinessCalendar({ utcOffsetMinutes: 60 })).toThrow('utcOffsetMinutes: must be 480 for Asia/Shanghai (UTC+08:00, no DST)');
    expect(() => createBusinessCalendar({ extraHolidays: { name: 'x', holidays: ['2027-02-30'] } })).toThrow('extraHolidays.holidays.0: must be a date YYYY-MM-DD');
    expect(() => createBusinessCalendar({ extraHolidays: { name: 'x', holidays: ['2027-01-01'], workdays: ['2027-01-01'] } })).toThrow(
      'extraHolidays.workdays.0: must not also be listed in holidays (2027-01-01)',
    );
  });
});

describe('ISO helpers', () => {
  it('format with the configured offset; milliseconds only when present', () => {
    expect(cal.toIso(Date.parse('2026-10-09T02:30:00Z'))).toBe('2026-10-09T10:30:00+08:00');
    expect(cal.toIso('2026-10-09T02:30:00.250Z')).toBe('2026-10-09T10:30:00.250+08:00');
    expect(formatInstant(Date.parse('2026-01-01T03:00:00Z'), -330)).toBe('2025-12-31T21:30:00-05:30');
    expect(cal.localDateOf('2026-09-30T16:30:00Z')).toBe('2026-10-01');
  });

  it('parse strings with an offset and epoch ms; round-trip', () => {
    expect(toEpochMs('2026-10-09T10:30:00+08:00')).toBe(Date.parse('2026-10-09T02:30:00Z'));
    expect(toEpochMs(1_790_000_000_000)).toBe(1_790_000_000_000);
    expect(toEpochMs(cal.toIso(1_790_000_000_123))).toBe(1_790_000_000_123);
    expect(() => toEpochMs(Number.NaN)).toThrow(DomainError);
  });
});
