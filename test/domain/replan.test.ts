import { describe, expect, it } from 'vitest';
import { extraHolidaysOf, type CalendarVersion } from '../../src/calendar/notice';
import { calendarForPolicy } from '../../src/domain/policy/ref';
import { mayMove, policyOn, replannedEventOf, REPLAN_FROM_STOP, settingsOn, type DeadlinesReplannedData } from '../../src/domain/deadlines/replan';
import { isNotification, type NotificationIssued } from '../../src/domain/notifications';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { decideWithNotifications, foldEntity, type Actor, type ProcessDefinition } from '../../src/domain/process';
import type { LedgerProjection, LedgerRow } from '../../src/domain/ledger';
import { parseOrThrow } from '../../src/domain/validation';
import { checkEventData, upcast } from '../../src/events/catalogue';
import { PROCESSES } from '../../src/processes/registry';
import { complaintProcess } from '../../src/processes/complaint';
import { complaintDeadlines, pendingAlarms, type OpenComplaint } from '../../src/processes/complaint/decider';
import { enquiryProcess } from '../../src/processes/enquiry';
import type { OpenEnquiry } from '../../src/processes/enquiry/decider';
import { changeProcess } from '../../src/processes/change';
import type { OpenChange } from '../../src/processes/change/decider';
import { correctiveProcess } from '../../src/processes/corrective';
import { customerProcess } from '../../src/processes/customer';
import type { OpenCorrective } from '../../src/processes/corrective/decider';

/**
 * The kernel's re-plan on new holiday data, for every process with deadlines: the holiday data ends with 2026, a
 * notice for 2027 makes 1–3 January holidays, and what was due on them moves, keeping its business time left.
 */
const version: CalendarVersion = {
  version: 1,
  file: 'holidays-2027.json',
  digest: 'b'.repeat(64),
  source: 'test notice',
  years: [2027],
  holidays: ['2027-01-01', '2027-01-02', '2027-01-03'].map((date) => ({ date, name: '元旦' })),
  workdays: [],
  importedBy: 'admin-1',
  importedAt: '2026-12-31T16:05:00+08:00',
};
const extraHolidays = extraHolidaysOf([version])!;
const admin: Actor = { actor: 'admin-1', role: 'admin' };
const li: Actor = { actor: 'li.na', role: 'agent' };
const before = calendarForPolicy(DEFAULT_POLICY);
const after = calendarForPolicy(policyOn(DEFAULT_POLICY, extraHolidays));
const IMPORTED = '2026-12-31T16:05:00+08:00';
const newYear = (iso: string) => iso.startsWith('2027-01-01') || iso.startsWith('2027-01-02') || iso.startsWith('2027-01-03');

type Recorded = { type: string; data: unknown } | NotificationIssued;

/**
 * One entity driven the way the workflow drives it: input parsed with the command's schema, the command built by its
 * `toCommand` with the run's rules on the calendar the state's deadlines use (as the kernel rebuilds them), decided
 * with notifications, folded; every event checked against the catalogue.
 */
function entity<S>(p: ProcessDefinition<S>, id: string, events: Recorded[] = []) {
  const state = () => foldEntity(p, events) as S;
  const command = (action: string, input: Record<string, unknown>, by: Actor, now: string, patched: (id: string) => boolean = () => true) => {
    const spec = p.commands[action]!;
    const policy = DEFAULT_POLICY;
    const rules = p.rules?.(policyOn(policy, p.deadlines?.calendarOf(state())));
    // What a look-up adds (the customer's class) joins the parsed input, as the gateway adds it.
    const { customerClass, ...typed } = input;
    return spec.toCommand({ ...(parseOrThrow(spec.input, typed) as object), ...(customerClass ? { customerClass } : {}) }, { id, now, by, state: state(), rules, policy, patched });
  };
  const run = (action: string, input: Record<string, unknown>, by: Actor, now: string, patched?: (id: string) => boolean): Recorded[] => {
    const out = decideWithNotifications(p, `${p.name}-${id}`, command(action, input, by, now, patched), state(), events.filter(isNotification).length) as Recorded[];
    for (const e of out) expect(checkEventData(e.type, e.data), e.type).toMatchObject({ ok: true });
    events.push(...out);
    return out;
  };
  const replan = (now = IMPORTED, patched?: (id: string) => boolean) => run('replanDeadlines', { calendarVersion: 1, extraHolidays }, admin, now, patched);
  const replanned = (out: Recorded[]) => out.find((e) => e.type === replannedEventOf(p))?.data as (DeadlinesReplannedData & Record<string, unknown>) | undefined;
  return { events, state, run, replan, replanned };
}

