import { deadlineAlarmReason } from '../../domain/deadlines/deadline';
import type { CustomerClass } from '../../domain/enums';
import { notFound } from '../../domain/errors';
import { defineProcess, type CommandContext, type CommandSpec } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { customerClassOf, type CustomerState } from '../customer/decider';
import { customerProcess } from '../customer';
import { complaintDecider, isFinal, pendingAlarms, type ComplaintAlarm, type ComplaintCommand, type ComplaintState, type OpenComplaint } from './decider';
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

type Ctx = CommandContext<ComplaintState, ComplaintRules> & { start?: { customerClass?: CustomerClass } };
type Spec = CommandSpec<ComplaintState, ComplaintCommand, ComplaintRules>;

function received(ctx: Ctx): OpenComplaint {
  if (ctx.state.status === 'none') throw notFound('complaint.not_found', `complaint ${ctx.id} has not been received`);
  return ctx.state;
}

const command = (type: string, summary: string, input: Spec['input'], toCommand: (input: never, ctx: Ctx) => ComplaintCommand): Spec => ({
  type,
  summary,
  roles: STAFF_ROLES,
  input,
  toCommand: toCommand as Spec['toCommand'],
});

/** 投诉 (complaint): `complaint-<id>`, from receipt (受理) to close (结案), on the SLA's business-time deadlines. */
export const complaintProcess = defineProcess<ComplaintState, ComplaintCommand, ComplaintEvent, ComplaintRules, ComplaintAlarm>({
  name: 'complaint',
  collection: 'complaints',
  title: { zh: '投诉', en: 'Complaint' },
  idPrefix: 'K',
  decider: complaintDecider,
  rules: complaintRules,
  commands: {
    receive: {
      ...command('ReceiveComplaint', 'Receive a complaint (受理); returns once ComplaintReceived is durable', receiveComplaintInput, (input: ReceiveComplaintInput & { customerClass?: CustomerClass }, ctx) => {
        // The class comes with the command; workflows started by earlier code carried it in their input.
        const customerClass = input.customerClass ?? ctx.start?.customerClass ?? 'ordinary';
        const deadlines = ctx.rules.deadlines({ receivedAt: ctx.now, severity: input.severity, customerClass });
        return { type: 'ReceiveComplaint', by: ctx.by, now: ctx.now, data: { ...input, owner: input.owner ?? ctx.by.actor, customerClass }, ...deadlines };
      }),
      creates: true,
      // The customer's class at the moment of receipt, from the customer's own stream (not a ledger that may lag).
      async lookup(input: ReceiveComplaintInput, lookups) {
        const { state } = await lookups.state<CustomerState>(customerProcess, input.customerId);
        if (state.status !== 'registered') throw notFound('customer.not_found', `no customer ${input.customerId}`);
        return { customerClass: customerClassOf(state.profile) };
      },
    },
    acknowledge: command('AcknowledgeComplaint', 'First response (首次响应)', noteInput, (input: { note?: string }, ctx) => ({ type: 'AcknowledgeComplaint', by: ctx.by, now: ctx.now, data: input })),
    verify: command('VerifyComplaint', 'Record the verification (核实)', verifyInput, (input: { findings: string; departments: string[] }, ctx) => ({ type: 'VerifyComplaint', by: ctx.by, data: input })),
    assign: command('AssignComplaint', 'Reassign to another owner (转交)', assignInput, (input: { to: string; reason?: string }, ctx) => ({ type: 'AssignComplaint', by: ctx.by, data: input })),
    propose: command('ProposeResolution', 'Propose a resolution (处理方案)', proposeInput, (input: { plan: string }, ctx) => ({ type: 'ProposeResolution', by: ctx.by, data: input })),
    notify: command('NotifyCustomer', 'Notify the customer of the result (通知客户)', notifyInput, (input: { result: string }, ctx) => ({
      type: 'NotifyCustomer',
      by: ctx.by,
      now: ctx.now,
      followUpDue: ctx.rules.followUpDue(ctx.now),
      data: input,
    })),
    followUp: command('RecordFollowUp', 'Record the follow-up visit, rating 1–5 (回访)', followUpInput, (input: { rating: number; comment?: string }, ctx) => {
      const satisfied = ctx.rules.satisfied(input.rating);
      const s = ctx.state;
      // A negative visit reopens the complaint with a fresh resolution deadline, counted from now.
      const reopen = !satisfied && s.status !== 'none' ? ctx.rules.reopened({ reopenedAt: ctx.now, severity: s.severity, customerClass: s.customerClass }) : undefined;
      return { type: 'RecordFollowUp', by: ctx.by, satisfied, data: input, ...(reopen ? { reopen } : {}) };
    }),
    close: command('CloseComplaint', 'Close (结案)', optionalReasonInput, (input: { reason?: string }, ctx) => ({ type: 'CloseComplaint', by: ctx.by, data: input })),
    reopen: command('ReopenComplaint', 'Reopen', reasonInput, (input: { reason: string }, ctx) => {
      const s = received(ctx);
      return { type: 'ReopenComplaint', by: ctx.by, data: input, ...ctx.rules.reopened({ reopenedAt: ctx.now, severity: s.severity, customerClass: s.customerClass }) };
    }),
    pause: command('PauseComplaint', 'Pause the SLA clock while waiting on the customer', reasonInput, (input: { reason: string }, ctx) => ({ type: 'PauseComplaint', by: ctx.by, now: ctx.now, data: input })),
    resume: command('ResumeComplaint', 'Resume the SLA clock', optionalReasonInput, (_input: unknown, ctx) => {
      const s = received(ctx);
      if (!s.paused) return { type: 'ResumeComplaint', by: ctx.by, now: ctx.now, pausedBusinessMinutes: 0, firstResponse: null, resolution: null };
      const minutes = ctx.rules.businessMinutesBetween(s.paused.since, ctx.now);
      return {
        type: 'ResumeComplaint',
        by: ctx.by,
        now: ctx.now,
        pausedBusinessMinutes: minutes,
        firstResponse: s.firstResponse.met ? null : ctx.rules.shift(s.firstResponse, minutes),
        resolution: s.resolution.met ? null : ctx.rules.shift(s.resolution, minutes),
      };
    }),
    withdraw: command('WithdrawComplaint', 'Withdraw (撤诉)', reasonInput, (input: { reason: string }, ctx) => ({ type: 'WithdrawComplaint', by: ctx.by, data: input })),
  },
  alarms: pendingAlarms,
  alarmReason: (a) => (a.kind === 'follow_up_overdue' ? `follow-up visit due ${a.at} not recorded` : deadlineAlarmReason(a)),
  notifications: complaintNotifications,
  isFinal,
  deadlineEvents: { warning: 'DeadlineWarningIssued', escalation: 'ComplaintEscalated' },
  events: complaintEvents,
  ledgers: [complaintsLedger, followUpsLedger],
});
