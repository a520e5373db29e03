import { approvalRules } from '../../domain/approval/rules';
import { deadlineAlarmReason } from '../../domain/deadlines/deadline';
import { commandsOf, defineProcess, type CommandContext } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import type { CustomerChangeKind } from './changes';
import { customerDeadlines, customerDecider, pendingCustomerAlarms, type CustomerAlarm, type CustomerCommand, type CustomerState, type Review } from './decider';
import { customerChangesLedger, customersLedger } from './ledger';
import { customerNotifications } from './notifications';
import { approvalPlan, localDateOf, secondReviewPlan, type CustomerRules } from './rules';
import {
  approveChangeInput,
  changeGradeInput,
  contactChanges,
  customerEvents,
  eraseCustomerInput,
  keyAccountInput,
  profileChanges,
  registerCustomerInput,
  rejectChangeInput,
  secondReviewInput,
  setFlagInput,
  withdrawChangeInput,
  type ContactChanges,
  type CustomerEvent,
} from './schemas';

/** Every change to a customer is submitted by a maker and takes effect once a different checker approves it. */
export const MAKER_CHECKER = 'customer-maker-checker';

type Ctx = CommandContext<CustomerState, CustomerRules>;
const command = commandsOf<CustomerState, CustomerCommand, CustomerRules>({ roles: STAFF_ROLES });
const review = (ctx: Ctx, kind: CustomerChangeKind): Review => ({ by: ctx.by, now: ctx.now, plan: approvalPlan(ctx.rules, kind, ctx.now) });

/** 客户 (customer master data): `customer-<id>`, every change to a customer goes through it, under maker-checker. */
export const customerProcess = defineProcess<CustomerState, CustomerCommand, CustomerEvent, CustomerRules, CustomerAlarm>({
  name: 'customer',
  collection: 'customers',
  title: { zh: '客户', en: 'Customer' },
  idPrefix: 'C',
  decider: customerDecider,
  rules: approvalRules,
  patches: [MAKER_CHECKER],
  commands: {
    register: command({
      type: 'RegisterCustomer',
      aliases: ['registerCustomer'],
      summary: 'Register a customer (客户登记); pending until a checker approves it, a key account (重点客户) until two sales VPs do',
      creates: true,
      input: registerCustomerInput,
      toCommand(input, ctx) {
        // Histories recorded before maker-checker registered at once.
        if (!ctx.patched(MAKER_CHECKER)) return { type: 'RegisterCustomer', data: input };
        const keyAccount = input.importance === 'key' ? { keyAccount: approvalPlan(ctx.rules, 'key_account', ctx.now) } : {};
        return { type: 'RegisterCustomer', data: input, review: { ...review(ctx, 'registration'), ...keyAccount } };
      },
    }),
    updateContact: command({
      type: 'UpdateCustomerContact',
      aliases: ['updateCustomerContact'],
      summary: "Change a customer's contact details (联系方式变更); effective once a checker approves",
      input: contactChanges,
      // Workflows started by earlier code sent `{ customerId, changes }`.
      toCommand(input: ContactChanges | { changes: ContactChanges }, ctx) {
        const data = { customerId: ctx.id, changes: 'changes' in input ? input.changes : input };
        return ctx.patched(MAKER_CHECKER) ? { type: 'UpdateCustomerContact', data, review: review(ctx, 'contact') } : { type: 'UpdateCustomerContact', data };
      },
    }),
    changeProfile: command({
      type: 'ChangeCustomerProfile',
      summary: "Change a customer's name, type or account manager (基本资料变更); effective once a checker approves",
      input: profileChanges,
      toCommand: (input, ctx) => ({ type: 'ChangeCustomerProfile', data: input, review: review(ctx, 'profile') }),
    }),
    setFlag: command({
      type: 'SetCustomerFlag',
      summary: 'Set or clear the blacklist (黑名单) or repeated-claims warning (多次索赔), with the reason; effective once a checker approves',
      input: setFlagInput,
      toCommand: (input, ctx) => ({ type: 'SetCustomerFlag', data: input, review: review(ctx, 'flag') }),
    }),
    changeGrade: command({
      type: 'ChangeCustomerGrade',
      summary: 'Change the grade A–D on its five factor scores (等级变更: 合作历史, 付款情况, 信誉度, 诚信度, 需求量); leadership approves, with the written notice',
      input: changeGradeInput,
      toCommand: (input, ctx) => ({ type: 'ChangeCustomerGrade', data: input, review: review(ctx, 'grade') }),
    }),
    designateKeyAccount: command({
      type: 'DesignateKeyAccount',
      summary: 'Designate a key account (重点客户) or revoke it; two different sales VPs approve',
      input: keyAccountInput,
      toCommand: (input, ctx) => ({ type: 'DesignateKeyAccount', data: input, review: review(ctx, 'key_account') }),
    }),
    erase: command({
      type: 'EraseCustomer',
      summary: "Erase the customer's personal data (个人信息删除, PIPL): once a checker approves, its data key is destroyed and every personal field reads [已删除]",
      input: eraseCustomerInput,
      toCommand: (input, ctx) => ({ type: 'EraseCustomer', data: input, review: review(ctx, 'erasure') }),
    }),
    approve: command({
      type: 'ApproveCustomerChange',
      summary: 'Approve a pending change (审核通过); never your own; a grade change needs the written notice reference',
      input: approveChangeInput,
      toCommand: (input, ctx) => ({ type: 'ApproveCustomerChange', by: ctx.by, now: ctx.now, today: localDateOf(ctx.rules, ctx.now), data: input }),
    }),
    reject: command({
      type: 'RejectCustomerChange',
      summary: 'Reject a pending change, with the reason (驳回)',
      input: rejectChangeInput,
      toCommand: (input, ctx) => ({ type: 'RejectCustomerChange', by: ctx.by, now: ctx.now, data: input }),
    }),
    withdraw: command({
      type: 'WithdrawCustomerChange',
      summary: 'Withdraw your own pending change (撤回)',
      input: withdrawChangeInput,
      toCommand: (input, ctx) => ({ type: 'WithdrawCustomerChange', by: ctx.by, now: ctx.now, data: input }),
    }),
    requestSecondReview: command({
      type: 'RequestCustomerSecondReview',
      summary: 'Ask the general manager to review a rejected change of yours once more (二次审核)',
      input: secondReviewInput,
      toCommand: (input, ctx) => ({ type: 'RequestCustomerSecondReview', by: ctx.by, now: ctx.now, data: input, plan: secondReviewPlan(ctx.rules, ctx.now) }),
    }),
  },
  deadlines: customerDeadlines,
  alarms: pendingCustomerAlarms,
  alarmReason: (a) => `change ${a.changeId}: ${deadlineAlarmReason(a, (k) => (k === 'second_review' ? 'second review' : 'approval'))}`,
  notifications: customerNotifications,
  deadlineEvents: { warning: 'CustomerApprovalWarningIssued', escalation: 'CustomerApprovalEscalated' },
  events: customerEvents,
  ledgers: [customersLedger, customerChangesLedger],
});
