import type { LedgerProjection } from '../../domain/ledger';
import { idOfStream, type ProcessDefinition } from '../../domain/process';

interface WarningData {
  deadline: string;
  dueAt: string;
  warnAt: string;
}
interface EscalationData extends Omit<WarningData, 'warnAt'> {
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
    columns: [
      { name: 'event_id', type: 'TEXT', label: { zh: '事件编号', en: 'Event ID' } },
      { name: 'process', type: 'TEXT', label: { zh: '业务类型', en: 'Process' }, indexed: true },
      { name: 'subject_id', type: 'TEXT', label: { zh: '业务编号', en: 'Record ID' }, indexed: true },
      { name: 'kind', type: 'TEXT', label: { zh: '类型', en: 'Kind' } },
      { name: 'deadline', type: 'TEXT', label: { zh: '期限', en: 'Deadline' } },
      { name: 'level', type: 'INTEGER', label: { zh: '级别', en: 'Level' } },
      { name: 'target_role', type: 'TEXT', label: { zh: '通知对象', en: 'Target' } },
      { name: 'reason', type: 'TEXT', label: { zh: '原因', en: 'Reason' } },
      { name: 'due_at', type: 'TEXT', label: { zh: '期限时间', en: 'Due at' }, instant: true },
      { name: 'scheduled_at', type: 'TEXT', label: { zh: '计划时间', en: 'Scheduled at' }, instant: true },
      { name: 'fired_at', type: 'TEXT', label: { zh: '触发时间', en: 'Fired at' }, instant: true, indexed: true },
      { name: 'lateness_ms', type: 'INTEGER', label: { zh: '延迟(毫秒)', en: 'Lateness (ms)' } },
    ],
    handles: [...warnings.keys(), ...escalations.keys()],
    rowKey: (e) => ({ event_id: e.id }),
    evolve(_row, e) {
      const firedAt = e.metadata.occurredAt;
      const common = { event_id: e.id, subject_id: idOfStream(e.streamName), fired_at: firedAt };
      if (warnings.has(e.type)) {
        const d = e.data as WarningData;
        return {
          ...common,
          process: warnings.get(e.type)!,
          kind: 'warning',
          deadline: d.deadline,
          level: 0,
          target_role: 'owner',
          reason: e.metadata.reason ?? `${d.deadline} deadline approaching`,
          due_at: d.dueAt,
          scheduled_at: d.warnAt,
          lateness_ms: Date.parse(firedAt) - Date.parse(d.warnAt),
        };
      }
      if (escalations.has(e.type)) {
        const d = e.data as EscalationData;
        return {
          ...common,
          process: escalations.get(e.type)!,
          kind: 'escalation',
          deadline: d.deadline,
          level: d.level,
          target_role: d.role,
          reason: d.reason,
          due_at: d.dueAt,
          scheduled_at: d.escalateAt,
          lateness_ms: Date.parse(firedAt) - Date.parse(d.escalateAt),
        };
      }
      return undefined;
    },
  };
}
