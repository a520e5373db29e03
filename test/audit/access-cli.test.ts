import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TOKENS, type TestApp } from '../support/app';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The CLI as a child process, awaited (the API it calls runs in this process, so a synchronous spawn would block it). */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `taizhang audit access`: the auditor lists who read personal data unmasked, through the API like `audit history`. */
describe('taizhang audit access', () => {
  let t: TestApp;
  let url: string;
  let env: NodeJS.ProcessEnv;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const r = await t.app.inject({ method: 'POST', url: '/customers', headers: t.as('supervisor'), payload: { name: '张伟', phone: '13812345678', type: 'owner' } });
    expect(r.statusCode, r.body).toBe(201);
    customerId = (r.json() as { customerId: string }).customerId;
    await t.projector.waitFor((await t.store.head()).position);
    expect((await t.app.inject({ method: 'GET', url: `/ledgers/customers?customer_id=${customerId}`, headers: t.as('manager') })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/ledgers/customers', headers: t.as('agent') })).statusCode).toBe(200); // masked: not recorded
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    env = { DATA_DIR: t.dir, TAIZHANG_TOKEN: '', TAIZHANG_TOKENS: '', TAIZHANG_TOKENS_FILE: '', PUBLIC_URL: '', LOG_LEVEL: 'warn' };
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lists the accesses by actor, as text and as JSON, for an auditor', async () => {
    const text = await cli(['audit', 'access', '--url', url, '--token', TOKENS.auditor!.token, '--actor', 'mgr-1'], env);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`mgr-1 \\(manager\\) ledger customers: 1 rows \\[name, phone\\] customers ${customerId} — GET /ledgers/:name request `));
    expect(text.stdout).not.toContain('13812345678');

    const json = await cli(['audit', 'access', '--url', url, '--token', TOKENS.auditor!.token, '--since', '2000-01-01T00:00:00Z', '--format', 'json'], env);
    expect(json.status, json.stderr).toBe(0);
    const events = (JSON.parse(json.stdout) as { events: Array<{ actor: string }> }).events;
    expect(events.map((e) => e.actor)).toEqual(['mgr-1']);

    const none = await cli(['audit', 'access', '--url', url, '--token', TOKENS.auditor!.token, '--actor', 'agent-1'], env);
    expect(none.stdout).toContain('no accesses');
  });

  it('is refused for anyone but auditors and admins', async () => {
    const r = await cli(['audit', 'access', '--url', url, '--token', TOKENS.supervisor!.token], env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/403|may not read the access log/);
  });
});
