import { approvalRules, type ApprovalRules } from '../../domain/approval/rules';
import { deadlineAlarmReason } from '../../domain/deadlines/deadline';
import type { CustomerClass } from '../../domain/enums';
import { illegalState } from '../../domain/errors';
import { commandsOf, defineProcess, type CommandContext } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { customerClassLookup } from '../customer/lookup';
import { changeDeadlines, changeDecider, isFinal, pendingChangeAlarms, type ChangeAlarm, type ChangeCommand, type ChangeState, type OpenChange } from './decider';
import { changeStepsLedger, changesLedger } from './ledger';
import { changeNotifications } from './notifications';
import {
  amendChangeInput,
  approveChangeInput,
  cancelChangeInput,
  changeEvents,
  closeChangeInput,
  noteInput,
  rejectChangeInput,
  reviewChangeInput,
  secondReviewInput,
  signOffInput,
  startImplementationInput,
  submitChangeInput,
  verifyChangeInput,
  type ChangeEvent,
  type SubmitChangeInput,
} from './schemas';

type Ctx = CommandContext<ChangeState, ApprovalRules>;
const command = commandsOf<ChangeState, ChangeCommand, ApprovalRules>({ roles: STAFF_ROLES });

function submitted(ctx: Ctx): OpenChange {
  if (ctx.state.status === 'none') throw illegalState('change.not_found', `change request ${ctx.id} has not been submitted`);
  return ctx.state;
}

/** The approval step's time limit, computed now (used only if this command opens it). */
const approvalDeadline = (ctx: Ctx) => ctx.rules.deadline('approval', ctx.now);

