import { describe, expect, it } from 'vitest';
import type { Deadline } from '../../src/domain/deadlines/schema';
import { complaintProcess } from '../../src/processes/complaint';
import { pendingAlarms } from '../../src/processes/complaint/decider';
import type { ComplaintEvent, DeadlineKind } from '../../src/processes/complaint/schemas';
import { specification } from '../support/given';

const given = specification(complaintProcess, 'complaint-K1');

const dl = (kind: DeadlineKind, due: string, warnAt: string, esc: Array<[number, string, string]>): Deadline<DeadlineKind> => ({
  kind,
  due,
  targetMinutes: 120,
  warnAt,
  escalations: esc.map(([level, role, at]) => ({ level, role: role as never, at })),
});
const firstResponse = dl('first_response', '2026-10-09T11:00:00+08:00', '2026-10-09T10:36:00+08:00', [
  [1, 'supervisor', '2026-10-09T11:00:00+08:00'],
  [2, 'manager', '2026-10-09T11:30:00+08:00'],
]);
const resolution = dl('resolution', '2026-10-12T11:00:00+08:00', '2026-10-12T09:00:00+08:00', [[1, 'supervisor', '2026-10-12T11:00:00+08:00']]);
const basis = { policy: 'default', calendar: { source: 'test', warnings: [] } };
const agent = { actor: 'li', role: 'agent' as const };
const otherAgent = { actor: 'wang', role: 'agent' as const };
const supervisor = { actor: 'zhao', role: 'supervisor' as const };
const received: ComplaintEvent = {
  type: 'ComplaintReceived',
  data: {
    complaintId: 'K1',
    customerId: 'C1',
    channel: 'phone',
    category: 'service_attitude',
    severity: 'normal',
    summary: '维修人员迟到',
    owner: 'li',
    customerClass: 'ordinary',
    receivedAt: '2026-10-09T09:00:00+08:00',
    firstResponse,
    resolution,
    basis,
    notifyAtOnce: [],
  },
};
const ack: ComplaintEvent = { type: 'ComplaintAcknowledged', data: { complaintId: 'K1', onTime: true } };
const verified: ComplaintEvent = { type: 'ComplaintVerified', data: { complaintId: 'K1', findings: '属实', departments: [] } };
const proposed: ComplaintEvent = { type: 'ResolutionProposed', data: { complaintId: 'K1', plan: '道歉并补偿' } };
const notified: ComplaintEvent = { type: 'CustomerNotified', data: { complaintId: 'K1', result: '已补偿', onTime: true, followUpDue: '2026-10-15T11:00:00+08:00' } };

