import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBusinessCalendar } from '../../src/domain/calendar';
import { nextRoundStarts, periodOf, roundStartOf, type CycleEvery, type CycleRule } from '../../src/domain/calendar/cycles';
import { DEFAULT_POLICY, calendarForPolicy } from '../../src/domain/policy';

/**
 * Survey cycles on the business calendar: the period of an instant in Beijing time, and the start of each round on the
 * period's first working day (public holidays and 调休 make-up days from chinese-days) at the configured local time.
 */
const calendar = calendarForPolicy(DEFAULT_POLICY);
const quarterly: CycleRule = { every: 'quarter', day: 'first_working_day', at: '09:00' };
const halfYearly: CycleRule = { every: 'half_year', day: 'first_working_day', at: '09:00' };
const ms = (iso: string) => Date.parse(iso);
const starts = (rule: CycleRule, from: string, n: number) => nextRoundStarts(rule, calendar, ms(from), n).map((s) => ({ period: s.period, at: s.at, estimated: s.estimated }));

describe('periodOf', () => {
  it.each([
    // Beijing midnight of New Year is 16:00 UTC the day before.
    ['2026-12-31T15:59:59Z', '2026Q4', '2026H2'],
    ['2026-12-31T16:00:00Z', '2027Q1', '2027H1'],
    ['2027-01-01T00:00:00+08:00', '2027Q1', '2027H1'],
    ['2027-03-31T23:59:00+08:00', '2027Q1', '2027H1'],
    ['2027-04-01T00:00:00+08:00', '2027Q2', '2027H1'],
    ['2027-06-30T15:59:59Z', '2027Q2', '2027H1'],
    ['2027-06-30T16:00:00Z', '2027Q3', '2027H2'],
    ['2027-09-30T16:00:00Z', '2027Q4', '2027H2'],
  ])('%s is in %s and %s', (instant, quarter, half) => {
    expect(periodOf('quarter', instant)).toBe(quarter);
    expect(periodOf('half_year', instant)).toBe(half);
  });
});

describe('first working day of a period (years chinese-days covers)', () => {
  it.each([
    // 元旦 2026: 1–3 Jan off, Sunday 4 Jan a 调休 make-up working day, so the quarter starts on a Sunday.
    [2026, 1, '2026Q1', '2026-01-04T09:00:00+08:00', 'makeup_workday'],
    [2026, 4, '2026Q2', '2026-04-01T09:00:00+08:00', 'workday'],
    [2026, 7, '2026Q3', '2026-07-01T09:00:00+08:00', 'workday'],
    // 国庆 2026: 1–7 Oct off.
    [2026, 10, '2026Q4', '2026-10-08T09:00:00+08:00', 'workday'],
    // 国庆 + 中秋 2025: 1–8 Oct off.
    [2025, 10, '2025Q4', '2025-10-09T09:00:00+08:00', 'workday'],
    [2024, 10, '2024Q4', '2024-10-08T09:00:00+08:00', 'workday'],
    // 元旦 2025 on a Wednesday; 元旦 2023 on a Sunday, observed Monday 2 Jan.
    [2025, 1, '2025Q1', '2025-01-02T09:00:00+08:00', 'workday'],
    [2023, 1, '2023Q1', '2023-01-03T09:00:00+08:00', 'workday'],
  ])('%i-%i: %s starts %s', (year, month, period, at, kind) => {
    const s = roundStartOf(quarterly, calendar, year, month);
    expect(s).toMatchObject({ period, at, estimated: false });
    expect(calendar.dayInfo(at.slice(0, 10)).kind).toBe(kind);
    // Every earlier day of the month is not a working day.
    for (let d = 1; d < Number(at.slice(8, 10)); d++) expect(calendar.isWorkingDay(`${at.slice(0, 8)}${String(d).padStart(2, '0')}`)).toBe(false);
  });

  it('the next four quarterly and two half-yearly rounds from mid-December 2025', () => {
    expect(starts(quarterly, '2025-12-15T10:00:00+08:00', 4)).toEqual([
      { period: '2026Q1', at: '2026-01-04T09:00:00+08:00', estimated: false },
      { period: '2026Q2', at: '2026-04-01T09:00:00+08:00', estimated: false },
      { period: '2026Q3', at: '2026-07-01T09:00:00+08:00', estimated: false },
      { period: '2026Q4', at: '2026-10-08T09:00:00+08:00', estimated: false },
    ]);
    expect(starts(halfYearly, '2025-12-15T10:00:00+08:00', 2)).toEqual([
      { period: '2026H1', at: '2026-01-04T09:00:00+08:00', estimated: false },
      { period: '2026H2', at: '2026-07-01T09:00:00+08:00', estimated: false },
    ]);
  });

  it('a round starting exactly at `from` is past; one minute before, it is next', () => {
    expect(starts(quarterly, '2026-04-01T09:00:00+08:00', 1)[0]!.period).toBe('2026Q3');
    expect(starts(quarterly, '2026-04-01T08:59:00+08:00', 1)[0]!.period).toBe('2026Q2');
    // Inside a quarter whose round has started, the next round is the following quarter's.
    expect(starts(quarterly, '2026-10-08T09:00:01+08:00', 1)[0]).toMatchObject({ period: '2027Q1' });
  });

  it('a fixed day of the first month moves on to the next working day; `at` is the local time', () => {
    // 3 Jan 2026 is a holiday Saturday; 4 Jan the make-up Sunday.
    expect(roundStartOf({ every: 'quarter', day: 3, at: '09:00' }, calendar, 2026, 1).at).toBe('2026-01-04T09:00:00+08:00');
    expect(roundStartOf({ every: 'quarter', day: 15, at: '14:30' }, calendar, 2026, 10)).toMatchObject({
      at: '2026-10-15T14:30:00+08:00',
      local: { year: 2026, month: 10, day: 15, hour: 14, minute: 30 },
    });
    // Saturday 10 Oct 2026 is a 调休 working day.
    expect(roundStartOf({ every: 'half_year', day: 10, at: '09:00' }, calendar, 2026, 7).at).toBe('2026-07-10T09:00:00+08:00');
    expect(roundStartOf({ every: 'quarter', day: 10, at: '09:00' }, calendar, 2026, 10).at).toBe('2026-10-10T09:00:00+08:00');
    // Saturday 11 Jul 2026 is an ordinary weekend: Monday 13 Jul.
    expect(roundStartOf({ every: 'half_year', day: 11, at: '09:00' }, calendar, 2026, 7).at).toBe('2026-07-13T09:00:00+08:00');
  });
});

