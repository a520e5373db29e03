import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import type { TemporalGateway } from '../../src/api/gateway';
import type { Directory } from '../../src/domain/directory';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { ALL_LEDGERS } from '../../src/projections/ledgers';
import { LedgerReader } from '../../src/projections/reader';
import { TOKENS } from '../support/app';
import { tempStore } from '../support/store';
import { testLogger } from '../support/temporal';

const directory: Directory = {
  staff: [
    { id: 'li.na', name: '李娜', roles: ['agent'] },
    { id: 'chen.jing', name: '陈静', roles: ['agent'] },
    { id: 'wang.a', name: '王工', roles: ['agent'] },
    { id: 'wang.b', name: '王工', roles: ['agent'] },
  ],
};

/** Commands name people by id or by display name over HTTP: the API resolves the name before it checks the body. */
describe('people by display name in command bodies', () => {
  const s = tempStore();
  let app: FastifyInstance;
  const sent: Array<{ action: string; data: Record<string, unknown> }> = [];
  const as = { authorization: `Bearer ${TOKENS.agent!.token}` };
  const result = { streamName: 'complaint-K1', revision: 1, position: '2', eventIds: ['e'], eventTypes: ['ComplaintAssigned'] };

  beforeAll(async () => {
    const gateway = {
      healthy: async () => true,
      usePolicy: () => undefined,
      usePolicyInForce: () => undefined,
      command: async (_p: unknown, _id: string, action: string, data: Record<string, unknown>) => (sent.push({ action, data }), result),
      view: async () => ({ streamName: 'complaint-K1', revision: 1, state: { status: 'received', complaintId: 'K1', owner: 'li.na' }, pendingAlarms: [] }),
    } as unknown as TemporalGateway;
    const reader = new LedgerReader(path.join(s.dir, 'ledger.db'), ALL_LEDGERS);
    app = await buildApp({ config: { temporalAddress: 'none', tokens: Object.values(TOKENS) }, logger: testLogger, gateway, store: s.store, ledgers: reader, policy: DEFAULT_POLICY, directory });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await s.cleanup();
  });

  it('assign --to 陈静 reaches the workflow as chen.jing; an id stays as it is', async () => {
    const r = await app.inject({ method: 'POST', url: '/complaints/K1/assign', headers: as, payload: { to: '陈静', reason: '转售后' } });
    expect(r.statusCode, r.body).toBe(200);
    expect(sent.at(-1)).toEqual({ action: 'assign', data: { to: 'chen.jing', reason: '转售后' } });
    expect((await app.inject({ method: 'POST', url: '/complaints/K1/assign', headers: as, payload: { to: 'li.na' } })).statusCode).toBe(200);
    expect(sent.at(-1)!.data.to).toBe('li.na');
  });

  it('a name nobody has, or two people share, is a 400 naming the field; nothing is sent', async () => {
    const before = sent.length;
    const nobody = await app.inject({ method: 'POST', url: '/complaints/K1/assign', headers: as, payload: { to: '陈工程师' } });
    expect(nobody.statusCode).toBe(400);
    expect(nobody.json().issues).toEqual([{ field: 'to', rule: expect.stringContaining('names nobody in the staff directory') }]);
    const shared = await app.inject({ method: 'POST', url: '/complaints/K1/assign', headers: as, payload: { to: '王工' } });
    expect(shared.statusCode).toBe(400);
    expect(shared.json().issues[0].rule).toContain('names 2 people');
    expect(sent.length).toBe(before);
  });

  it('the view names the owner beside the id', async () => {
    const r = await app.inject({ method: 'GET', url: '/complaints/K1', headers: as });
    expect(r.json().state).toMatchObject({ owner: 'li.na', ownerName: '李娜' });
  });
});
