import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/logger';
import { ROOT } from '../../src/config/tools';
import { startTestApp, TOKENS, type TestApp } from '../support/app';
import { tempDir } from '../support/store';

/** `taizhang …` in a child process, not blocking this one (the API it talks to runs here); no token from the shell. */
function taizhang(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), ...args], { cwd: ROOT, env: { ...process.env, TAIZHANG_TOKEN: '', TAIZHANG_TOKENS: '', TAIZHANG_TOKENS_FILE: '', ...env } }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** /healthz for the public and for operators, and who the CLI acts as, against the API over a real worker. */
describe('hardening of the API and the CLI', () => {
  const lines: string[] = [];
  const data = tempDir('taizhang-cli-who-');
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp(undefined, { logger: createLogger({ level: 'info', name: 'api', destination: { write: (s: string) => void lines.push(s) } }) });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // The embedded stack's local tokens, one per person (the fixture's people).
    writeFileSync(path.join(data.dir, 'tokens.json'), JSON.stringify(Object.values(TOKENS), null, 2), { mode: 0o600 });
  });
  afterAll(async () => {
    await t?.close();
    data.cleanup();
  });
  const requests = () => lines.map((l) => JSON.parse(l) as { msg?: string; http?: { route: string | null; status: number }; actor: string | null; role: string | null }).filter((l) => l.msg === 'request');
  const env = () => ({ DATA_DIR: data.dir, PUBLIC_URL: url });

  describe('/healthz', () => {
    it('tells the public only ok or unavailable, also when the token is wrong', async () => {
      for (const headers of [{}, { authorization: 'Bearer not-a-token-of-anyone-0000000000000' }, { authorization: 'Basic x' }]) {
        const res = await t.app.inject({ method: 'GET', url: '/healthz', headers });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ status: 'ok' });
      }
    });

    it('gives any operator with a valid token the details, and the request log names them', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: t.as('agent') });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', temporal: { ok: true, address: expect.any(String) }, store: { ok: true, kind: 'sqlite' }, projector: { ready: true } });
      expect(requests().filter((l) => l.http?.route === '/healthz').at(-1)).toMatchObject({ actor: 'agent-1', role: 'agent', http: { status: 200 } });
    });
  });

  describe('the CLI acts as the configured token, never a silent admin', () => {
    const ledgerRead = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const before = requests().length;
      const r = await taizhang(['ledger', 'customers', '--format', 'json', ...args], { ...env(), ...extra });
      return { ...r, sent: requests().slice(before).filter((l) => l.http?.route === '/ledgers/:name') };
    };

    it('with neither TAIZHANG_TOKEN nor --as it refuses, naming both, and sends nothing', async () => {
      const r = await ledgerRead([]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('TAIZHANG_TOKEN');
      expect(r.stderr).toContain('--as');
      expect(r.sent).toEqual([]);
    });

    it('with TAIZHANG_TOKEN it acts as that token\'s person and role', async () => {
      const r = await ledgerRead([], { TAIZHANG_TOKEN: TOKENS.agent!.token });
      expect(r.status, r.stderr).toBe(0);
      expect(r.sent.map((l) => [l.actor, l.role, l.http?.status])).toEqual([['agent-1', 'agent', 200]]);
      expect((JSON.parse(r.stdout) as { masked: string[] }).masked.length, 'an agent sees personal data masked').toBeGreaterThan(0);
    });

    it('--as picks a local token from DATA_DIR/tokens.json by role or by person, before TAIZHANG_TOKEN', async () => {
      const byRole = await ledgerRead(['--as', 'supervisor']);
      expect(byRole.status, byRole.stderr).toBe(0);
      expect(byRole.sent.map((l) => [l.actor, l.role])).toEqual([['sup-1', 'supervisor']]);
      const byPerson = await ledgerRead(['--as', 'aud-1'], { TAIZHANG_TOKEN: TOKENS.agent!.token });
      expect(byPerson.status, byPerson.stderr).toBe(0);
      expect(byPerson.sent.map((l) => [l.actor, l.role])).toEqual([['aud-1', 'auditor']]);
    });

    it('--as someone without a local token is refused, naming the file', async () => {
      const r = await ledgerRead(['--as', 'nobody']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--as nobody');
      expect(r.stderr).toContain(path.join(data.dir, 'tokens.json'));
      expect(r.sent).toEqual([]);
    });
  });
});
