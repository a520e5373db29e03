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