describe('complaint decider', () => {
  it('receives a complaint with the deadlines computed for it', () => {
    given([]).when({ type: 'ReceiveComplaint', by: agent, now: '2026-10-09T09:00:00+08:00', data: { ...received.data, requestedCompensation: undefined } as never, firstResponse, resolution, basis, notifyAtOnce: [] }).then([
      { type: 'ComplaintReceived', data: { owner: 'li', receivedAt: '2026-10-09T09:00:00+08:00' } },
    ]);
  });

  it('walks the whole process: acknowledge, verify, propose, notify, follow up, close', () => {
    given([received]).when({ type: 'AcknowledgeComplaint', by: agent, now: '2026-10-09T10:00:00+08:00', data: {} }).then([{ type: 'ComplaintAcknowledged', data: { onTime: true } }]);
    given([received, ack]).when({ type: 'VerifyComplaint', by: agent, data: { findings: '属实', departments: ['工程部'] } }).then([{ type: 'ComplaintVerified' }]);
    given([received, ack, verified]).when({ type: 'ProposeResolution', by: agent, data: { plan: '道歉' } }).then([{ type: 'ResolutionProposed' }]);
    given([received, ack, verified, proposed])
      .when({ type: 'NotifyCustomer', by: agent, now: '2026-10-12T12:00:00+08:00', followUpDue: '2026-10-15T12:00:00+08:00', data: { result: '已处理' } })
      .then([{ type: 'CustomerNotified', data: { onTime: false, followUpDue: '2026-10-15T12:00:00+08:00' } }]);
    given([received, ack, verified, proposed, notified]).when({ type: 'RecordFollowUp', by: agent, satisfied: true, data: { rating: 4 } }).then([{ type: 'FollowUpRecorded', data: { satisfied: true } }]);
    const s = given([received, ack, verified, proposed, notified, { type: 'FollowUpRecorded', data: { complaintId: 'K1', rating: 5, satisfied: true } }]);
    s.when({ type: 'CloseComplaint', by: agent, data: {} }).then([{ type: 'ComplaintClosed' }]);
  });

  it('a negative follow-up reopens the complaint with a new resolution deadline', () => {
    const reopened = given([received, ack, verified, proposed, notified]).when({
      type: 'RecordFollowUp',
      by: agent,
      satisfied: false,
      data: { rating: 2, comment: '不满意' },
      reopen: { resolution: { ...resolution, due: '2026-10-20T11:00:00+08:00' }, basis },
    });
    const events = reopened.then([{ type: 'FollowUpRecorded', data: { satisfied: false } }, { type: 'ComplaintReopened', data: { reason: 'negative follow-up rating 2' } }]);
    const after = given([received, ack, verified, proposed, notified, ...events]).state;
    expect(after).toMatchObject({ status: 'acknowledged', reopenCount: 1, resolution: { due: '2026-10-20T11:00:00+08:00', met: false } });
  });

  it('rejects invalid transitions naming the state and the reason', () => {
    given([received]).when({ type: 'VerifyComplaint', by: agent, data: { findings: 'x', departments: [] } }).rejects('illegal_state', /in state received: acknowledge it first/);
    given([received]).when({ type: 'NotifyCustomer', by: agent, now: 'x', followUpDue: 'y', data: { result: 'x' } }).rejects('illegal_state', /in state received/);
    given([received, ack]).when({ type: 'AcknowledgeComplaint', by: agent, now: 'x', data: {} }).rejects('illegal_state', /in state acknowledged/);
    given([]).when({ type: 'AcknowledgeComplaint', by: agent, now: 'x', data: {} }).rejects('not_found');
    given([received]).when({ type: 'ReceiveComplaint', by: agent, now: 'x', data: received.data as never, firstResponse, resolution, basis, notifyAtOnce: [] }).rejects('illegal_state', /already received/);
    given([received, { type: 'ComplaintWithdrawn', data: { complaintId: 'K1', reason: '客户撤诉' } }])
      .when({ type: 'AssignComplaint', by: supervisor, data: { to: 'wang' } })
      .rejects('illegal_state', /in state withdrawn/);
  });

  it('agents act on their own complaints; supervisors reassign and close any; auditors only read', () => {
    given([received]).when({ type: 'AcknowledgeComplaint', by: otherAgent, now: 'x', data: {} }).rejects('forbidden', /belongs to li/);
    given([received]).when({ type: 'AcknowledgeComplaint', by: { actor: 'a', role: 'auditor' }, now: 'x', data: {} }).rejects('forbidden');
    given([received]).when({ type: 'AssignComplaint', by: supervisor, data: { to: 'wang', reason: '休假' } }).then([{ type: 'ComplaintAssigned', data: { from: 'li', to: 'wang' } }, { type: 'NotificationIssued', data: { recipient: 'actor:wang' } }]);
    given([received, ack]).when({ type: 'CloseComplaint', by: agent, data: { reason: 'x' } }).rejects('forbidden');
    given([received, ack]).when({ type: 'CloseComplaint', by: supervisor, data: {} }).rejects('illegal_state', /reason: is required to close a complaint before a satisfied follow-up visit/);
    given([received, ack]).when({ type: 'CloseComplaint', by: supervisor, data: { reason: '重复投诉' } }).then([{ type: 'ComplaintClosed' }]);
  });

  it('pending alarms: warning then the ladder, earliest first; meeting the deadline cancels them; none while paused', () => {
    const s = given([received]).state;
    expect(pendingAlarms(s).map((a) => `${a.kind}:${'deadline' in a ? a.deadline : ''}:${'level' in a ? a.level : ''}`)).toEqual([
      'warning:first_response:',
      'escalation:first_response:1',
      'escalation:first_response:2',
      'warning:resolution:',
      'escalation:resolution:1',
    ]);
    expect(pendingAlarms(given([received, ack]).state).every((a) => 'deadline' in a && a.deadline === 'resolution')).toBe(true);
    expect(pendingAlarms(given([received, { type: 'ComplaintPaused', data: { complaintId: 'K1', reason: '等待客户资料', pausedAt: '2026-10-09T09:10:00+08:00' } }]).state)).toEqual([]);
  });

  it('an alarm fires once, never before its instant, and not after its deadline was met', () => {
    const warn = pendingAlarms(given([received]).state)[0]!;
    given([received]).when({ type: 'FireAlarm', now: '2026-10-09T10:35:59+08:00', alarm: warn }).then([]);
    const events = given([received]).when({ type: 'FireAlarm', now: warn.at, alarm: warn }).then([{ type: 'DeadlineWarningIssued', data: { deadline: 'first_response' } }, { type: 'NotificationIssued' }]);
    given([received, ...events]).when({ type: 'FireAlarm', now: warn.at, alarm: warn }).then([]);
    const esc = pendingAlarms(given([received]).state)[1]!;
    const escalated = given([received]).when({ type: 'FireAlarm', now: esc.at, alarm: esc }).then([{ type: 'ComplaintEscalated', data: { level: 1, role: 'supervisor' } }, { type: 'NotificationIssued' }]);
    expect(given([received, ...escalated]).state).toMatchObject({ escalationLevel: 1, breached: true });
    given([received, ack]).when({ type: 'FireAlarm', now: esc.at, alarm: esc }).then([]);
  });

  it('resume moves unmet deadlines and keeps what already fired', () => {
    const paused: ComplaintEvent = { type: 'ComplaintPaused', data: { complaintId: 'K1', reason: '等待客户', pausedAt: '2026-10-09T09:10:00+08:00' } };
    given([received, paused]).when({ type: 'PauseComplaint', by: agent, now: 'x', data: { reason: 'again' } }).rejects('illegal_state', /already paused/);
    given([received, paused]).when({ type: 'AcknowledgeComplaint', by: agent, now: 'x', data: {} }).rejects('illegal_state', /resume it first/);
    const moved = { ...firstResponse, due: '2026-10-09T12:00:00+08:00' };
    const events = given([received, paused]).when({ type: 'ResumeComplaint', by: agent, now: '2026-10-09T10:10:00+08:00', pausedBusinessMinutes: 60, firstResponse: moved, resolution: null }).then([
      { type: 'ComplaintResumed', data: { pausedBusinessMinutes: 60 } },
    ]);
    expect(given([received, paused, ...events]).state).toMatchObject({ paused: null, pausedBusinessMinutes: 60, firstResponse: { due: '2026-10-09T12:00:00+08:00', met: false } });
  });

  it('issues the notifications an event calls for in the same decision, each with its own key', () => {
    const esc = pendingAlarms(given([received]).state)[1]!;
    const events = given([received]).when({ type: 'FireAlarm', now: esc.at, alarm: esc }).then([
      { type: 'ComplaintEscalated' },
      { type: 'NotificationIssued', data: { recipient: 'role:supervisor', key: 'complaint-K1#1:role:supervisor', about: 'ComplaintEscalated' } },
    ]);
    const warn = pendingAlarms(given([received, ...events]).state)[0]!;
    given([received, ...events]).when({ type: 'FireAlarm', now: warn.at, alarm: warn }).then([{ type: 'DeadlineWarningIssued' }, { type: 'NotificationIssued', data: { recipient: 'actor:li', key: 'complaint-K1#2:actor:li' } }]);
    const major = { ...received, data: { ...received.data, severity: 'major' as const, notifyAtOnce: ['general_manager' as const] } };
    given([]).when({ type: 'ReceiveComplaint', by: agent, now: 'x', data: major.data as never, firstResponse, resolution, basis, notifyAtOnce: ['general_manager'] }).then([
      { type: 'ComplaintReceived' },
      { type: 'NotificationIssued', data: { recipient: 'role:general_manager' } },
    ]);
  });
});
