import { describe, expect, it } from 'vitest';
import { addBusinessDuration, calendarAdd } from '../../src/domain/calendar/add';
import { calendarAddFor, calendarAddQuery } from '../../src/domain/calendar/calculator';
import { parseOrThrow } from '../../src/domain/validation';
import { scheduleDeadline, type DeadlineRule } from '../../src/domain/deadlines/deadline';
import type { BusinessDuration } from '../../src/domain/deadlines/duration';
import { DomainError } from '../../src/domain/errors';
import { DEFAULT_POLICY, calendarForPolicy } from '../../src/domain/policy';

/** The default policy's calendar: Asia/Shanghai, 09:00–12:00 and 13:30–18:00, Mon–Fri, chinese-days holidays and 调休. */
const cal = calendarForPolicy(DEFAULT_POLICY);
const cn = (local: string) => `${local}+08:00`;
const workingDays = (value: number): BusinessDuration => ({ value, unit: 'working_days' });
const minutes = (value: number): BusinessDuration => ({ value, unit: 'minutes' });
const add = (from: string, d: BusinessDuration) => cal.toIso(addBusinessDuration(cal, cn(from), d));

describe('the calendar the expectations below are worked out from', () => {
  it('has 450 minutes of working time a day', () => {
    expect(cal.workingDayMs).toBe(450 * 60_000);
    expect(cal.source).toMatch(/^chinese-days@/);
  });

  it('closes 1–7 October 2026 for National Day and works the Sunday before and the Saturday after (调休)', () => {
    const kind = (date: string) => cal.dayInfo(date).kind;
    expect(kind('2026-09-18')).toBe('workday'); // Friday
    expect(kind('2026-09-19')).toBe('weekend');
    expect(cal.dayInfo('2026-09-20')).toMatchObject({ weekday: 7, working: true, kind: 'makeup_workday', name: expect.stringContaining('国庆') });
    expect(kind('2026-09-30')).toBe('workday'); // Wednesday
    for (let d = 1; d <= 7; d++) expect(cal.dayInfo(`2026-10-0${d}`)).toMatchObject({ working: false, kind: 'public_holiday', name: expect.stringContaining('国庆') });
    expect(cal.dayInfo('2026-10-08')).toMatchObject({ weekday: 4, working: true, kind: 'workday' });
    expect(kind('2026-10-09')).toBe('workday');
    expect(cal.dayInfo('2026-10-10')).toMatchObject({ weekday: 6, working: true, kind: 'makeup_workday' });
    expect(cal.dayInfo('2026-10-11')).toMatchObject({ weekday: 7, working: false, kind: 'weekend' });
    expect(kind('2026-10-12')).toBe('workday');
    // Past chinese-days' data only the weekday rule applies: 1 January 2027 is a plain Friday.
    expect(cal.dayInfo('2027-01-01')).toMatchObject({ weekday: 5, working: true, kind: 'workday', origin: 'weekday-rule' });
  });
});

describe('addBusinessDuration', () => {
  it('adds working days as working time across the National Day holiday and its make-up Saturday', () => {
    // Wed 30 Sep 16:00: 120 minutes left that day; 1–7 Oct closed; Thu 8 Oct 450; Fri 9 Oct 450; Sat 10 Oct (调休) 450.
    expect(add('2026-09-30T16:00:00', workingDays(1))).toBe(cn('2026-10-08T16:00:00')); // 120 + 330
    expect(add('2026-09-30T16:00:00', workingDays(2))).toBe(cn('2026-10-09T16:00:00')); // 120 + 450 + 330
    expect(add('2026-09-30T16:00:00', workingDays(3))).toBe(cn('2026-10-10T16:00:00')); // lands on the make-up Saturday
    expect(add('2026-09-30T16:00:00', workingDays(4))).toBe(cn('2026-10-12T16:00:00')); // Sunday 11 Oct is off
    // 2.5 days = 1125 minutes: 120 + 450 + 450 to Fri 18:00, then 105 on Saturday from 09:00.
    expect(add('2026-09-30T16:00:00', workingDays(2.5))).toBe(cn('2026-10-10T10:45:00'));
  });

  it('counts the make-up Sunday before the holiday and skips the Saturday before it', () => {
    // Fri 18 Sep 16:00: 120 minutes, Sat 19 off, Sun 20 (调休) 09:00–12:00 180 + 13:30–16:00 150.
    expect(add('2026-09-18T16:00:00', workingDays(1))).toBe(cn('2026-09-20T16:00:00'));
  });

  it('skips the lunch break when adding business minutes', () => {
    expect(add('2026-09-30T11:30:00', minutes(60))).toBe(cn('2026-09-30T14:00:00')); // 30 before 12:00, 30 after 13:30
    expect(add('2026-09-30T12:15:00', minutes(30))).toBe(cn('2026-09-30T14:00:00')); // counting starts at 13:30
    expect(add('2026-09-30T11:00:00', minutes(60))).toBe(cn('2026-09-30T12:00:00')); // ends on the period's end, not at 13:30
    expect(add('2026-09-30T17:30:00', minutes(60))).toBe(cn('2026-10-08T09:30:00')); // 30 today, 30 after the holiday
    expect(add('2026-09-30T11:00:00', { value: 2, unit: 'hours' })).toBe(cn('2026-09-30T14:30:00'));
  });

  it('adding zero returns the same instant, even outside working time', () => {
    for (const from of ['2026-09-30T16:00:00', '2026-10-03T03:17:00', '2026-09-30T12:45:00']) {
      expect(addBusinessDuration(cal, cn(from), minutes(0))).toBe(Date.parse(cn(from)));
      expect(addBusinessDuration(cal, cn(from), workingDays(0))).toBe(Date.parse(cn(from)));
    }
  });

  it('stops the clock during pauses', () => {
    const pauses = [{ from: cn('2026-09-30T16:30:00'), to: cn('2026-09-30T17:00:00') }];
    expect(cal.toIso(addBusinessDuration(cal, cn('2026-09-30T16:00:00'), minutes(60), pauses))).toBe(cn('2026-09-30T17:30:00'));
  });

  it('refuses a negative duration', () => {
    expect(() => addBusinessDuration(cal, cn('2026-09-30T16:00:00'), minutes(-1))).toThrow(DomainError);
  });
});

