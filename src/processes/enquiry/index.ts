import { deadlineAlarmReason } from '../../domain/deadlines/deadline';
import { commandsOf, defineProcess } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { enquiryDeadlines, enquiryDecider, isFinal, pendingEnquiryAlarms, type EnquiryAlarm, type EnquiryCommand, type EnquiryState } from './decider';
import { enquiriesLedger } from './ledger';
import { enquiryNotifications } from './notifications';
import { enquiryRules, type EnquiryRules } from './rules';
import { answerEnquiryInput, closeEnquiryInput, enquiryEvents, receiveEnquiryInput, transferEnquiryInput, type EnquiryEvent } from './schemas';

const command = commandsOf<EnquiryState, EnquiryCommand, EnquiryRules>({ roles: STAFF_ROLES });

/** 咨询 (enquiry): `enquiry-<id>`, answered within the policy's target (10 business minutes by default), 首问负责制. */
export const enquiryProcess = defineProcess<EnquiryState, EnquiryCommand, EnquiryEvent, EnquiryRules, EnquiryAlarm>({
  name: 'enquiry',
  collection: 'enquiries',
  title: { zh: '咨询', en: 'Enquiry' },
  idPrefix: 'E',
  decider: enquiryDecider,
  rules: enquiryRules,
  commands: {
    receive: command({
      type: 'ReceiveEnquiry',
      summary: 'Receive an enquiry (受理咨询); you become its first-responsible person (首问负责人)',
      creates: true,
      input: receiveEnquiryInput,
      toCommand: (input, ctx) => ({ type: 'ReceiveEnquiry', by: ctx.by, now: ctx.now, data: { ...input, owner: input.owner ?? ctx.by.actor }, ...ctx.rules.answerDeadline(ctx.now) }),
    }),
    answer: command({
      type: 'AnswerEnquiry',
      summary: 'Answer it (答复); by its first-responsible person without a hand-over, it counts as 一次办结',
      input: answerEnquiryInput,
      toCommand: (input, ctx) => ({ type: 'AnswerEnquiry', by: ctx.by, now: ctx.now, data: input }),
    }),
    transfer: command({
      type: 'TransferEnquiry',
      summary: 'Hand it to the responsible department, with the reason (转交)',
      input: transferEnquiryInput,
      toCommand: (input, ctx) => ({ type: 'TransferEnquiry', by: ctx.by, data: input }),
    }),
    close: command({
      type: 'CloseEnquiry',
      summary: 'Close it (结束); before an answer only a supervisor may, with a reason',
      input: closeEnquiryInput,
      toCommand: (input, ctx) => ({ type: 'CloseEnquiry', by: ctx.by, data: input }),
    }),
  },
  deadlines: enquiryDeadlines,
  alarms: pendingEnquiryAlarms,
  alarmReason: (a) => deadlineAlarmReason(a),
  notifications: enquiryNotifications,
  isFinal,
  deadlineEvents: { warning: 'EnquiryWarningIssued', escalation: 'EnquiryEscalated' },
  events: enquiryEvents,
  ledgers: [enquiriesLedger],
});
