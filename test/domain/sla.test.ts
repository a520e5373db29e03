import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBusinessCalendar } from '../../src/domain/calendar';
import { DomainError } from '../../src/domain/errors';
import { COMPRESSED_POLICY, DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/domain/policy';
import { computeDeadlines, computeFollowUpDue } from '../../src/processes/complaint/sla';

/**
 * Hand-derived deadlines under DEFAULT_POLICY (ordinary customers unless stated). Working time is
 * 09:00–12:00 (180 min) + 13:30–18:00 (270 min) = 450 min a working day, so 1 working day = 450 min,
 * 0.5 working day = 225 min, 2 working days = 900 min, 5 working days = 2250 min.
 *
 * 2026 facts used (State Council notice of 2025-11-04, checked against chinese-days in calendar.test.ts):
 * Mid-Autumn 中秋 Fri 25 – Sun 27 September off; National Day 国庆 Thu 1 – Wed 7 October off;
 * Sunday 20 September and Saturday 10 October are make-up working days (调休上班).
 */
const calendar = createBusinessCalendar(DEFAULT_POLICY.calendar);
const cn = (localDateTime: string) => `${localDateTime}+08:00`;
const ladder = (l1: string, l2: string, l3: string) => [
  { level: 1, role: 'supervisor', at: cn(l1) },
  { level: 2, role: 'manager', at: cn(l2) },
  { level: 3, role: 'general_manager', at: cn(l3) },
];

describe('computeDeadlines under the default policy', () => {
  it('normal complaint received Wednesday 2026-09-30 17:30, just before National Day', () => {
    const d = computeDeadlines({ receivedAt: cn('2026-09-30T17:30:00'), severity: 'normal', customerClass: 'ordinary' }, DEFAULT_POLICY, calendar);
    // First response, 2 working hours = 120 min: 30 min on Wed (17:30–18:00); 1–7 Oct are holidays; the other
    // 90 min on Thu 8 Oct from 09:00 → 10:30.
    expect(d.firstResponseDue).toBe(cn('2026-10-08T10:30:00'));
    // Its warning at 80 % = 96 min: 30 Wed + 66 → 10:06. Ladder at 120 / 180 / 240 min:
    // 10:30; 30 + 150 → 11:30; 30 + 180 (whole morning) + 30 after lunch → 14:00.
    expect(d.firstResponse).toEqual({
      kind: 'first_response',
      due: cn('2026-10-08T10:30:00'),
      targetMinutes: 120,
      warnAt: cn('2026-10-08T10:06:00'),
      escalations: ladder('2026-10-08T10:30:00', '2026-10-08T11:30:00', '2026-10-08T14:00:00'),
    });
    // Resolution, 2 working days = 900 min: Wed 30, Thu 8 Oct 450 (480 so far), Fri 9 Oct needs 420:
    // morning 180, then 240 from 13:30 → 17:30.
    expect(d.resolutionDue).toBe(cn('2026-10-09T17:30:00'));
    // Warning at 80 % = 720 min: 480 by Thu evening, Fri morning 180 (660), 60 from 13:30 → 14:30.
    expect(d.warningAt).toBe(cn('2026-10-09T14:30:00'));
    // Ladder: breach (900) Fri 17:30 → 客服主管; breach + 50 % (1350): Fri ends at 930, Sat 10 Oct is a make-up
    // working day: 420 more → 17:30 Sat → 部门经理; breach + 100 % (1800): Sat ends at 1380, Sun 11 Oct off,
    // Mon 12 Oct 420 more → 17:30 → 总经理.
    expect(d.escalations).toEqual(ladder('2026-10-09T17:30:00', '2026-10-10T17:30:00', '2026-10-12T17:30:00'));
    expect(d.resolution).toMatchObject({ kind: 'resolution', targetMinutes: 900, due: d.resolutionDue, warnAt: d.warningAt, escalations: d.escalations });
    expect(d.notifyAtOnce).toEqual([]);
    expect(d.policy).toBe('default@5');
    expect(d.calendar).toEqual({ source: 'chinese-days@1.5.7 (data 2004–2026)', warnings: [] });
  });

  it('minor complaint received Thursday 2026-09-24 17:00, the eve of Mid-Autumn', () => {
    const d = computeDeadlines({ receivedAt: cn('2026-09-24T17:00:00'), severity: 'minor', customerClass: 'ordinary' }, DEFAULT_POLICY, calendar);
    // First response, 1 working day = 450 min: Thu 60 (17:00–18:00); Fri 25 – Sun 27 Mid-Autumn off;
    // Mon 28: morning 180 (240), then 210 from 13:30 → 17:00.
    expect(d.firstResponseDue).toBe(cn('2026-09-28T17:00:00'));
    // Warning 360 min: 60 + 180 + 120 → Mon 15:30. Ladder at 450 / 675 / 900:
    // Mon 17:00; Mon ends at 510, Tue 29 165 → 11:45; Tue 390 → 180 + 210 → 17:00.
    expect(d.firstResponse.warnAt).toBe(cn('2026-09-28T15:30:00'));
    expect(d.firstResponse.escalations).toEqual(ladder('2026-09-28T17:00:00', '2026-09-29T11:45:00', '2026-09-29T17:00:00'));
    // Resolution, 5 working days = 2250 min. Running totals at each working day's close: Thu 24 Sep 60,
    // Mon 28 510, Tue 29 960, Wed 30 1410, (1–7 Oct off) Thu 8 Oct 1860, Fri 9 Oct 2310, Sat 10 Oct 2760,
    // Mon 12 3210, Tue 13 3660, Wed 14 4110.
    // Due 2250 → Fri 9 Oct needs 390 → 180 + 210 → 17:00.
    expect(d.resolutionDue).toBe(cn('2026-10-09T17:00:00'));
    // Warning 1800 → Thu 8 Oct needs 390 → 17:00.
    expect(d.warningAt).toBe(cn('2026-10-08T17:00:00'));
    // Ladder 2250 / 3375 / 4500: Fri 9 Oct 17:00; Tue 13 needs 165 → 11:45; Thu 15 needs 390 → 17:00.
    expect(d.escalations).toEqual(ladder('2026-10-09T17:00:00', '2026-10-13T11:45:00', '2026-10-15T17:00:00'));
    expect(d.resolution.targetMinutes).toBe(2250);
  });

  it('major complaint received on the make-up Sunday 2026-09-20 at 10:00', () => {
    const d = computeDeadlines({ receivedAt: cn('2026-09-20T10:00:00'), severity: 'major', customerClass: 'ordinary' }, DEFAULT_POLICY, calendar);
    // The Sunday is a working day (调休 for National Day), so the clock runs at once; the GM is told at once.
    expect(d.notifyAtOnce).toEqual(['general_manager']);
    // First response 30 min → 10:30; warning 24 → 10:24; ladder 30 / 45 / 60 → 10:30, 10:45, 11:00.
    expect(d.firstResponse).toEqual({
      kind: 'first_response',
      due: cn('2026-09-20T10:30:00'),
      targetMinutes: 30,
      warnAt: cn('2026-09-20T10:24:00'),
      escalations: ladder('2026-09-20T10:30:00', '2026-09-20T10:45:00', '2026-09-20T11:00:00'),
    });
    // Resolution 0.5 working day = 225 min: morning 10:00–12:00 gives 120, then 105 from 13:30 → 15:15.
    expect(d.resolutionDue).toBe(cn('2026-09-20T15:15:00'));
    // Warning 180: 120 + 60 → 14:30.
    expect(d.warningAt).toBe(cn('2026-09-20T14:30:00'));
    // Ladder 225 / 337.5 / 450: 15:15; 120 + 217.5 from 13:30 → 17:07:30; Sunday gives only 120 + 270 = 390,
    // so 60 more on Mon 21 Sep from 09:00 → 10:00.
    expect(d.escalations).toEqual(ladder('2026-09-20T15:15:00', '2026-09-20T17:07:30', '2026-09-21T10:00:00'));
  });

  it('a deadline landing exactly on the close is that close, not the next opening', () => {
    // Received 09:00 on the make-up Sunday: the general manager's step (450 min = one whole working day) ends
    // exactly at 18:00 the same day, and that is the instant (not Mon 21 Sep 09:00).
    const d = computeDeadlines({ receivedAt: cn('2026-09-20T09:00:00'), severity: 'major', customerClass: 'ordinary' }, DEFAULT_POLICY, calendar);
    expect(d.escalations[2]).toEqual({ level: 3, role: 'general_manager', at: cn('2026-09-20T18:00:00') });
  });

  it('key customers get half: the same major complaint for a key customer', () => {
    const d = computeDeadlines({ receivedAt: cn('2026-09-20T10:00:00'), severity: 'major', customerClass: 'key' }, DEFAULT_POLICY, calendar);
    // 15 min → 10:15; 0.25 working day = 112.5 min → 11:52:30 (before lunch).
    expect(d.firstResponseDue).toBe(cn('2026-09-20T10:15:00'));
    expect(d.resolutionDue).toBe(cn('2026-09-20T11:52:30'));
    expect(d.resolution.targetMinutes).toBe(112.5);
  });

  it('a complaint received on a holiday starts counting at the next working moment', () => {
    // Sun 27 Sep is the last Mid-Autumn day (not a make-up day): the clock starts Mon 28 09:00.
    const d = computeDeadlines({ receivedAt: cn('2026-09-27T10:00:00'), severity: 'major', customerClass: 'ordinary' }, DEFAULT_POLICY, calendar);
    expect(d.firstResponseDue).toBe(cn('2026-09-28T09:30:00'));
  });

  it('pauses stop the clock', () => {
    // Same as the first case, paused Thu 8 Oct 09:00–10:00 (60 business minutes): first response 10:30 → 11:30;
    // a pause during the holiday (2 Oct) changes nothing.
    const pauses = [
      { from: cn('2026-10-08T09:00:00'), to: cn('2026-10-08T10:00:00') },
      { from: cn('2026-10-02T09:00:00'), to: cn('2026-10-03T09:00:00') },
    ];
    const d = computeDeadlines({ receivedAt: cn('2026-09-30T17:30:00'), severity: 'normal', customerClass: 'ordinary', pauses }, DEFAULT_POLICY, calendar);
    expect(d.firstResponseDue).toBe(cn('2026-10-08T11:30:00'));
    // Resolution 17:30 Fri plus 60 min: 30 left on Fri, 30 on the make-up Saturday → Sat 10 Oct 09:30.
    expect(d.resolutionDue).toBe(cn('2026-10-10T09:30:00'));
  });

  it('warns when a deadline runs past the holiday data (2027), and extra holiday data silences it', () => {
    // Thu 2026-12-31 17:00, minor: 60 min on Thursday, then 2027 counts weekdays only (Fri 1 Jan 2027 counts!):
    // first response 450 → Fri 1 Jan: 180 + 210 → 17:00.
    const d = computeDeadlines({ receivedAt: cn('2026-12-31T17:00:00'), severity: 'minor', customerClass: 'ordinary' }, DEFAULT_POLICY, calendar);
    expect(d.firstResponseDue).toBe(cn('2027-01-01T17:00:00'));
    expect(d.calendar.warnings).toEqual(['no holiday data for 2027; weekends only']);

    const withExtra = createBusinessCalendar({ ...DEFAULT_POLICY.calendar, extraHolidays: { name: 'holidays-2027.json', holidays: ['2027-01-01'] } });
    const e = computeDeadlines({ receivedAt: cn('2026-12-31T17:00:00'), severity: 'minor', customerClass: 'ordinary' }, DEFAULT_POLICY, withExtra);
    // 1 Jan 2027 is now a holiday, Sat 2 and Sun 3 a weekend: Mon 4 Jan 17:00.
    expect(e.firstResponseDue).toBe(cn('2027-01-04T17:00:00'));
    expect(e.calendar.warnings).toEqual([]);
    expect(e.calendar.source).toMatch(/^chinese-days@1\.5\.7 \(data 2004–2026\) \+ extra holidays "holidays-2027\.json" fnv1a32:[0-9a-f]{8}$/);
  });

  it('rejects a severity or class the policy does not know', () => {
    expect(() => computeDeadlines({ receivedAt: 0, severity: 'urgent' as never, customerClass: 'ordinary' }, DEFAULT_POLICY)).toThrow(/severity: must be one of major, normal, minor/);
    expect(() => computeDeadlines({ receivedAt: '2026-09-30 17:30', severity: 'major', customerClass: 'ordinary' }, DEFAULT_POLICY)).toThrow(/receivedAt: must be epoch milliseconds or an ISO 8601 instant with offset/);
  });
});

describe('follow-up visit (回访) due', () => {
  it('is the 3rd working day after notification at the same wall time', () => {
    // Notified Wed 30 Sep 17:30: working days after it are Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (make-up) → Sat 17:30.
    expect(computeFollowUpDue(cn('2026-09-30T17:30:00'), DEFAULT_POLICY, calendar)).toBe(cn('2026-10-10T17:30:00'));
  });

  it('is the close of that day when the wall time is outside working hours', () => {
    // Notified Thu 24 Sep 12:30 (lunch): Mon 28, Tue 29, Wed 30 → 12:30 is not working time → Wed 30 Sep 18:00.
    expect(computeFollowUpDue(cn('2026-09-24T12:30:00'), DEFAULT_POLICY, calendar)).toBe(cn('2026-09-30T18:00:00'));
  });
});

describe('the compressed policy (24×7, seconds)', () => {
  it('counts wall-clock seconds, holidays included', () => {
    // 1 Oct is a holiday but the compressed calendar is 24×7: major ordinary 4 s / 12 s; warning at 9.6 s;
    // ladder at 12, 18, 24 s; follow-up 20 s after notification.
    const d = computeDeadlines({ receivedAt: cn('2026-10-01T10:00:00'), severity: 'major', customerClass: 'ordinary' }, COMPRESSED_POLICY);
    expect(d.firstResponseDue).toBe(cn('2026-10-01T10:00:04'));
    expect(d.resolutionDue).toBe(cn('2026-10-01T10:00:12'));
    expect(d.warningAt).toBe(cn('2026-10-01T10:00:09.600'));
    expect(d.escalations).toEqual(ladder('2026-10-01T10:00:12', '2026-10-01T10:00:18', '2026-10-01T10:00:24'));
    expect(d.calendar).toEqual({ source: '24x7 (every minute is working time; no holidays)', warnings: [] });
    expect(computeFollowUpDue(cn('2026-10-01T10:00:30'), COMPRESSED_POLICY)).toBe(cn('2026-10-01T10:00:50'));
  });

  it('takes epoch milliseconds as well as ISO strings', () => {
    const t = Date.parse('2026-10-01T02:00:00Z');
    expect(computeDeadlines({ receivedAt: t, severity: 'minor', customerClass: 'key' }, COMPRESSED_POLICY).firstResponseDue).toBe(cn('2026-10-01T10:00:08'));
  });
});

describe('policy files', () => {
  const read = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../policies/${name}`, import.meta.url), 'utf8'));

  it('policies/default.json and policies/compressed.json equal the exported constants', () => {
    expect(parsePolicy(read('default.json'))).toEqual(DEFAULT_POLICY);
    expect(parsePolicy(read('compressed.json'))).toEqual(COMPRESSED_POLICY);
    expect(read('default.json')).toEqual(DEFAULT_POLICY);
    expect(read('compressed.json')).toEqual(COMPRESSED_POLICY);
  });

  it('the constants are valid policies and parse to themselves', () => {
    expect(parsePolicy(JSON.stringify(DEFAULT_POLICY))).toEqual(DEFAULT_POLICY);
    expect(parsePolicy(COMPRESSED_POLICY)).toEqual(COMPRESSED_POLICY);
  });

  it('DEFAULT_POLICY carries docs/domain.md defaults', () => {
    const t = DEFAULT_POLICY.targets;
    expect(t.major.ordinary).toEqual({ firstResponse: { value: 30, unit: 'minutes' }, resolution: { value: 0.5, unit: 'working_days' } });
    expect(t.normal.ordinary).toEqual({ firstResponse: { value: 2, unit: 'hours' }, resolution: { value: 2, unit: 'working_days' } });
    expect(t.minor.ordinary).toEqual({ firstResponse: { value: 1, unit: 'working_days' }, resolution: { value: 5, unit: 'working_days' } });
    for (const s of ['major', 'normal', 'minor'] as const) {
      for (const k of ['firstResponse', 'resolution'] as const) {
        expect(t[s].key[k]).toEqual({ ...t[s].ordinary[k], value: t[s].ordinary[k].value / 2 });
      }
    }
    expect(t.major.notifyAtOnce).toEqual(['general_manager']);
    expect(DEFAULT_POLICY.warningFraction).toBe(0.8);
    expect(DEFAULT_POLICY.escalationLadder.map((s) => [s.role, s.afterBreach])).toEqual([
      ['supervisor', 0],
      ['manager', 0.5],
      ['general_manager', 1],
    ]);
    expect(DEFAULT_POLICY.followUp).toEqual({ withinWorkingDays: 3, ratingLevels: 5 });
  });
});

describe('parsePolicy errors name the field and the rule', () => {
  const clone = (): Record<string, unknown> => JSON.parse(JSON.stringify(DEFAULT_POLICY));
  const issuesOf = (input: unknown) => {
    try {
      parsePolicy(input);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect(e).toMatchObject({ kind: 'validation', code: 'validation_failed' });
      return (e as DomainError).issues;
    }
    throw new Error('expected parsePolicy to fail');
  };
  const edit = (f: (p: Policy & Record<string, unknown>) => void) => {
    const p = clone() as Policy & Record<string, unknown>;
    f(p);
    return p;
  };

  it('a missing field is required', () => {
    expect(issuesOf(edit((p) => delete (p as Partial<Policy>).warningFraction))).toEqual([{ field: 'warningFraction', rule: 'is required' }]);
  });

  it('the warning fraction lies strictly between 0 and 1', () => {
    expect(issuesOf(edit((p) => (p.warningFraction = 1.2)))).toEqual([{ field: 'warningFraction', rule: 'must be less than 1' }]);
  });

  it('a duration has a known unit and a positive value', () => {
    expect(issuesOf(edit((p) => ((p.targets.major.ordinary.resolution as { unit: string }).unit = 'days')))).toEqual([
      { field: 'targets.major.ordinary.resolution.unit', rule: 'must be one of seconds, minutes, hours, working_days' },
    ]);
    expect(issuesOf(edit((p) => (p.targets.minor.key.firstResponse.value = 0)))).toEqual([{ field: 'targets.minor.key.firstResponse.value', rule: 'must be greater than 0' }]);
  });

  it('a first response may not be due after the resolution', () => {
    expect(issuesOf(edit((p) => (p.targets.normal.key.firstResponse = { value: 2, unit: 'working_days' })))).toEqual([
      { field: 'targets.normal.key.firstResponse', rule: 'must not be longer than resolution' },
    ]);
  });

  it('escalation levels run 1, 2, 3 with offsets that do not go back', () => {
    expect(
      issuesOf(
        edit((p) => {
          p.escalationLadder = [
            { level: 1, role: 'supervisor', afterBreach: 0.5 },
            { level: 3, role: 'general_manager', afterBreach: 0 },
          ];
        }),
      ),
    ).toEqual([
      { field: 'escalationLadder.1.level', rule: 'must be 2 (levels run 1, 2, 3… in order)' },
      { field: 'escalationLadder.1.afterBreach', rule: 'must not be earlier than the previous level' },
    ]);
    expect(issuesOf(edit((p) => ((p.escalationLadder[0] as { role: string }).role = 'ceo')))).toEqual([
      { field: 'escalationLadder.0.role', rule: 'must be one of agent, supervisor, manager, general_manager, auditor, admin, sales_vp, committee, finance, marketing, expert, checker, performance, salesperson' },
    ]);
  });

  it('calendar settings: hours in order, Asia/Shanghai at +08:00', () => {
    expect(
      issuesOf(
        edit((p) => {
          p.calendar.workingHours = [
            { start: '09:00', end: '12:00' },
            { start: '11:30', end: '18:00' },
          ];
        }),
      ),
    ).toEqual([{ field: 'calendar.workingHours.1.start', rule: 'periods must be in order and must not overlap' }]);
    expect(issuesOf(edit((p) => (p.calendar.workingHours = [{ start: '9:00', end: '25:00' }])))).toEqual([
      { field: 'calendar.workingHours.0.start', rule: 'must be a time HH:MM between 00:00 and 24:00' },
      { field: 'calendar.workingHours.0.end', rule: 'must be a time HH:MM between 00:00 and 24:00' },
    ]);
    expect(issuesOf(edit((p) => (p.calendar.utcOffsetMinutes = 0)))).toEqual([{ field: 'calendar.utcOffsetMinutes', rule: 'must be 480 for Asia/Shanghai (UTC+08:00, no DST)' }]);
  });

  it('the follow-up window is either working days or a duration', () => {
    expect(issuesOf(edit((p) => (p.followUp = { withinWorkingDays: 3, within: { value: 1, unit: 'hours' }, ratingLevels: 5 })))).toEqual([
      { field: 'followUp.withinWorkingDays', rule: 'exactly one of withinWorkingDays or within must be set' },
    ]);
  });

  it('unknown fields and broken JSON are named', () => {
    expect(issuesOf(edit((p) => (p.warnFraction = 0.8)))).toEqual([{ field: 'warnFraction', rule: 'is not a known field' }]);
    const issues = issuesOf('{ "name": ');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: '(policy)', rule: expect.stringMatching(/^must be valid JSON/) });
  });

  it('the error message lists field: rule pairs', () => {
    expect(() => parsePolicy(edit((p) => (p.warningFraction = 0)))).toThrow('warningFraction: must be greater than 0');
  });
});
