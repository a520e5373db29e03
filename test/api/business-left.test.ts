import { describe, expect, it } from 'vitest';
import { businessMinutesLeft } from '../../src/api/processes';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { calendarForPolicy } from '../../src/domain/policy/ref';

/** Business time left on a process view: counted on the calendar (working hours, weekends, holidays), not the wall clock. */
describe('business minutes left until open deadlines', () => {
  const calendar = calendarForPolicy(DEFAULT_POLICY);
  // Friday 2026-12-04 17:00 Beijing time; the next working time is Monday morning.
  const now = Date.parse('2026-12-04T09:00:00Z');

  it('counts working time only: over a weekend, a deadline on Monday 10:00 is an hour of business time away', () => {
    const state = { resolution: { due: '2026-12-07T02:00:00Z', met: false }, firstResponse: { due: '2026-12-04T08:00:00Z', met: true } };
    const left = businessMinutesLeft(state, calendar, now);
    const expected = calendar.businessMinutesBetween(now, Date.parse('2026-12-07T02:00:00Z'));
    expect(left).toEqual({ resolution: Math.round(expected * 10) / 10 });
    expect(expected).toBeLessThan(3 * 60); // far less than the 65 wall-clock hours
    expect(expected).toBeGreaterThan(0);
  });

  it('is negative once late, and leaves met deadlines and other values out', () => {
    const left = businessMinutesLeft({ resolution: { due: '2026-12-04T08:00:00Z', met: false }, note: 'x', followUpDue: '2026-12-10T00:00:00Z' }, calendar, now);
    expect(Object.keys(left)).toEqual(['resolution']);
    expect(left.resolution).toBeLessThan(0);
    expect(left.resolution).toBe(-Math.round(calendar.businessMinutesBetween(Date.parse('2026-12-04T08:00:00Z'), now) * 10) / 10);
  });

  it('while paused the clock stands still: counted from the pause', () => {
    const since = '2026-12-04T03:00:00Z';
    const state = { paused: { since }, resolution: { due: '2026-12-07T02:00:00Z', met: false } };
    const left = businessMinutesLeft(state, calendar, now);
    expect(left.resolution).toBe(Math.round(calendar.businessMinutesBetween(Date.parse(since), Date.parse('2026-12-07T02:00:00Z')) * 10) / 10);
    expect(businessMinutesLeft(state, calendar, now + 3_600_000)).toEqual(left);
  });
});
