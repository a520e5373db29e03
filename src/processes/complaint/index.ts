import { deadlineAlarmReason } from '../../domain/deadlines/deadline';
import type { CustomerClass } from '../../domain/enums';
import { notFound } from '../../domain/errors';
import { commandsOf, defineProcess, type CommandContext } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { customerClassLookup } from '../customer/lookup';
import { complaintDeadlines, complaintDecider, isFinal, pendingAlarms, type ComplaintAlarm, type ComplaintCommand, type ComplaintState, type OpenComplaint } from './decider';
import { complaintsLedger, followUpsLedger } from './ledger';
import { complaintNotifications } from './notifications';
import {
  assignInput,
  complaintEvents,
  followUpInput,
  noteInput,
  notifyInput,
  optionalReasonInput,
  proposeInput,
  reasonInput,
  receiveComplaintInput,
  verifyInput,
  type ComplaintEvent,
  type ReceiveComplaintInput,
} from './schemas';
import { complaintRules, type ComplaintRules } from './sla';

const command = commandsOf<ComplaintState, ComplaintCommand, ComplaintRules>({ roles: STAFF_ROLES });

function received(ctx: CommandContext<ComplaintState, ComplaintRules>): OpenComplaint {
  if (ctx.state.status === 'none') throw notFound('complaint.not_found', `complaint ${ctx.id} has not been received`);
  return ctx.state;
}

/** 投诉 (complaint): `complaint-<id>`, from receipt (受理) to close (结案), on the SLA's business-time deadlines. */
export const complaintProcess = defineProcess<ComplaintState, ComplaintCommand, ComplaintEvent, ComplaintRules, ComplaintAlarm>({
  name: 'complaint',
  collection: 'complaints',
  title: { zh: '投诉', en: 'Complaint' },
  idPrefix: 'K',
  decider: complaintDecider,
  rules: complaintRules,
  commands: {
    receive: command({
      type: 'ReceiveComplaint',
      summary: 'Receive a complaint (受理); returns once ComplaintReceived is durable',
      creates: true,
      input: receiveComplaintInput,
      // The customer's class at the moment of receipt, from the customer's own stream (pending registrations too).
      lookup: (input, lookups) => customerClassLookup(input.customerId, lookups),
      toCommand(input: ReceiveComplaintInput & { customerClass?: CustomerClass }, ctx) {
        // The class comes with the command; workflows started by earlier code carried it in their input.
        const customerClass = input.customerClass ?? (ctx.start?.customerClass as CustomerClass | undefined) ?? 'ordinary';
        const deadlines = ctx.rules.deadlines({ receivedAt: ctx.now, severity: input.severity, customerClass });
        return { type: 'ReceiveComplaint', by: ctx.by, now: ctx.now, data: { ...input, owner: input.owner ?? ctx.by.actor, customerClass }, ...deadlines };
      },
    }),
    acknowledge: command({
      type: 'AcknowledgeComplaint',
      summary: 'First response (首次响应)',
      input: noteInput,
      toCommand: (input, ctx) => ({ type: 'AcknowledgeComplaint', by: ctx.by, now: ctx.now, data: input }),
    }),
    verify: command({ type: 'VerifyComplaint', summary: 'Record the verification (核实)', input: verifyInput, toCommand: (input, ctx) => ({ type: 'VerifyComplaint', by: ctx.by, data: input }) }),
    assign: command({ type: 'AssignComplaint', summary: 'Reassign to another owner (转交)', input: assignInput, toCommand: (input, ctx) => ({ type: 'AssignComplaint', by: ctx.by, data: input }) }),
    propose: command({ type: 'ProposeResolution', summary: 'Propose a resolution (处理方案)', input: proposeInput, toCommand: (input, ctx) => ({ type: 'ProposeResolution', by: ctx.by, data: input }) }),
    notify: command({
      type: 'NotifyCustomer',
      summary: 'Notify the customer of the result (通知客户)',
      input: notifyInput,
      toCommand: (input, ctx) => ({ type: 'NotifyCustomer', by: ctx.by, now: ctx.now, followUpDue: ctx.rules.followUpDue(ctx.now), data: input }),
    }),
    followUp: command({
      type: 'RecordFollowUp',
      summary: 'Record the follow-up visit, rating 1–5 (回访)',
      input: followUpInput,
      toCommand(input, ctx) {
        const rules = ctx.rules;
        const satisfied = rules.satisfied(input.rating);
        const s = ctx.state;
        // A negative visit reopens the complaint with a fresh resolution deadline, counted from now.
        const reopen = !satisfied && s.status !== 'none' ? rules.reopened({ reopenedAt: ctx.now, severity: s.severity, customerClass: s.customerClass }) : undefined;
        // The visit records the instant it was due, for the follow-up ledger. Only the appended event's data changes, not a
        // workflow command, so a recorded history replays as it was (no patch: a patch marker in every command's handler
        // is one more thing a replay must meet in the same order).
        const dueAt = s.status !== 'none' ? (s.followUpDue ?? undefined) : undefined;
        return { type: 'RecordFollowUp', by: ctx.by, satisfied, data: input, ...(reopen ? { reopen } : {}), ...(dueAt ? { dueAt } : {}) };
      },
    }),
    close: command({ type: 'CloseComplaint', summary: 'Close (结案)', input: optionalReasonInput, toCommand: (input, ctx) => ({ type: 'CloseComplaint', by: ctx.by, data: input }) }),
    reopen: command({
      type: 'ReopenComplaint',
      summary: 'Reopen',
      input: reasonInput,
      toCommand(input, ctx) {
        const s = received(ctx);
        return { type: 'ReopenComplaint', by: ctx.by, data: input, ...ctx.rules.reopened({ reopenedAt: ctx.now, severity: s.severity, customerClass: s.customerClass }) };
      },
    }),
    pause: command({
      type: 'PauseComplaint',
      summary: 'Pause the SLA clock while waiting on the customer',
      input: reasonInput,
      toCommand: (input, ctx) => ({ type: 'PauseComplaint', by: ctx.by, now: ctx.now, data: input }),
    }),
    resume: command({
      type: 'ResumeComplaint',
      summary: 'Resume the SLA clock',
      input: optionalReasonInput,
      toCommand(_input, ctx) {
        const s = received(ctx);
        if (!s.paused) return { type: 'ResumeComplaint', by: ctx.by, now: ctx.now, pausedBusinessMinutes: 0, firstResponse: null, resolution: null };
        const rules = ctx.rules;
        const minutes = rules.businessMinutesBetween(s.paused.since, ctx.now);
        return {
          type: 'ResumeComplaint',
          by: ctx.by,
          now: ctx.now,
          pausedBusinessMinutes: minutes,
          firstResponse: s.firstResponse.met ? null : rules.shift(s.firstResponse, minutes),
          resolution: s.resolution.met ? null : rules.shift(s.resolution, minutes),
        };
      },
    }),
    withdraw: command({ type: 'WithdrawComplaint', summary: 'Withdraw (撤诉)', input: reasonInput, toCommand: (input, ctx) => ({ type: 'WithdrawComplaint', by: ctx.by, data: input }) }),
  },
  deadlines: complaintDeadlines,
  alarms: pendingAlarms,
  alarmReason: (a) => (a.kind === 'follow_up_overdue' ? `follow-up visit due ${a.at} not recorded` : deadlineAlarmReason(a)),
  notifications: complaintNotifications,
  isFinal,
  deadlineEvents: { warning: 'DeadlineWarningIssued', escalation: 'ComplaintEscalated' },
  events: complaintEvents,
  ledgers: [complaintsLedger, followUpsLedger],
});