describe('past the holiday data', () => {
  it('only weekends count (chinese-days 1.5.7 ends with 2026), and the start says it is estimated', () => {
    expect(calendar.source).toMatch(/data 2004–2026/);
    // Without data for 2027, 元旦 (Fri 1 Jan) and 国庆 (Fri 1 Oct) look like working days.
    expect(starts(quarterly, '2026-12-02T12:00:00+08:00', 4)).toEqual([
      { period: '2027Q1', at: '2027-01-01T09:00:00+08:00', estimated: true },
      { period: '2027Q2', at: '2027-04-01T09:00:00+08:00', estimated: true },
      { period: '2027Q3', at: '2027-07-01T09:00:00+08:00', estimated: true },
      { period: '2027Q4', at: '2027-10-01T09:00:00+08:00', estimated: true },
    ]);
    // A quarter starting on a weekend moves to Monday: 1 Jan 2028 is a Saturday.
    expect(roundStartOf(quarterly, calendar, 2028, 1)).toMatchObject({ at: '2028-01-03T09:00:00+08:00', estimated: true });
  });

  it('holidays supplied as data for such a year are followed, and the start is no longer estimated', () => {
    // Test data shaped like a State Council notice, not the official 2027 list.
    const withData = createBusinessCalendar({
      extraHolidays: { name: 'test 2027', holidays: ['2027-01-01', '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07'], workdays: ['2027-10-09'] },
    });
    const next = nextRoundStarts(quarterly, withData, ms('2026-12-02T12:00:00+08:00'), 4).map((s) => [s.period, s.at, s.estimated]);
    expect(next).toEqual([
      ['2027Q1', '2027-01-04T09:00:00+08:00', false],
      ['2027Q2', '2027-04-01T09:00:00+08:00', false],
      ['2027Q3', '2027-07-01T09:00:00+08:00', false],
      ['2027Q4', '2027-10-08T09:00:00+08:00', false],
    ]);
  });
});

describe('properties of the round starts', () => {
  const nextPeriod = (every: CycleEvery, p: string) => {
    const year = Number(p.slice(0, 4));
    const n = Number(p.slice(5));
    const last = every === 'quarter' ? 4 : 2;
    return n === last ? `${year + 1}${p[4]}1` : `${year}${p[4]}${n + 1}`;
  };
  const arbRule = fc.record({
    every: fc.constantFrom<CycleEvery>('quarter', 'half_year'),
    day: fc.oneof(fc.constant('first_working_day' as const), fc.integer({ min: 1, max: 28 })),
    at: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  });

  it('consecutive periods, increasing, after `from`, on the first working day on or after the configured day, at `at`', () => {
    fc.assert(
      fc.property(arbRule, fc.integer({ min: ms('2004-01-01T00:00:00Z'), max: ms('2030-12-31T00:00:00Z') }), fc.integer({ min: 1, max: 6 }), (rule, from, count) => {
        const out = nextRoundStarts(rule, calendar, from, count);
        expect(out).toHaveLength(count);
        const fromPeriod = periodOf(rule.every, new Date(from).toISOString());
        expect([fromPeriod, nextPeriod(rule.every, fromPeriod)]).toContain(out[0]!.period);
        let prev = from;
        out.forEach((s, i) => {
          const at = Date.parse(s.at);
          expect(at).toBeGreaterThan(prev);
          prev = at;
          if (i > 0) expect(s.period).toBe(nextPeriod(rule.every, out[i - 1]!.period));
          expect(periodOf(rule.every, s.at)).toBe(s.period);
          expect(s.at.slice(11, 16)).toBe(rule.at);
          const date = s.at.slice(0, 10);
          expect(calendar.isWorkingDay(date)).toBe(true);
          // No working day between the configured day of the period's first month and the start (a 28th in 春节 moves
          // into the next month).
          const firstMonth = rule.every === 'quarter' ? (Number(s.period.slice(5)) - 1) * 3 + 1 : Number(s.period.slice(5)) === 1 ? 1 : 7;
          const configured = Date.UTC(Number(s.period.slice(0, 4)), firstMonth - 1, rule.day === 'first_working_day' ? 1 : rule.day);
          const startDay = Date.UTC(s.local.year, s.local.month - 1, s.local.day);
          expect(startDay).toBeGreaterThanOrEqual(configured);
          for (let d = configured; d < startDay; d += 86_400_000) expect(calendar.isWorkingDay(new Date(d).toISOString().slice(0, 10))).toBe(false);
          expect(s.estimated).toBe(s.local.year > 2026);
        });
      }),
      { numRuns: 300 },
    );
  });
});
