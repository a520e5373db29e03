import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger';
import { startTestApp, TOKENS, type TestApp } from '../support/app';

/** The API's request log: one line per request naming who, which route and what came of it, and nothing personal. */
describe('the request log', () => {
  const lines: string[] = [];
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(undefined, { logger: createLogger({ level: 'info', name: 'api', destination: { write: (s: string) => void lines.push(s) } }) });
  });
  afterAll(async () => {
    await t?.close();
  });
  const requests = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

  it('names method, route pattern, status, time, actor and role of every request, refused ones too, without query values or tokens', async () => {
    const phone = '13912345678';
    const registered = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('supervisor'), payload: { name: '张先生', phone, grade: 'B' } });
    expect(registered.statusCode, registered.body).toBe(201);
    const { customerId } = registered.json() as { customerId: string };
    await t.app.inject({ method: 'GET', url: `/ledgers/customers?phone=${phone}`, headers: t.as('agent') });
    await t.app.inject({ method: 'GET', url: `/ledgers/customers?phone=${phone}` });
    await t.app.inject({ method: 'GET', url: `/ledgers/customers`, headers: { authorization: 'Bearer not-a-token-0000000000000000' } });
    await t.app.inject({ method: 'GET', url: `/customers/${customerId}/history`, headers: t.as('agent') });

    const seen = requests();
    expect(seen.length).toBeGreaterThanOrEqual(5);
    for (const l of seen) {
      const http = l.http as Record<string, unknown>;
      expect(typeof http.method).toBe('string');
      expect(typeof http.status).toBe('number');
      expect(typeof http.ms).toBe('number');
      expect(l).toHaveProperty('reqId');
    }
    const post = seen.find((l) => (l.http as { method: string }).method === 'POST')!;
    expect(post).toMatchObject({ http: { route: '/customers', status: 201 }, actor: 'sup-1', role: 'supervisor' });
    const ledgerReads = seen.filter((l) => (l.http as { route: string }).route === '/ledgers/:name');
    expect(ledgerReads.map((l) => [l.actor, (l.http as { status: number }).status])).toEqual([
      ['agent-1', expect.any(Number)],
      [null, 401],
      [null, 401],
    ]);
    const all = lines.join('\n');
    expect(all).not.toContain(phone);
    expect(all).not.toContain('not-a-token');
    for (const { token } of Object.values(TOKENS)) expect(all).not.toContain(token);
    expect(all).not.toMatch(/"req":\{\}/);
  });
});