/** A ledger's row after the events, as the projector folds it. */
function ledgerRow(ledger: LedgerProjection, stream: string, events: Recorded[]): LedgerRow | undefined {
  let row: LedgerRow | undefined;
  events.forEach((e, revision) => {
    if (!ledger.handles.includes(e.type)) return;
    const next = ledger.evolve(row, { id: `e${revision}`, type: e.type, data: e.data, streamName: stream, revision, position: String(revision), recordedAt: IMPORTED, metadata: { actor: 'x', role: 'admin', occurredAt: IMPORTED } });
    if (next) row = next as LedgerRow;
  });
  return row;
}

const complaint = (receivedAt: string) => {
  const c = entity(complaintProcess, 'K1');
  c.run('receive', { complaintId: 'K1', customerId: 'C1', channel: 'phone', category: 'delivery', severity: 'minor', summary: '配送延迟', customerClass: 'ordinary' }, li, receivedAt);
  return c;
};

describe('the kernel re-plans every process with deadlines on new holiday data', () => {
  it('every process whose deadlines run on the calendar declares them, and gets the internal admin command and its event in the catalogue', () => {
    const withDeadlines = PROCESSES.filter((p) => p.deadlines).map((p) => p.name);
    expect(withDeadlines).toEqual(['customer', 'complaint', 'enquiry', 'change', 'corrective']);
    for (const p of PROCESSES.filter((x) => x.deadlines)) {
      const spec = p.commands.replanDeadlines!;
      expect(spec).toMatchObject({ type: 'ReplanDeadlines', roles: ['admin'], internal: true, patches: [REPLAN_FROM_STOP] });
      expect(checkEventData(replannedEventOf(p), {}).ok).toBe(false);
    }
    expect(replannedEventOf(changeProcess)).toBe('ChangeDeadlinesReplanned');
  });

  it('a minor complaint of 2026-12-31 16:00 due on New Year’s Day moves to Monday the 4th with its ladder; old and new instants are recorded, the ledger follows', () => {
    const c = complaint('2026-12-31T16:00:00+08:00');
    const received = c.state() as OpenComplaint;
    expect(received.firstResponse.due.slice(0, 10)).toBe('2027-01-01');
    expect(received.calendarWarnings).toEqual(['no holiday data for 2027; weekends only']);
    const data = c.replanned(c.replan())!;
    const first = data.moved.find((m) => m.deadline === 'first_response')!;
    expect(first.fromDue).toBe(received.firstResponse.due);
    expect(first.toDue).toBe(`2027-01-04${received.firstResponse.due.slice(10)}`);
    expect(data.basis.calendar.warnings).toEqual([]);
    expect(data.basis.calendar.source).toContain('calendar v1');
    expect(data.deadlines.firstResponse!.due).toBe(first.toDue);
    expect(after.businessMinutesBetween(IMPORTED, first.toDue)).toBeCloseTo(before.businessMinutesBetween(IMPORTED, first.fromDue), 6);
    const s = c.state() as OpenComplaint;
    expect(s.firstResponse.due).toBe(first.toDue);
    expect(s.calendarWarnings).toEqual([]);
    expect(pendingAlarms(s).some((a) => newYear(a.at))).toBe(false);
    // The alarms move with the deadlines.
    expect(pendingAlarms(s).find((a) => a.kind === 'escalation' && a.deadline === 'first_response')!.at).toBe(data.deadlines.firstResponse!.escalations[0]!.at);
    // The catalogue's schema refuses a bad one, naming the field.
    expect(checkEventData('ComplaintDeadlinesReplanned', { ...data, calendarVersion: 0 })).toMatchObject({ ok: false, problem: expect.stringContaining('calendarVersion') });
    const row = ledgerRow(complaintProcess.ledgers[0]!, 'complaint-K1', c.events)!;
    expect(row.first_response_due).toBe(first.toDue);
    expect(row.resolution_due).toBe(s.resolution.due);
  });

  it('an import sends the re-plan only where the notice may move something: running deadlines in its year, on another calendar', () => {
    const inForce = { source: after.source, extraHolidays };
    const c = complaint('2026-12-31T16:00:00+08:00');
    expect(mayMove(complaintDeadlines, c.state(), inForce, [2027])).toBe(true);
    // Another year's notice still reaches it: its deadlines were computed on weekends-only data for 2027.
    expect(mayMove(complaintDeadlines, c.state(), inForce, [2028])).toBe(true);
    // Due within 2026, on holiday data: nothing to move.
    expect(mayMove(complaintDeadlines, complaint('2026-12-01T10:00:00+08:00').state(), inForce, [2027])).toBe(false);
    // Started on the calendar in force (its basis says so): nothing either.
    const started = { ...(c.state() as OpenComplaint), basis: { policy: 'default@5', calendar: { source: after.source, warnings: [] } } };
    expect(mayMove(complaintDeadlines, started, inForce, [2027])).toBe(false);
    // Once re-planned onto the holidays in force, a re-import sends nothing.
    c.replan();
    expect(mayMove(complaintDeadlines, c.state(), inForce, [2027])).toBe(false);
    // The settings with the same holidays are one object, so their calendar is built once.
    expect(settingsOn(DEFAULT_POLICY.calendar, extraHolidays)).toBe(settingsOn(DEFAULT_POLICY.calendar, extraHolidays));
  });

  it('a met deadline stays; the same re-plan again appends nothing; a closed complaint and an agent are refused', () => {
    const c = complaint('2026-12-31T16:00:00+08:00');
    c.run('acknowledge', {}, li, '2026-12-31T16:01:00+08:00');
    const data = c.replanned(c.replan())!;
    expect(Object.keys(data.deadlines)).toEqual(['resolution']);
    expect(data.moved.map((m) => m.deadline)).toEqual(['resolution']);
    expect(c.replan()).toEqual([]);
    expect(() => c.run('replanDeadlines', { calendarVersion: 1, extraHolidays }, li, IMPORTED)).toThrow(/allowed: admin/);
    c.run('withdraw', { reason: '客户撤诉' }, li, IMPORTED);
    expect(() => c.replan()).toThrow(/not open/);
  });

  it('after a re-plan the run computes later deadlines on the new calendar (the follow-up after notifying skips the holiday)', () => {
    const c = complaint('2026-12-31T16:00:00+08:00');
    c.replan();
    c.run('acknowledge', {}, li, '2026-12-31T16:10:00+08:00');
    c.run('verify', { findings: '物流延误' }, li, '2026-12-31T16:15:00+08:00');
    c.run('propose', { plan: '补发' }, li, '2026-12-31T16:20:00+08:00');
    c.run('notify', { result: '已处理' }, li, '2026-12-31T17:00:00+08:00');
    const s = c.state() as OpenComplaint;
    expect(s.followUpDue).toBe(computeDeadlineFollowUp(policyOn(DEFAULT_POLICY, extraHolidays)));
    expect(s.followUpDue).not.toBe(computeDeadlineFollowUp(DEFAULT_POLICY));
  });

  it('a paused complaint keeps the business time it had left at its pause; resumed, it shifts by the pause on the new calendar', () => {
    const c = complaint('2026-12-31T16:00:00+08:00');
    c.run('pause', { reason: '等待客户提供照片' }, li, '2026-12-31T16:30:00+08:00');
    const paused = c.state() as OpenComplaint;
    // Imported during the holiday: counted from now, the business time between the pause and the import would be lost.
    const data = c.replanned(c.replan('2027-01-02T10:00:00+08:00'))!;
    const first = data.moved.find((m) => m.deadline === 'first_response')!;
    const left = before.businessMsBetween('2026-12-31T16:30:00+08:00', paused.firstResponse.due);
    expect(after.businessMsBetween('2026-12-31T16:30:00+08:00', first.toDue)).toBe(left);
    c.run('resume', {}, li, '2027-01-04T10:00:00+08:00');
    const resumed = c.state() as OpenComplaint;
    // The pause held 16:30–17:30 on the 31st and 08:30–10:00 on the 4th: on the new calendar the holiday is no business time.
    const pausedMs = after.businessMsBetween('2026-12-31T16:30:00+08:00', '2027-01-04T10:00:00+08:00');
    expect(resumed.pausedBusinessMinutes).toBeCloseTo(pausedMs / 60_000, 6);
    expect(after.businessMsBetween('2027-01-04T10:00:00+08:00', resumed.firstResponse.due)).toBe(left);
  });

  it('a history recorded before the pause rule replays the earlier counting, from the import', () => {
    const c = complaint('2026-12-31T16:00:00+08:00');
    c.run('pause', { reason: '等待客户提供照片' }, li, '2026-12-31T16:30:00+08:00');
    const paused = c.state() as OpenComplaint;
    const data = c.replanned(c.replan('2027-01-01T12:00:00+08:00', (id) => id !== REPLAN_FROM_STOP))!;
    const first = data.moved.find((m) => m.deadline === 'first_response')!;
    expect(after.businessMsBetween('2027-01-01T12:00:00+08:00', first.toDue)).toBe(before.businessMsBetween('2027-01-01T12:00:00+08:00', paused.firstResponse.due));
    expect(after.businessMsBetween('2026-12-31T16:30:00+08:00', first.toDue)).not.toBe(before.businessMsBetween('2026-12-31T16:30:00+08:00', paused.firstResponse.due));
  });

  it('an event of the complaint’s own first version upcasts to the kernel’s shape and folds the same', () => {
    const c = complaint('2026-12-31T16:00:00+08:00');
    const [received] = c.events;
    const data = c.replanned(c.replan())!;
    const { deadlines, ...rest } = data;
    const v1 = { ...rest, firstResponse: deadlines.firstResponse ?? null, resolution: deadlines.resolution ?? null };
    const up = upcast('ComplaintDeadlinesReplanned', 1, v1);
    expect(up).toEqual(data);
    expect(foldEntity(complaintProcess, [received!, { type: 'ComplaintDeadlinesReplanned', data: up }])).toEqual(foldEntity(complaintProcess, [received!, { type: 'ComplaintDeadlinesReplanned', data }]));
  });

  it('an enquiry to answer within 10 business minutes of 2026-12-31 17:55 moves off New Year’s Day; the enquiries ledger follows', () => {
    const e = entity(enquiryProcess, 'E1');
    e.run('receive', { enquiryId: 'E1', customerId: 'C1', channel: 'phone', topic: '发票如何开具' }, li, '2026-12-31T17:55:00+08:00');
    const was = (e.state() as OpenEnquiry).answer;
    expect(newYear(was.due)).toBe(true);
    const data = e.replanned(e.replan())!;
    expect(data).toMatchObject({ enquiryId: 'E1', calendarVersion: 1, moved: [{ deadline: 'answer', fromDue: was.due }] });
    const now = (e.state() as OpenEnquiry).answer;
    expect(now.due.slice(0, 10)).toBe('2027-01-04');
    expect(after.businessMsBetween(IMPORTED, now.due)).toBe(before.businessMsBetween(IMPORTED, was.due));
    expect(ledgerRow(enquiryProcess.ledgers[0]!, 'enquiry-E1', e.events)!.answer_due).toBe(now.due);
    e.run('answer', { answer: '可在线申请电子发票' }, li, '2027-01-04T08:31:00+08:00');
    expect(() => e.replan()).toThrow(/not open/);
  });

  it('a change request in review moves its review limit; the next step’s limit is computed on the new calendar; the changes ledger follows', () => {
    const ch = entity(changeProcess, 'B1');
    ch.run(
      'submit',
      { changeId: 'B1', customerId: 'C1', kind: 'delivery_date', description: '交付日期由 1 月 5 日改为 1 月 20 日', reason: '客户现场未具备安装条件', amount: 0, affects: '合同 HT-2026-031', customerClass: 'ordinary' },
      li,
      '2026-12-30T16:00:00+08:00',
    );
    const was = (ch.state() as OpenChange).review;
    expect(was.due).toBe('2027-01-01T16:00:00+08:00');
    const data = ch.replanned(ch.replan())!;
    expect(data.moved).toMatchObject([{ deadline: 'review', fromDue: was.due, toDue: '2027-01-04T16:00:00+08:00' }]);
    const s = ch.state() as OpenChange;
    expect(s.review.due).toBe('2027-01-04T16:00:00+08:00');
    expect(s.replannedOn).toEqual(extraHolidays);
    expect(ledgerRow(changeProcess.ledgers[0]!, 'change-B1', ch.events)!.step_due).toBe('2027-01-04T16:00:00+08:00');
  });

  it('a customer moves the time limit of each change still waiting for its checkers', () => {
    const c = entity(customerProcess, 'C1');
    c.run('register', { customerId: 'C1', name: '上海某物业', phone: '13800138000', type: 'owner', grade: 'B' }, li, '2026-12-31T16:00:00+08:00');
    const step = () => (c.state() as { changes: Array<{ changeId: string; step: { deadline: { due: string } } }> }).changes[0]!;
    expect(step().step.deadline.due).toBe('2027-01-04T16:00:00+08:00');
    const data = c.replanned(c.replan())!;
    expect(data.moved).toMatchObject([{ deadline: 'approval', fromDue: '2027-01-04T16:00:00+08:00', toDue: '2027-01-05T16:00:00+08:00' }]);
    expect(Object.keys(data.deadlines)).toEqual([step().changeId]);
    expect(step().step.deadline.due).toBe('2027-01-05T16:00:00+08:00');
    // Nothing more to move: no event, although the state keeps no basis to compare.
    expect(c.replan()).toEqual([]);
  });

  it('a corrective action moves the deadline of the step it is in', () => {
    const a = entity(correctiveProcess, 'R1');
    a.run('open', { correctiveId: 'R1', surveyId: 'S1', dimension: 'delivery', label: '交付及时性', negatives: { dissatisfied: 3, very_dissatisfied: 1 }, answers: 20 }, { actor: 'taizhang', role: 'system' }, '2026-12-31T16:00:00+08:00');
    const was = (a.state() as OpenCorrective).current;
    // Three working days to name an owner: 1 January counted on weekends-only data, not on the notice's.
    expect(was.due).toBe('2027-01-05T16:00:00+08:00');
    const data = a.replanned(a.replan());
    expect(data!.moved).toMatchObject([{ deadline: 'assign', fromDue: was.due, toDue: '2027-01-06T16:00:00+08:00' }]);
    const now = (a.state() as OpenCorrective).current;
    expect(after.businessMsBetween(IMPORTED, now.due)).toBe(before.businessMsBetween(IMPORTED, was.due));
    expect(ledgerRow(correctiveProcess.ledgers[0]!, 'corrective-R1', a.events)!.current_due).toBe(now.due);
  });
});

/** When the follow-up visit is due after a notification at 2026-12-31 17:00, on a policy's calendar. */
function computeDeadlineFollowUp(policy: typeof DEFAULT_POLICY): string {
  return (complaintProcess.rules!(policy) as { followUpDue(at: string): string }).followUpDue('2026-12-31T17:00:00+08:00');
}
