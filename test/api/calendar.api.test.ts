import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, calendarForPolicy } from '../../src/domain/policy';
import { startTestApp, type TestApp } from '../support/app';

/** `GET /calendar/add`: the calendar calculator on the policy the app is configured with (the default profile here). */
describe('GET /calendar/add', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });
  const get = (query: string, who: 'agent' | 'auditor' = 'agent') => t.app.inject({ method: 'GET', url: `/calendar/add?${query}`, headers: t.as(who) });
  const source = calendarForPolicy(DEFAULT_POLICY).source;

  it('adds 2 working days from Wed 30 Sep 2026 16:00 across National Day', async () => {
    const res = await get('from=2026-09-30T16:00:00%2B08:00&workingDays=2');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ at: '2026-10-09T16:00:00+08:00', calendar: { source, warnings: [] } });
  });

  it('adds business minutes across the lunch break, answering in +08:00 for an instant given in UTC', async () => {
    const res = await get('from=2026-09-30T03:30:00Z&businessMinutes=60', 'auditor');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ at: '2026-09-30T14:00:00+08:00', calendar: { source, warnings: [] } });
  });

  it('takes fractions of a working day and warns past the holiday data', async () => {
    expect((await get('from=2026-09-30T16:00:00%2B08:00&workingDays=2.5')).json()).toMatchObject({ at: '2026-10-10T10:45:00+08:00' });
    expect((await get('from=2026-12-31T17:00:00%2B08:00&workingDays=1')).json()).toEqual({
      at: '2027-01-01T17:00:00+08:00',
      calendar: { source, warnings: ['no holiday data for 2027; weekends only'] },
    });
  });

  it('needs a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/calendar/add?from=2026-09-30T16:00:00%2B08:00&workingDays=2' });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    ['neither amount', 'from=2026-09-30T16:00:00%2B08:00', { workingDays: /exactly one of workingDays or businessMinutes is required/, businessMinutes: /is required/ }],
    ['both amounts', 'from=2026-09-30T16:00:00%2B08:00&workingDays=1&businessMinutes=30', { workingDays: /both were given/, businessMinutes: /both were given/ }],
    ['a non-number', 'from=2026-09-30T16:00:00%2B08:00&workingDays=two', { workingDays: /must be a number/ }],
    ['an empty number', 'from=2026-09-30T16:00:00%2B08:00&businessMinutes=', { businessMinutes: /must be a number/ }],
    ['a negative number', 'from=2026-09-30T16:00:00%2B08:00&businessMinutes=-5', { businessMinutes: /must not be negative/ }],
    ['an instant without an offset', 'from=2026-09-30T16:00:00&workingDays=2', { from: /ISO 8601 instant with offset/ }],
    ['no instant', 'workingDays=2', { from: /./ }],
    ['an unknown parameter', 'from=2026-09-30T16:00:00%2B08:00&workingDays=2&days=3', { days: /not a known field/ }],
  ])('400 for %s, naming each field and its rule', async (_case, query, rules) => {
    const res = await get(query);
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; issues: Array<{ field: string; rule: string }> };
    expect(body.error).toBe('validation');
    expect(body.issues.map((i) => i.field).sort()).toEqual(Object.keys(rules).sort());
    for (const [field, rule] of Object.entries(rules)) expect(body.issues.find((i) => i.field === field)!.rule).toMatch(rule);
  });

  it('is in the OpenAPI document as calendar.add, with its parameters and response', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { operationId?: string; summary?: string; parameters?: Array<{ name: string; in: string; required?: boolean }>; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>>;
    };
    const op = doc.paths['/calendar/add']?.get;
    expect(op?.operationId).toBe('calendar.add');
    expect(op?.summary).toMatch(/calendar/i);
    expect(op?.parameters?.map((p) => [p.name, p.in, p.required ?? false])).toEqual(
      expect.arrayContaining([
        ['from', 'query', true],
        ['workingDays', 'query', false],
        ['businessMinutes', 'query', false],
      ]),
    );
    expect(Object.keys(op?.responses['200']?.content?.['application/json']?.schema.properties ?? {}).sort()).toEqual(['at', 'calendar']);
    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400']));
  });
});
