import { describe, expect, it } from 'vitest';
import type { Deadline } from '../../src/domain/deadlines/schema';
import { DEFAULT_POLICY, SEED_001_POLICY } from '../../src/domain/policy';
import { enquiryProcess } from '../../src/processes/enquiry';
import { pendingEnquiryAlarms } from '../../src/processes/enquiry/decider';
import { enquiryRules } from '../../src/processes/enquiry/rules';
import type { EnquiryEvent } from '../../src/processes/enquiry/schemas';
import { specification } from '../support/given';

const given = specification(enquiryProcess, 'enquiry-E1');
const cn = (t: string) => `${t}+08:00`;

const answer: Deadline<'answer'> = {
  kind: 'answer',
  due: cn('2026-10-09T09:10:00'),
  targetMinutes: 10,
  warnAt: cn('2026-10-09T09:08:00'),
  escalations: [
    { level: 1, role: 'supervisor', at: cn('2026-10-09T09:10:00') },
    { level: 2, role: 'manager', at: cn('2026-10-09T09:15:00') },
    { level: 3, role: 'general_manager', at: cn('2026-10-09T09:20:00') },
  ],
};
const basis = { policy: 'default@4', calendar: { source: 'test', warnings: [] } };
const li = { actor: 'li.na', role: 'agent' as const };
const wang = { actor: 'wang.qiang', role: 'agent' as const };
const chen = { actor: 'chen.jing', role: 'agent' as const };
const zhao = { actor: 'zhao.min', role: 'supervisor' as const };
const received: EnquiryEvent = {
  type: 'EnquiryReceived',
  data: { enquiryId: 'E1', customerId: 'C1', channel: 'phone', topic: '发票如何开具', major: false, owner: 'li.na', receivedAt: cn('2026-10-09T09:00:00'), answer, basis },
};
const transferred: EnquiryEvent = { type: 'EnquiryTransferred', data: { enquiryId: 'E1', from: 'li.na', department: '财务部', to: 'chen.jing', reason: '开票属财务部' } };

