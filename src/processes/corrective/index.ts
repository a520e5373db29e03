import { deadlineAlarmReason } from '../../domain/deadlines/deadline';
import { commandsOf, defineProcess } from '../../domain/process';
import { STAFF_ROLES } from '../../domain/roles';
import { correctiveDeadlines, correctiveDecider, isFinal, pendingCorrectiveAlarms, type CorrectiveAlarm, type CorrectiveCommand, type CorrectiveState } from './decider';
import { correctiveActionsLedger } from './ledger';
import { correctiveNotifications } from './notifications';
import { correctiveRules, type CorrectiveRules } from './rules';
import { assignCorrectiveInput, completeCorrectiveInput, correctiveEvents, openCorrectiveInput, planCorrectiveInput, verifyCorrectiveInput, type CorrectiveEvent } from './schemas';

const command = commandsOf<CorrectiveState, CorrectiveCommand, CorrectiveRules>({ roles: STAFF_ROLES });

/**
 * 纠正措施 (corrective action): `corrective-<survey>-<indicator>`, opened by a survey round's close for each indicator
 * that drew 不满意 or 很不满意; owner named by the performance group, planned, carried out, verified.
 */
export const correctiveProcess = defineProcess<CorrectiveState, CorrectiveCommand, CorrectiveEvent, CorrectiveRules, CorrectiveAlarm>({
  name: 'corrective',
  collection: 'corrective-actions',
  title: { zh: '纠正措施', en: 'Corrective action' },
  idPrefix: 'A',
  decider: correctiveDecider,
  rules: correctiveRules,
  commands: {
    open: command({
      type: 'OpenCorrective',
      summary: 'Open a corrective action for a negative indicator (a survey round does this when it closes)',
      creates: true,
      roles: ['performance', 'manager', 'general_manager', 'admin'],
      input: openCorrectiveInput,
      toCommand: (input, ctx) => ({ type: 'OpenCorrective', by: ctx.by, now: ctx.now, data: input, assign: ctx.rules.deadline('assign', ctx.now), basis: ctx.rules.basis(ctx.now) }),
    }),
    assign: command({
      type: 'AssignCorrective',
      summary: 'Name the indicator owner (指定指标责任人), for the performance group',
      roles: ['performance', 'manager', 'general_manager', 'admin'],
      input: assignCorrectiveInput,
      toCommand: (input, ctx) => ({ type: 'AssignCorrective', by: ctx.by, now: ctx.now, data: { owner: input.owner, department: input.department }, plan: ctx.rules.deadline('plan', ctx.now) }),
    }),
    plan: command({
      type: 'PlanCorrective',
      summary: 'Record the corrective action planned (制定纠正措施), by its owner',
      input: planCorrectiveInput,
      toCommand: (input, ctx) => ({ type: 'PlanCorrective', by: ctx.by, now: ctx.now, data: input, execute: ctx.rules.deadline('execute', ctx.now) }),
    }),
    complete: command({
      type: 'CompleteCorrective',
      summary: 'Report it carried out by the department (整改完成)',
      input: completeCorrectiveInput,
      toCommand: (input, ctx) => ({ type: 'CompleteCorrective', by: ctx.by, now: ctx.now, data: input, verify: ctx.rules.deadline('verify', ctx.now) }),
    }),
    verify: command({
      type: 'VerifyCorrective',
      summary: 'Verify it (验证): effective closes it, not effective asks for a new plan',
      roles: ['performance', 'manager', 'general_manager', 'admin'],
      input: verifyCorrectiveInput,
      toCommand: (input, ctx) => ({ type: 'VerifyCorrective', by: ctx.by, now: ctx.now, data: input, plan: ctx.rules.deadline('plan', ctx.now) }),
    }),
  },
  deadlines: correctiveDeadlines,
  alarms: pendingCorrectiveAlarms,
  alarmReason: (a) => deadlineAlarmReason(a),
  notifications: correctiveNotifications,
  isFinal,
  deadlineEvents: { warning: 'CorrectiveWarningIssued', escalation: 'CorrectiveEscalated' },
  events: correctiveEvents,
  ledgers: [correctiveActionsLedger],
});