/** 变更 (change request): `change-<id>`, from the formal request through review, tiered approval and sign-off to close. */
export const changeProcess = defineProcess<ChangeState, ChangeCommand, ChangeEvent, ApprovalRules, ChangeAlarm>({
  name: 'change',
  collection: 'changes',
  title: { zh: '变更申请', en: 'Change request' },
  idPrefix: 'B',
  decider: changeDecider,
  rules: approvalRules,
  commands: {
    submit: command({
      type: 'SubmitChange',
      summary: 'Submit a change request form (客户变更申请书); the review panels are asked at once',
      creates: true,
      input: submitChangeInput,
      // The customer's class at the moment of submission, from the customer's own stream.
      lookup: (input, lookups) => customerClassLookup(input.customerId, lookups),
      toCommand(input: SubmitChangeInput & { customerClass?: CustomerClass }, ctx) {
        const customerClass = input.customerClass ?? 'ordinary';
        const { basis } = ctx.rules.deadline('review', ctx.now);
        return {
          type: 'SubmitChange',
          by: ctx.by,
          now: ctx.now,
          data: { ...input, requester: input.requester ?? ctx.by.actor, customerClass },
          panels: ctx.rules.panels,
          review: ctx.rules.due('review', ctx.now),
          tier: ctx.rules.tier(input.amount, customerClass, input.changesApprovedPlan),
          basis,
        };
      },
    }),
    review: command({
      type: 'ReviewChange',
      summary: 'Give your panel\'s review opinion (会审意见: 客服部, 财务部, 市场部, 专家组)',
      input: reviewChangeInput,
      toCommand: (input, ctx) => ({ type: 'ReviewChange', by: ctx.by, now: ctx.now, data: input, approval: approvalDeadline(ctx) }),
    }),
    approve: command({
      type: 'ApproveChange',
      summary: 'Approve at the current step (审批); a key account at the VP tier needs two different VPs',
      input: approveChangeInput,
      toCommand: (input, ctx) => ({ type: 'ApproveChange', by: ctx.by, now: ctx.now, data: input, signOff: ctx.rules.due('signoff', ctx.now) }),
    }),
    reject: command({ type: 'RejectChange', summary: 'Reject at the current step, with the reason (驳回)', input: rejectChangeInput, toCommand: (input, ctx) => ({ type: 'RejectChange', by: ctx.by, now: ctx.now, data: input }) }),
    secondReview: command({
      type: 'RequestSecondReview',
      summary: 'After a rejection, ask the general manager for a second review (二次审核); the requester only, once',
      input: secondReviewInput,
      toCommand: (input, ctx) => ({ type: 'RequestSecondReview', by: ctx.by, now: ctx.now, data: input, role: ctx.rules.secondReviewRole, secondReview: ctx.rules.deadline('second_review', ctx.now) }),
    }),
    signOff: command({
      type: 'SignOffChange',
      summary: 'Record the written sign-off (书面签证): document reference and signatory',
      input: signOffInput,
      toCommand: (input, ctx) => ({ type: 'SignOffChange', by: ctx.by, now: ctx.now, data: { ...input, signedOn: input.signedOn ?? ctx.rules.localDate(ctx.now) } }),
    }),
    implement: command({
      type: 'StartImplementation',
      summary: 'Hand it to a named team for implementation (实施)',
      input: startImplementationInput,
      toCommand: (input, ctx) => ({ type: 'StartImplementation', by: ctx.by, data: input, inactivity: ctx.rules.inactivity(ctx.now) }),
    }),
    progress: command({
      type: 'UpdateImplementation',
      summary: 'Record implementation progress (restarts the inactivity clock; resumes a shelved one)',
      input: noteInput,
      toCommand: (input, ctx) => ({ type: 'UpdateImplementation', by: ctx.by, data: input, inactivity: ctx.rules.inactivity(ctx.now) }),
    }),
    complete: command({
      type: 'CompleteImplementation',
      summary: 'Report the implementation done; verification is due next',
      input: noteInput,
      toCommand: (input, ctx) => ({ type: 'CompleteImplementation', by: ctx.by, data: input, verify: ctx.rules.due('verify', ctx.now) }),
    }),
    verify: command({
      type: 'VerifyChange',
      summary: 'Verify the implementation (验证), by someone other than its owner; a failed check sends it back',
      input: verifyChangeInput,
      toCommand: (input, ctx) => ({ type: 'VerifyChange', by: ctx.by, now: ctx.now, data: input, inactivity: ctx.rules.inactivity(ctx.now) }),
    }),
    close: command({ type: 'CloseChange', summary: 'Close a verified change (关闭)', input: closeChangeInput, toCommand: (input, ctx) => ({ type: 'CloseChange', by: ctx.by, data: input }) }),
    cancel: command({ type: 'CancelChange', summary: 'Cancel it, with the reason (取消)', input: cancelChangeInput, toCommand: (input, ctx) => ({ type: 'CancelChange', by: ctx.by, data: input }) }),
    amend: command({
      type: 'AmendChange',
      summary: 'Amend the request; it goes back through approval (an approved one to the decision committee)',
      input: amendChangeInput,
      toCommand(input, ctx) {
        const s = submitted(ctx);
        const amount = input.amount ?? s.amount;
        return { type: 'AmendChange', by: ctx.by, data: input, tier: ctx.rules.tier(amount, s.customerClass, s.changesApprovedPlan || s.wasApproved), approval: approvalDeadline(ctx) };
      },
    }),
  },
  deadlines: changeDeadlines,
  alarms: pendingChangeAlarms,
  alarmReason(a) {
    if (a.kind === 'warning' || a.kind === 'escalation') return deadlineAlarmReason(a);
    const then = { inactivity_remind: 'remind its owner and their manager', inactivity_escalate: 'escalate', inactivity_shelve: 'shelve it (搁置)' }[a.kind];
    return `implementation not updated since ${a.since}: ${then}`;
  },
  notifications: changeNotifications,
  isFinal,
  deadlineEvents: { warning: 'ChangeWarningIssued', escalation: 'ChangeEscalated' },
  events: changeEvents,
  ledgers: [changesLedger, changeStepsLedger],
});
