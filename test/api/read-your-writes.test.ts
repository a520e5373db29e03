import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';

/**
 * Read-your-writes on a ledger replica: a command's result names the position of its events, and a ledger read given
 * `minPosition` answers only once the replica includes it (or 503 after `waitMs`, saying how far it is).
 */
describe('reading a ledger at least at a position', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.as('supervisor') });

  it('waits for the position a command returned, refuses a malformed one, and says how far the ledgers are when they do not get there', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('agent'), payload: { name: `读写一致${i}公司`, grade: 'C' } });
      expect(r.statusCode, r.body).toBe(201);
      const { customerId, position } = r.json() as { customerId: string; position: string };
      // No waiting here: the read itself waits for the projector.
      const page = (await get(`/ledgers/customers?customer_id=${customerId}&minPosition=${position}`)).json() as { rows: unknown[]; checkpoint: string };
      expect(page.rows).toHaveLength(1);
      expect(BigInt(page.checkpoint) >= BigInt(position)).toBe(true);
    }
    const bad = await get('/ledgers/customers?minPosition=soon');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ issues: [{ field: 'minPosition' }] });
    // A position no write has reached yet is the caller's mistake.
    const ahead = await get('/ledgers/customers?minPosition=999999999&waitMs=200');
    expect(ahead.statusCode).toBe(400);
    expect(ahead.json()).toMatchObject({ issues: [{ field: 'minPosition', rule: expect.stringMatching(/its head is \d+/) }] });
    // A replica that does not catch up in time says how far it is: here, with its projector stopped.
    await t.projector.stop();
    const r = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('agent'), payload: { name: '落后副本公司', grade: 'C' } });
    const { position } = r.json() as { position: string };
    const t0 = Date.now();
    const behind = await get(`/ledgers/customers?minPosition=${position}&waitMs=200`);
    expect(behind.statusCode).toBe(503);
    expect(behind.json()).toMatchObject({ error: 'unavailable', code: 'ledgers.behind' });
    expect((behind.json() as { message: string }).message).toMatch(new RegExp(`include events up to position \\d+, not yet ${position}, after 200 ms`));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    t.projector.start();
    expect(((await get(`/ledgers/customers?minPosition=${position}`)).json() as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
  });
});