describe('enquiry decider (首问负责制)', () => {
  it('whoever takes it first owns it; answered by them without a hand-over it counts as 一次办结', () => {
    given([])
      .when({ type: 'ReceiveEnquiry', by: li, now: received.data.receivedAt, data: { ...received.data, owner: 'li.na', major: false } as never, answer, basis })
      .then([{ type: 'EnquiryReceived', data: { owner: 'li.na', receivedAt: cn('2026-10-09T09:00:00') } }]);
    const events = given([received]).when({ type: 'AnswerEnquiry', by: li, now: cn('2026-10-09T09:06:00'), data: { answer: '可在线申请电子发票' } }).then([
      { type: 'EnquiryAnswered', data: { answeredBy: 'li.na', onTime: true, firstContact: true } },
    ]);
    expect(given([received, ...events]).state).toMatchObject({ status: 'answered', answer: { met: true, onTime: true } });
    given([received, ...events]).when({ type: 'CloseEnquiry', by: li, data: {} }).then([{ type: 'EnquiryClosed' }]);
  });

  it('outside their remit they hand it to the responsible department with the reason; the owner stays responsible', () => {
    given([received]).when({ type: 'TransferEnquiry', by: li, data: { department: '财务部', to: 'chen.jing', reason: '开票属财务部' } }).then([
      { type: 'EnquiryTransferred', data: { from: 'li.na', department: '财务部', to: 'chen.jing' } },
      { type: 'NotificationIssued', data: { recipient: 'actor:chen.jing', key: 'enquiry-E1#1:actor:chen.jing' } },
    ]);
    const s = given([received, transferred]).state;
    expect(s).toMatchObject({ status: 'transferred', owner: 'li.na', handler: 'chen.jing', department: '财务部', transfers: 1 });
    // The handler answers; after a hand-over it is not 一次办结, and late is late.
    given([received, transferred]).when({ type: 'AnswerEnquiry', by: chen, now: cn('2026-10-09T09:12:00'), data: { answer: '已开具' } }).then([
      { type: 'EnquiryAnswered', data: { answeredBy: 'chen.jing', onTime: false, firstContact: false } },
    ]);
  });

  it('only the owner, the handler and supervisors act; a closed or answered enquiry takes no answer', () => {
    given([received]).when({ type: 'AnswerEnquiry', by: wang, now: 'x', data: { answer: 'x' } }).rejects('forbidden', /belongs to li\.na/);
    given([received]).when({ type: 'AnswerEnquiry', by: { actor: 'a', role: 'auditor' }, now: 'x', data: { answer: 'x' } }).rejects('forbidden');
    given([received]).when({ type: 'AnswerEnquiry', by: zhao, now: cn('2026-10-09T09:01:00'), data: { answer: '答复' } }).then([{ type: 'EnquiryAnswered', data: { firstContact: false } }]);
    const answered: EnquiryEvent = { type: 'EnquiryAnswered', data: { enquiryId: 'E1', answer: 'x', answeredBy: 'li.na', onTime: true, firstContact: true } };
    given([received, answered]).when({ type: 'AnswerEnquiry', by: li, now: 'x', data: { answer: 'again' } }).rejects('illegal_state', /in state answered/);
    given([received, answered]).when({ type: 'TransferEnquiry', by: li, data: { department: '财务部', reason: 'x' } }).rejects('illegal_state');
    given([]).when({ type: 'AnswerEnquiry', by: li, now: 'x', data: { answer: 'x' } }).rejects('not_found');
    given([received]).when({ type: 'ReceiveEnquiry', by: li, now: 'x', data: received.data as never, answer, basis }).rejects('illegal_state', /already received/);
  });

  it('an unanswered enquiry is closed by a supervisor only, with a reason', () => {
    given([received]).when({ type: 'CloseEnquiry', by: li, data: { reason: '重复' } }).rejects('forbidden');
    given([received]).when({ type: 'CloseEnquiry', by: zhao, data: {} }).rejects('illegal_state', /reason: is required to close an enquiry that was not answered/);
    given([received]).when({ type: 'CloseEnquiry', by: zhao, data: { reason: '重复咨询' } }).then([{ type: 'EnquiryClosed', data: { reason: '重复咨询' } }]);
  });

  it('warns the handler and the owner, then escalates up the owner’s chain; an answer cancels what is pending', () => {
    const [warn, l1] = pendingEnquiryAlarms(given([received, transferred]).state);
    given([received, transferred]).when({ type: 'FireAlarm', now: warn!.at, alarm: warn! }).then([
      { type: 'EnquiryWarningIssued', data: { deadline: 'answer', warnAt: cn('2026-10-09T09:08:00') } },
      { type: 'NotificationIssued', data: { recipient: 'actor:chen.jing' } },
      { type: 'NotificationIssued', data: { recipient: 'actor:li.na' } },
    ]);
    given([received, transferred]).when({ type: 'FireAlarm', now: l1!.at, alarm: l1! }).then([
      { type: 'EnquiryEscalated', data: { level: 1, role: 'supervisor' } },
      { type: 'NotificationIssued', data: { recipient: 'role:supervisor', chainOf: 'li.na' } },
    ]);
    const answered: EnquiryEvent = { type: 'EnquiryAnswered', data: { enquiryId: 'E1', answer: 'x', answeredBy: 'li.na', onTime: true, firstContact: true } };
    expect(pendingEnquiryAlarms(given([received, answered]).state)).toEqual([]);
    given([received, answered]).when({ type: 'FireAlarm', now: l1!.at, alarm: l1! }).then([]);
  });

  it('a major matter goes to the general manager at once (立即向总经理汇报)', () => {
    given([]).when({ type: 'ReceiveEnquiry', by: li, now: received.data.receivedAt, data: { ...received.data, major: true } as never, answer, basis }).then([
      { type: 'EnquiryReceived' },
      { type: 'NotificationIssued', data: { recipient: 'role:general_manager' } },
    ]);
  });
});

describe('enquiry deadline under the policies', () => {
  it('ten business minutes: an enquiry at 11:55 on the eve of National Day is due on the first working day after it', () => {
    const { answer: d } = enquiryRules(DEFAULT_POLICY).answerDeadline(cn('2026-09-30T17:55:00'));
    // 5 minutes on Wed 30 Sep (to 18:00), 1–7 Oct are holidays, the other 5 on Thu 8 Oct from 09:00.
    expect(d).toMatchObject({ kind: 'answer', due: cn('2026-10-08T09:05:00'), targetMinutes: 10, warnAt: cn('2026-10-08T09:03:00') });
    expect(d.escalations.map((e) => `${e.role}@${e.at}`)).toEqual([`supervisor@${cn('2026-10-08T09:05:00')}`, `manager@${cn('2026-10-08T09:10:00')}`, `general_manager@${cn('2026-10-08T09:15:00')}`]);
  });

  it('seed-001 ships the seed’s own limits: enquiries in 10 minutes, every complaint in half a working day', () => {
    expect(SEED_001_POLICY.enquiries.answer).toEqual({ value: 10, unit: 'minutes' });
    for (const severity of ['major', 'normal', 'minor'] as const)
      for (const cls of ['ordinary', 'key'] as const) expect(SEED_001_POLICY.targets[severity][cls].resolution).toEqual({ value: 0.5, unit: 'working_days' });
    expect(enquiryRules(SEED_001_POLICY).answerDeadline(cn('2026-10-09T10:00:00')).basis.policy).toBe('seed-001@2');
  });
});
