import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../../src/events/envelope';

let n = 0;
/** A well-formed envelope for store and projector tests (workflows make real ones). */
export function envelope(type: string, data: unknown, over: Partial<EventEnvelope['metadata']> = {}): EventEnvelope {
  n++;
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      actor: 'tester',
      role: 'agent',
      occurredAt: new Date(Date.UTC(2026, 0, 5, 1, 0, n % 60)).toISOString(),
      correlationId: 'corr',
      causationId: 'cause',
      workflowId: 'wf',
      runId: 'run',
      schemaVersion: 1,
      ...over,
    },
  };
}

export const registered = (customerId: string, extra: Record<string, unknown> = {}) =>
  envelope('CustomerRegistered', { customerId, name: `客户${customerId}`, phone: '13800138000', type: 'owner', importance: 'ordinary', grade: 'B', ...extra });

/** The data of a normal complaint's ComplaintReceived on the default policy (received 2026-10-09 09:00 Beijing time). */
export const complaintReceivedData = (complaintId: string, customerId: string, over: Record<string, unknown> = {}) => ({
  complaintId,
  customerId,
  channel: 'phone',
  category: 'delivery',
  severity: 'normal',
  summary: '送货延迟',
  owner: 'li.na',
  customerClass: 'ordinary',
  receivedAt: '2026-10-09T09:00:00+08:00',
  firstResponse: { kind: 'first_response', due: '2026-10-09T11:00:00+08:00', targetMinutes: 120, warnAt: null, escalations: [] },
  resolution: { kind: 'resolution', due: '2026-10-12T17:00:00+08:00', targetMinutes: 120, warnAt: null, escalations: [] },
  basis: { policy: 'default@4', calendar: { source: 'chinese-days@1.5.7 (data 2004–2026)', warnings: [] } },
  notifyAtOnce: [],
  ...over,
});
