import { describe, expect, it } from 'vitest';
import { extraHolidaysOf, type CalendarVersion } from '../../src/calendar/notice';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { complaintProcess } from '../../src/processes/complaint';
import { evolveComplaint, pendingAlarms, type ComplaintCommand, type OpenComplaint } from '../../src/processes/complaint/decider';
import type { ComplaintEvent, ComplaintEventOf } from '../../src/processes/complaint/schemas';
import { complaintRules, computeDeadlines } from '../../src/processes/complaint/sla';
import { checkEventData } from '../../src/events/catalogue';
import { specification } from '../support/given';

/** A minor complaint received 2026-12-31 16:00 (Beijing), when the holiday data ends with 2026. */
const RECEIVED_AT = '2026-12-31T16:00:00+08:00';
const given = specification(complaintProcess, 'complaint-K1');
const d = computeDeadlines({ receivedAt: RECEIVED_AT, severity: 'minor', customerClass: 'ordinary' }, DEFAULT_POLICY);
const received: ComplaintEvent = {
  type: 'ComplaintReceived',
  data: {
    complaintId: 'K1',
    customerId: 'C1',
    channel: 'phone',
    category: 'delivery',
    severity: 'minor',
    summary: '配送延迟',
    owner: 'li',
    customerClass: 'ordinary',
    receivedAt: RECEIVED_AT,
    firstResponse: d.firstResponse,
    resolution: d.resolution,
    basis: { policy: d.policy, calendar: d.calendar },
    notifyAtOnce: [],
  },
};
const v1: CalendarVersion = {
  version: 1,
  file: 'holidays-2027.json',
  digest: 'b'.repeat(64),
  source: 'test notice',
  years: [2027],
  holidays: [{ date: '2027-01-01', name: '元旦' }],
  workdays: [],
  importedBy: 'admin-1',
  importedAt: '2026-12-31T16:05:00+08:00',
};
const extraHolidays = extraHolidaysOf([v1])!;
const admin = { actor: 'admin-1', role: 'admin' as const };
const NOW = '2026-12-31T16:05:00+08:00';
const rules = complaintRules(DEFAULT_POLICY);

function replanCommand(state: OpenComplaint, by: { actor: string; role: 'admin' | 'agent' } = admin): ComplaintCommand {
  const r = rules.replan({ now: NOW, receivedAt: state.receivedAt, extraHolidays, ...(state.replannedOn ? { current: state.replannedOn } : {}), firstResponse: state.firstResponse.met ? null : state.firstResponse, resolution: state.resolution.met ? null : state.resolution, policyRef: state.basis.policy });
  return { type: 'ReplanDeadlines', by, now: NOW, calendarVersion: 1, ...r, extraHolidays };
}

