import { columnsOf, type LedgerProjection } from '../../domain/ledger';
import type { ProcessDefinition } from '../../domain/process';
import { idOfStream } from '../../domain/streams';

interface WarningData {
  deadline: string;
  dueAt: string;
  warnAt: string;
}
interface EscalationData {
  level: number;
  role: string;
  escalateAt: string;
  reason: string;
}

/**
 * 升级台账: one row per warning or escalation of any process that has deadlines (their definitions name the event
 * types): the process and its record, level, target, reason, when it was due, when it was scheduled and when it fired.
 */
export function escalationsLedger(processes: readonly ProcessDefinition[]): LedgerProjection {
  const warnings = new Map<string, string>();
  const escalations = new Map<string, string>();
  for (const p of processes) {
    if (!p.deadlineEvents) continue;
    warnings.set(p.deadlineEvents.warning, p.name);
    escalations.set(p.deadlineEvents.escalation, p.name);
  }
  return {
    name: 'escalations',
    version: 2,
    title: { zh: '升级台账', en: 'Escalations' },
    key: ['event_id'],
    orderBy: 'fired_at, event_id',
    columns: columnsOf(
      'escalations',
      [
        'event_id', 'process', 'subject_id', 'kind', 'deadline', 'level', 'target_role', 'reason', 'due_at', 'scheduled_at',
        'fired_at', 'lateness_ms'
      ],
      { indexed: ['process', 'subject_id', 'fired_at'] },
    ),
    handles: [...warnings.keys(), ...escalations.keys()],
    rowKey: (e) => ({ event_id: e.id }),
    evolve(_row, e) {
      const warning = warnings.get(e.type);
      const process = warning ?? escalations.get(e.type);
      if (!process) return undefined;
      const d = e.data as WarningData & Partial<EscalationData>;
      const firedAt = e.metadata.occurredAt;
      const scheduledAt = warning ? d.warnAt : d.escalateAt!;
      return {
        event_id: e.id,
        process,
        subject_id: idOfStream(e.streamName),
        kind: warning ? 'warning' : 'escalation',
        deadline: d.deadline,
        level: warning ? 0 : d.level!,
        target_role: warning ? 'owner' : d.role!,
        reason: warning ? (e.metadata.reason ?? `${d.deadline} deadline approaching`) : d.reason!,
        due_at: d.dueAt,
        scheduled_at: scheduledAt,
        fired_at: firedAt,
        lateness_ms: Date.parse(firedAt) - Date.parse(scheduledAt),
      };
    },
  };
}
