import { entityLedger, flag } from '../../domain/ledger';
import { correctiveStatusAfter } from './decider';
import { correctiveEventSchemas, type CorrectiveEvent } from './schemas';
import type { CorrectiveStatus } from '../../domain/enums';

/** Node side. 纠正措施台账: one row per negative indicator of a round, its owner, plan, execution and verification. */
export const correctiveActionsLedger = entityLedger<CorrectiveEvent>({
  name: 'corrective_actions',
  version: 1,
  title: { zh: '纠正措施台账', en: 'Corrective actions' },
  key: 'corrective_id',
  orderBy: 'opened_at, corrective_id',
  columns: [
    ...['corrective_id', 'survey_id', 'dimension', 'dimension_label', 'negatives', 'status', 'owner', 'department', 'plan', 'current_step', 'current_due', 'escalation_level'],
    ...['late_steps', 'rounds', 'opened_at', 'assigned_at', 'planned_at', 'completed_at', 'verified_at', 'effective', 'closed_at', 'updated_at', 'revision'],
  ],
  indexed: ['survey_id', 'status', 'owner'],
  handles: Object.keys(correctiveEventSchemas),
  status: (status, e) => correctiveStatusAfter(status as CorrectiveStatus | null, e),
  replanned: { process: 'corrective', dueColumns: { current: 'current_due' } },
  created(e) {
    if (e.type !== 'CorrectiveActionOpened') return undefined;
    const d = e.data;
    return {
      corrective_id: d.correctiveId,
      survey_id: d.surveyId,
      dimension: d.dimension,
      dimension_label: d.label,
      negatives: d.negatives.dissatisfied + d.negatives.very_dissatisfied,
      owner: null,
      department: null,
      plan: null,
      current_step: 'assign',
      current_due: d.assign.due,
      escalation_level: 0,
      late_steps: 0,
      rounds: 1,
      opened_at: d.openedAt,
      assigned_at: null,
      planned_at: null,
      completed_at: null,
      verified_at: null,
      effective: null,
      closed_at: null,
    };
  },
  changed(row, e) {
    const at = e.metadata.occurredAt;
    const late = (onTime: boolean) => ({ late_steps: Number(row.late_steps ?? 0) + (onTime ? 0 : 1) });
    switch (e.type) {
      case 'CorrectiveOwnerAssigned':
        return { owner: e.data.owner, department: e.data.department, assigned_at: at, current_step: 'plan', current_due: e.data.plan.due, ...late(e.data.onTime) };
      case 'CorrectivePlanRecorded':
        return { plan: e.data.plan, department: e.data.department || row.department || null, planned_at: at, current_step: 'execute', current_due: e.data.execute.due, ...late(e.data.onTime) };
      case 'CorrectiveActionCompleted':
        return { completed_at: at, current_step: 'verify', current_due: e.data.verify.due, ...late(e.data.onTime) };
      case 'CorrectiveActionVerified':
        return e.data.effective
          ? { verified_at: at, effective: flag(true), closed_at: at, current_step: null, current_due: null, ...late(e.data.onTime) }
          : { verified_at: at, effective: flag(false), rounds: Number(row.rounds ?? 1) + 1, current_step: 'plan', current_due: e.data.plan?.due ?? null, ...late(e.data.onTime) };
      case 'CorrectiveEscalated':
        return { escalation_level: Math.max(Number(row.escalation_level ?? 0), e.data.level) };
      default:
        return undefined;
    }
  },
});