describe('re-planning deadlines on an imported calendar version', () => {
  it('before the import, a minor complaint of 2026-12-31 16:00 is due on New Year’s Day, with the weekends-only warning in its state', () => {
    expect(d.firstResponseDue.slice(0, 10)).toBe('2027-01-01');
    expect(d.calendar.warnings).toEqual(['no holiday data for 2027; weekends only']);
    const state = given([received]).state as OpenComplaint;
    expect(state.calendarWarnings).toEqual(['no holiday data for 2027; weekends only']);
  });

  it('moves each open deadline off the new holiday, keeping its business time left, and records old and new instants', () => {
    const state = given([received]).state as OpenComplaint;
    const [event] = given([received]).when(replanCommand(state)).then([{ type: 'ComplaintDeadlinesReplanned', data: { complaintId: 'K1', calendarVersion: 1 } }]);
    const data = (event as ComplaintEventOf<'ComplaintDeadlinesReplanned'>).data;
    // What the workflow appends is checked against the catalogue's schema.
    expect(checkEventData('ComplaintDeadlinesReplanned', data)).toMatchObject({ ok: true });
    const first = data.moved.find((m) => m.deadline === 'first_response')!;
    expect(first.fromDue).toBe(d.firstResponseDue);
    // 2027-01-01 is a Friday: the holiday and the weekend pass, the same wall time on Monday the 4th.
    expect(first.toDue).toBe(`2027-01-04${d.firstResponseDue.slice(10)}`);
    expect(data.firstResponse!.due).toBe(first.toDue);
    expect(data.basis.calendar.warnings).toEqual([]);
    expect(data.basis.calendar.source).toContain('calendar v1');
    // Business time left is the same on both calendars, counted from the command's instant.
    const next = complaintRules({ ...DEFAULT_POLICY, calendar: { ...DEFAULT_POLICY.calendar, extraHolidays } });
    expect(next.businessMinutesBetween(NOW, first.toDue)).toBeCloseTo(rules.businessMinutesBetween(NOW, first.fromDue), 6);

    const after = evolveComplaint(state, event as ComplaintEvent) as OpenComplaint;
    expect(after.firstResponse.due).toBe(first.toDue);
    expect(after.calendarWarnings).toEqual([]);
    // The alarms move with the deadlines.
    const alarms = pendingAlarms(after);
    expect(alarms.some((a) => a.at.startsWith('2027-01-01'))).toBe(false);
    expect(alarms.find((a) => a.kind === 'escalation' && a.deadline === 'first_response')!.at).toBe(data.firstResponse!.escalations[0]!.at);
  });

  it('an answered deadline is not moved', () => {
    const ack: ComplaintEvent = { type: 'ComplaintAcknowledged', data: { complaintId: 'K1', onTime: true } };
    const state = given([received, ack]).state as OpenComplaint;
    const cmd = replanCommand(state);
    const [event] = given([received, ack]).when({ ...cmd, firstResponse: d.firstResponse } as ComplaintCommand).then([{ type: 'ComplaintDeadlinesReplanned' }]);
    const data = (event as ComplaintEventOf<'ComplaintDeadlinesReplanned'>).data;
    expect(data.firstResponse).toBeNull();
    expect(data.moved.map((m) => m.deadline)).not.toContain('first_response');
  });

  it('a second identical re-plan appends nothing; a closed complaint and a non-admin are refused', () => {
    const state = given([received]).state as OpenComplaint;
    const [event] = given([received]).when(replanCommand(state)).then([{ type: 'ComplaintDeadlinesReplanned' }]);
    const after = evolveComplaint(state, event as ComplaintEvent) as OpenComplaint;
    given([received, event as ComplaintEvent]).when(replanCommand(after)).then([]);
    const closed: ComplaintEvent = { type: 'ComplaintWithdrawn', data: { complaintId: 'K1', reason: '客户撤诉' } };
    given([received, closed]).when(replanCommand(state)).rejects('illegal_state', /no longer open/);
    given([received]).when(replanCommand(state, { actor: 'li', role: 'agent' })).rejects('forbidden', /allowed: admin/);
  });

  it('the command is admin-only in the registry and its event is in the catalogue with a schema', () => {
    expect(complaintProcess.commands.replanDeadlines!.roles).toEqual(['admin']);
    expect(complaintProcess.events.ComplaintDeadlinesReplanned).toBeDefined();
    const bad = complaintProcess.events.ComplaintDeadlinesReplanned!.schema.safeParse({ complaintId: 'K1', calendarVersion: 0, moved: [], firstResponse: null, resolution: null, basis: received.data.basis, extraHolidays });
    expect(bad.success).toBe(false);
  });

  it('after a re-plan, later commands compute on the new calendar (the follow-up due after notifying skips New Year’s Day)', () => {
    const state = given([received]).state as OpenComplaint;
    const [event] = given([received]).when(replanCommand(state)).then([{ type: 'ComplaintDeadlinesReplanned' }]);
    const after = evolveComplaint(state, event as ComplaintEvent);
    const notify = (s: typeof after) =>
      complaintProcess.commands.notify!.toCommand({ result: '已处理' }, { id: 'K1', now: '2026-12-31T17:00:00+08:00', by: admin, state: s, rules, patched: () => true } as never) as { followUpDue: string };
    // On the start calendar the 2027 days count as working days; on the re-planned one 1–3 January do not.
    expect(notify(state).followUpDue).toBe(rules.followUpDue('2026-12-31T17:00:00+08:00'));
    const onNew = complaintRules({ ...DEFAULT_POLICY, calendar: { ...DEFAULT_POLICY.calendar, extraHolidays } }).followUpDue('2026-12-31T17:00:00+08:00');
    expect(onNew).not.toBe(notify(state).followUpDue);
    expect(notify(after).followUpDue).toBe(onNew);
  });
});
