import { deadlineAlarmReason } from '../../domain/deadlines/deadline';
import { defineProcess, type CommandSpec } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { enquiryDecider, isFinal, pendingEnquiryAlarms, type EnquiryAlarm, type EnquiryCommand, type EnquiryState } from './decider';
import { enquiriesLedger } from './ledger';
import { enquiryNotifications } from './notifications';
import { enquiryRules, type EnquiryRules } from './rules';
import { answerEnquiryInput, closeEnquiryInput, enquiryEvents, receiveEnquiryInput, transferEnquiryInput, type EnquiryEvent, type ReceiveEnquiryInput } from './schemas';

type Spec = CommandSpec<EnquiryState, EnquiryCommand, EnquiryRules>;

/** 咨询 (enquiry): `enquiry-<id>`, answered within the policy's target (10 business minutes by default), 首问负责制. */
export const enquiryProcess = defineProcess<EnquiryState, EnquiryCommand, EnquiryEvent, EnquiryRules, EnquiryAlarm>({
  name: 'enquiry',
  collection: 'enquiries',
  title: { zh: '咨询', en: 'Enquiry' },
  idPrefix: 'E',
  decider: enquiryDecider,
  rules: enquiryRules,
  commands: {
    receive: {
      type: 'ReceiveEnquiry',
      summary: 'Receive an enquiry (受理咨询); you become its first-responsible person (首问负责人)',
      roles: STAFF_ROLES,
      creates: true,
      input: receiveEnquiryInput,
      toCommand: (input: ReceiveEnquiryInput, ctx) => ({ type: 'ReceiveEnquiry', by: ctx.by, now: ctx.now, data: { ...input, owner: input.owner ?? ctx.by.actor, major: input.major ?? false }, ...ctx.rules.answerDeadline(ctx.now) }),
    } satisfies Spec,
    answer: {
      type: 'AnswerEnquiry',
      summary: 'Answer it (答复); by its first-responsible person without a hand-over, it counts as 一次办结',
      roles: STAFF_ROLES,
      input: answerEnquiryInput,
      toCommand: (input: { answer: string }, ctx) => ({ type: 'AnswerEnquiry', by: ctx.by, now: ctx.now, data: input }),
    } satisfies Spec,
    transfer: {
      type: 'TransferEnquiry',
      summary: 'Hand it to the responsible department, with the reason (转交)',
      roles: STAFF_ROLES,
      input: transferEnquiryInput,
      toCommand: (input: { department: string; to?: string; reason: string }, ctx) => ({ type: 'TransferEnquiry', by: ctx.by, data: input }),
    } satisfies Spec,
    close: {
      type: 'CloseEnquiry',
      summary: 'Close it (结束); before an answer only a supervisor may, with a reason',
      roles: STAFF_ROLES,
      input: closeEnquiryInput,
      toCommand: (input: { reason?: string }, ctx) => ({ type: 'CloseEnquiry', by: ctx.by, data: input }),
    } satisfies Spec,
  },
  alarms: pendingEnquiryAlarms,
  alarmReason: (a) => deadlineAlarmReason(a),
  notifications: enquiryNotifications,
  isFinal,
  deadlineEvents: { warning: 'EnquiryWarningIssued', escalation: 'EnquiryEscalated' },
  events: enquiryEvents,
  ledgers: [enquiriesLedger],
});
