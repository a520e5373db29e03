import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TOKENS, type TestApp } from '../support/app';

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
}

/**
 * Bad input, generated from the API's own OpenAPI document: every operation gets random and broken path parameters,
 * queries, bodies, content types and credentials. No response may be a 5xx, and a rejected request appends nothing.
 */
describe('API fuzzing from /openapi.json', () => {
  let t: TestApp;
  let operations: Operation[];

  beforeAll(async () => {
    t = await startTestApp();
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, hasBody: op.requestBody !== undefined })));
  });
  afterAll(async () => {
    await t?.close();
  });

  const junk = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.constantFrom('', ' ', '../../etc/passwd', '%00', '\u0000', 'K-none', 'C1', '🙂'.repeat(40), 'x'.repeat(5000), "'; DROP TABLE events;--", '{"a":', '$all', 'complaint-'),
  );
  const value = fc.oneof(fc.anything({ maxDepth: 3 }), junk, fc.integer(), fc.double(), fc.constant(null));
  const plausible = fc.record(
    {
      name: value,
      phone: fc.oneof(fc.constantFrom('13800138000', '010-12345678', '+8613800138000'), value),
      grade: fc.oneof(fc.constantFrom('A', 'B', 'Z'), value),
      customerId: fc.oneof(fc.constantFrom('C1', 'nobody'), value),
      channel: fc.oneof(fc.constantFrom('phone', 'fax'), value),
      category: fc.oneof(fc.constantFrom('delivery', 'other'), value),
      severity: fc.oneof(fc.constantFrom('major', 'minor', 'huge'), value),
      summary: value,
      rating: fc.oneof(fc.integer({ min: -5, max: 10 }), value),
      reason: value,
      note: value,
      findings: value,
      to: value,
      plan: value,
      result: value,
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    { weight: 3, arbitrary: plausible.map((b) => ({ kind: 'json' as const, payload: JSON.stringify(b) })) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 4 }).map((b) => ({ kind: 'json' as const, payload: JSON.stringify(b) ?? 'null' })) },
    { weight: 1, arbitrary: junk.map((s) => ({ kind: 'raw' as const, payload: s })) },
  );
  const auth = fc.oneof(
    fc.constantFrom(...Object.values(TOKENS).map((x) => `Bearer ${x.token}`)),
    fc.constantFrom(undefined, 'Bearer', 'Bearer nope', 'Basic dXNlcjpwYXNz', `bearer ${TOKENS.admin!.token}`),
    junk.map((s) => `Bearer ${s}`),
  );
  const query = fc.dictionary(fc.oneof(fc.constantFrom('limit', 'offset', 'asOf', 'received', 'severity', 'customerClass', 'pause', 'format', 'lang', 'status', 'grade'), fc.string({ maxLength: 8 })), junk, { maxKeys: 4 });
  const request = fc.record({
    op: fc.integer({ min: 0, max: 1000 }),
    param: junk,
    rest: fc.option(junk),
    query,
    body,
    auth,
    contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16'),
  });

  it('no 5xx, clear 4xx bodies, and nothing appended for a rejected request', async () => {
    let requests = 0;
    let rejected = 0;
    let accepted = 0;
    const deadline = Date.now() + 40_000;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        if (Date.now() > deadline) return;
        const op = operations[r.op % operations.length]!;
        const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(r.param)).replace('/*', `/${encodeURIComponent(r.rest ?? r.param)}`);
        const qs = new URLSearchParams(r.query).toString();
        const before = (await t.store.head()).position;
        const res = await t.app.inject({
          method: op.method as 'GET',
          url: `${path}${qs ? `?${qs}` : ''}`,
          headers: { ...(r.auth ? { authorization: r.auth } : {}), ...(op.method === 'POST' ? { 'content-type': r.contentType } : {}) },
          ...(op.method === 'POST' ? { payload: r.body.payload } : {}),
        });
        requests++;
        const where = `${op.method} ${path}?${qs} body=${r.body.payload.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, where).toBeLessThan(500);
        if (res.statusCode >= 400) {
          rejected++;
          const b = res.json() as { error?: unknown; message?: unknown; issues?: Array<{ field?: unknown; rule?: unknown }> };
          expect(typeof b.error, where).toBe('string');
          expect(typeof b.message, where).toBe('string');
          for (const i of b.issues ?? []) expect(typeof i.field === 'string' && typeof i.rule === 'string', where).toBe(true);
          expect((await t.store.head()).position, `rejected but appended: ${where}`).toBe(before);
        } else accepted++;
      }),
      { numRuns: 4000, interruptAfterTimeLimit: 45_000, markInterruptAsFailure: false },
    );
    console.info(`fuzz: ${requests} requests over ${operations.length} operations, 0 responses ≥ 500, ${rejected} rejected with 4xx, ${accepted} accepted`);
    expect(requests).toBeGreaterThan(1000);
  }, 90_000);
});