describe('calendarAdd', () => {
  it('answers in the calendar’s offset with the calendar’s source and no warnings inside the holiday data', () => {
    expect(calendarAdd(cal, '2026-09-30T16:00:00+08:00', workingDays(2))).toEqual({ at: '2026-10-09T16:00:00+08:00', calendar: { source: cal.source, warnings: [] } });
    // The same instant given in UTC.
    expect(calendarAdd(cal, '2026-09-30T08:00:00Z', workingDays(2)).at).toBe('2026-10-09T16:00:00+08:00');
    expect(calendarAdd(cal, '2026-09-30T08:00:00Z', minutes(0)).at).toBe('2026-09-30T16:00:00+08:00');
  });

  it('warns when the answer lies in a year without holiday data', () => {
    // Thu 31 Dec 2026 17:00: 60 minutes, then Fri 1 Jan 2027 (weekday rule only) 180 + 210 from 13:30.
    expect(calendarAdd(cal, '2026-12-31T17:00:00+08:00', workingDays(1))).toEqual({
      at: '2027-01-01T17:00:00+08:00',
      calendar: { source: cal.source, warnings: ['no holiday data for 2027; weekends only'] },
    });
  });

  it('names `from` when it is not an instant with an offset', () => {
    try {
      calendarAdd(cal, '2026-09-30T16:00:00', workingDays(1));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).issues.map((i) => i.field)).toEqual(['from']);
    }
  });
});

describe('the calculator’s input rules (one schema for the API and the CLI)', () => {
  const FROM = '2026-09-30T16:00:00+08:00';
  const read = (a: { workingDays?: string; businessMinutes?: string }) => parseOrThrow(calendarAddQuery, { from: FROM, ...a });
  it('reads plain decimal numbers and takes exactly one amount', () => {
    expect(read({ workingDays: '2' })).toEqual({ from: FROM, workingDays: 2 });
    expect(read({ workingDays: '0.5' })).toEqual({ from: FROM, workingDays: 0.5 });
    expect(read({ businessMinutes: '90' })).toEqual({ from: FROM, businessMinutes: 90 });
    expect(read({ businessMinutes: '0' })).toEqual({ from: FROM, businessMinutes: 0 });
    expect(calendarAddFor(cal, read({ workingDays: '2' })).at).toBe(cn('2026-10-09T16:00:00'));
    expect(calendarAddFor(cal, read({ businessMinutes: '90' })).at).toBe(cn('2026-09-30T17:30:00'));
  });

  it.each([
    ['neither', {}, [['workingDays', 'exactly one of workingDays or businessMinutes is required; neither was given'], ['businessMinutes', 'exactly one of workingDays or businessMinutes is required; neither was given']]],
    ['both', { workingDays: '1', businessMinutes: '30' }, [['workingDays', 'exactly one of workingDays or businessMinutes is allowed; both were given'], ['businessMinutes', 'exactly one of workingDays or businessMinutes is allowed; both were given']]],
    ['not a number', { workingDays: 'two' }, [['workingDays', 'must be a number, e.g. 2 or 0.5']]],
    ['empty', { businessMinutes: '' }, [['businessMinutes', 'must be a number, e.g. 2 or 0.5']]],
    ['exponent notation', { businessMinutes: '1e3' }, [['businessMinutes', 'must be a number, e.g. 2 or 0.5']]],
    ['negative', { businessMinutes: '-5' }, [['businessMinutes', 'must not be negative']]],
    ['too many days', { workingDays: '3651' }, [['workingDays', 'must be at most 3650']]],
  ])('names the field and the rule: %s', (_case, given, expected) => {
    let err: unknown;
    try {
      read(given);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).issues.map((i) => [i.field, i.rule])).toEqual(expected);
  });
});

describe('scheduleDeadline and the calculator agree', () => {
  const targets: BusinessDuration[] = [
    workingDays(2),
    workingDays(0.5),
    workingDays(0.25),
    workingDays(1 / 7), // 64.2857… minutes: rounded to whole ms the same way
    minutes(30),
    { value: 2, unit: 'hours' },
    { value: 1.0005, unit: 'seconds' },
  ];
  const starts = ['2026-09-30T16:00:00+08:00', '2026-09-30T17:45:30.250+08:00', '2026-10-03T10:00:00+08:00', '2026-09-18T16:00:00+08:00', '2026-12-31T17:00:00+08:00'];
  it.each(targets.map((t) => [`${t.value} ${t.unit}`, t] as const))('due equals calendarAdd’s at for a target of %s', (_name, target) => {
    const rule: DeadlineRule = { target, warningFraction: 0.8, ladder: [{ level: 1, role: 'supervisor', afterBreach: 0 }] };
    for (const start of starts) {
      expect(scheduleDeadline('resolution', start, rule, cal).due).toBe(calendarAdd(cal, start, target).at);
    }
  });

  it('for the Sep 30 example: 2 working days from 16:00 is due 9 October 16:00', () => {
    const d = scheduleDeadline('resolution', '2026-09-30T16:00:00+08:00', { target: workingDays(2), warningFraction: 0.8, ladder: [] }, cal);
    expect(d.due).toBe('2026-10-09T16:00:00+08:00');
    expect(d.targetMinutes).toBe(900);
  });
});
