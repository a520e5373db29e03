import { describe, expect, it } from 'vitest';
import { streamHistory } from '../../src/audit/history';
import { envelope } from '../support/events';
import { auditFixture, contactUpdate, customer } from './fixtures';

const fx = auditFixture();

describe('stream history', () => {
  it('shows who, when and why, and what each event changed; personal data masked for an agent, not for an auditor', async () => {
    const { store } = fx.setup();
    await store.append('customer-C1', [customer(1, { contactPerson: '王小明' }, { actor: 'li.na', role: 'agent', occurredAt: '2026-09-01T09:00:00+08:00', correlationId: 'req-1' })], {
      expectedRevision: 'no_stream',
    });
    await store.append(
      'customer-C1',
      [
        contactUpdate(1, { phone: '13700000001', email: 'wang@example.com' }, { actor: 'zhang.wei', role: 'supervisor', reason: '客户来电更正', occurredAt: '2026-10-09T10:30:00+08:00', correlationId: 'req-2' }),
        contactUpdate(1, { phone: '13700000001' }, { actor: 'zhang.wei', role: 'supervisor', reason: '重复提交', correlationId: 'req-3' }),
      ],
      { expectedRevision: 0 },
    );
    await store.append('customer-C2', [customer(2)], { expectedRevision: 'no_stream' });

    const auditor = await streamHistory(store, 'customer-C1', 'auditor');
    expect(auditor).toHaveLength(3);
    expect(auditor[0]).toMatchObject({ revision: 0, position: '1', type: 'CustomerRegistered', actor: 'li.na', role: 'agent', reason: null, correlationId: 'req-1', occurredAt: '2026-09-01T09:00:00+08:00' });
    expect(auditor[0]!.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(auditor[0]!.changes).toEqual(
      expect.arrayContaining([
        { field: 'customerId', kind: 'added', to: 'C1' },
        { field: 'phone', kind: 'added', to: '13900000001' },
        { field: 'contactPerson', kind: 'added', to: '王小明' },
        { field: 'grade', kind: 'added', to: 'B' },
      ]),
    );
    expect(auditor[1]).toMatchObject({ revision: 1, position: '2', actor: 'zhang.wei', role: 'supervisor', reason: '客户来电更正', correlationId: 'req-2' });
    // The update's `changes` apply to the customer's own fields; the unchanged id is not listed.
    expect(auditor[1]!.changes).toEqual([
      { field: 'phone', kind: 'changed', from: '13900000001', to: '13700000001' },
      { field: 'email', kind: 'added', to: 'wang@example.com' },
    ]);
    expect(auditor[2]!.changes).toEqual([]); // the same phone again changes nothing

    const agent = await streamHistory(store, 'customer-C1', 'agent');
    expect(agent.map((e) => [e.actor, e.role, e.reason])).toEqual(auditor.map((e) => [e.actor, e.role, e.reason]));
    expect(agent[0]!.changes).toEqual(
      expect.arrayContaining([
        { field: 'phone', kind: 'added', to: '139****0001', masked: true },
        { field: 'name', kind: 'added', to: '客**', masked: true },
        { field: 'contactPerson', kind: 'added', to: '王**', masked: true },
        { field: 'grade', kind: 'added', to: 'B' },
      ]),
    );
    expect(agent[1]!.changes).toEqual([
      { field: 'phone', kind: 'changed', from: '139****0001', to: '137****0001', masked: true },
      { field: 'email', kind: 'added', to: 'w***@example.com', masked: true },
    ]);
    expect(JSON.stringify(agent)).not.toContain('13700000001');
    expect(await streamHistory(store, 'customer-nobody', 'auditor')).toEqual([]);
  });

  it('diffs nested data by dotted path and treats arrays as single values', async () => {
    const { store } = fx.setup();
    await store.append('thing-1', [envelope('ThingHappened', { deadline: { due: 'a', levels: [1, 2] }, note: 'x' })], { expectedRevision: 'no_stream' });
    await store.append('thing-1', [envelope('ThingHappened', { deadline: { due: 'b', levels: [1, 2, 3] } })], { expectedRevision: 0 });
    await store.append('thing-1', [envelope('ThingHappened', { deadline: null })], { expectedRevision: 1 });
    const h = await streamHistory(store, 'thing-1', 'agent');
    expect(h[0]!.changes).toEqual([
      { field: 'deadline.due', kind: 'added', to: 'a' },
      { field: 'deadline.levels', kind: 'added', to: [1, 2] },
      { field: 'note', kind: 'added', to: 'x' },
    ]);
    expect(h[1]!.changes).toEqual([
      { field: 'deadline.due', kind: 'changed', from: 'a', to: 'b' },
      { field: 'deadline.levels', kind: 'changed', from: [1, 2], to: [1, 2, 3] },
    ]);
    expect(h[2]!.changes).toEqual([{ field: 'deadline', kind: 'changed', from: { due: 'b', levels: [1, 2, 3] }, to: null }]);
  });
});
