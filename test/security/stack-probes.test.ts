import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCli } from '../../src/config/tools';
import { ERASED } from '../../src/domain/pii';
import { cli, type RunningStack, type StackPorts, startStackOnFreePorts, stopStack } from '../support/stack';
import { filesUnder, tempDir } from '../support/store';

const CHROMIUM = '/usr/bin/chromium';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}
/** Every payload in a JSON document (a history as the Web UI's API serves it). */
function payloadsIn(v: unknown, out: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(v)) for (const x of v) payloadsIn(x, out);
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && typeof (o.metadata as Record<string, unknown>).encoding === 'string') out.push(o as JsonPayload);
    else for (const x of Object.values(o)) payloadsIn(x, out);
  }
  return out;
}
const decoded = (p: JsonPayload) => Buffer.from(p.data ?? '', 'base64').toString('utf8');

/**
 * The trust-boundary probes against the embedded stack as `npm start` runs it: the forged Update through Temporal's
 * own CLI, what Temporal stores and its Web UI serves, the codec endpoint the UI decodes with, and an erasure done with
 * the CLI, after which no file of DATA_DIR holds the customer's values.
 */
describe('trust boundaries of the embedded stack', () => {
  const t = tempDir('taizhang-probes-');
  let env: NodeJS.ProcessEnv;
  let stack: RunningStack | undefined;
  let token: (role: string) => string;
  let api: string;
  let ui: string;
  let temporalAddress: string;
  let customerId: string;
  let complaintId: string;
  const person = { name: '李秀英', contactPerson: '李秀英', phone: '13612345678', email: 'li.xiuying@example.cn', address: '江苏省南京市鼓楼区中山路 321 号 2 单元 502' };

  const call = async (method: string, url: string, role: string | undefined, body?: unknown) => {
    const res = await fetch(`${api}${url}`, {
      method,
      headers: { ...(role ? { authorization: `Bearer ${token(role)}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  const json = <T>(r: { text: string }) => JSON.parse(r.text) as T;
  const waitForLedger = async (check: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
  };
  const customerRow = async (role: string) => json<{ rows: Array<Record<string, unknown>> }>(await call('GET', `/ledgers/customers?customer_id=${customerId}`, role)).rows[0];

  beforeAll(async () => {
    let ports: StackPorts;
    ({ stack, env, ports } = await startStackOnFreePorts({ DATA_DIR: t.dir, LOG_LEVEL: 'warn', TAIZHANG_TOKENS: '', TAIZHANG_TOKENS_FILE: '' }));
    api = `http://127.0.0.1:${ports.port}`;
    ui = `http://127.0.0.1:${ports.uiPort}`;
    temporalAddress = `127.0.0.1:${ports.temporalPort}`;
    const tokens = JSON.parse(readFileSync(path.join(t.dir, 'tokens.json'), 'utf8')) as Array<{ role: string; token: string }>;
    token = (role) => tokens.find((x) => x.role === role)!.token;

    const r = await call('POST', '/customers', 'agent', { ...person, type: 'owner', grade: 'B' });
    expect(r.status, r.text).toBe(201);
    customerId = json<{ customerId: string }>(r).customerId;
    const ok = await call('POST', `/customers/${customerId}/approve`, 'checker', { changeId: `${customerId}-1` });
    expect(ok.status, ok.text).toBe(200);
    const c = await call('POST', '/complaints', 'agent', { customerId, channel: 'phone', category: 'delivery', severity: 'minor', summary: '交房延期' });
    expect(c.status, c.text).toBe(201);
    complaintId = json<{ complaintId: string }>(c).complaintId;
    await waitForLedger(async () => (await customerRow('admin'))?.status === 'registered');
  }, 200_000);

  afterAll(async () => {
    await stopStack(stack);
    t.cleanup();
  });

  it.runIf(temporalCli().kind === 'path')('refuses the forged Update sent with Temporal\'s CLI, appending nothing', async () => {
    const history = async () => json<unknown[]>(await call('GET', `/audit/history/complaint-${complaintId}`, 'auditor')).length;
    const before = await history();
    const forged = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        (temporalCli() as { path: string }).path,
        ['workflow', 'update', 'execute', '--address', temporalAddress, '--workflow-id', `complaint-${complaintId}`, '--name', 'WithdrawComplaint', '--input', JSON.stringify({ data: { reason: 'forged' }, meta: { actor: 'mallory', role: 'system' } })],
        { timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
      ),
    );
    expect(forged.code).toBe(1);
    expect(forged.out).toContain('meta.role may not be system');
    expect(await history()).toBe(before);
  });

  it('stores no personal data in Temporal: its database and its Web UI serve ciphertext; the codec endpoint decodes for an operator', async () => {
    for (const f of readdirSync(t.dir).filter((n) => n.startsWith('temporal.db'))) {
      const bytes = readFileSync(path.join(t.dir, f));
      for (const v of [person.phone, person.email, person.address]) expect(bytes.includes(Buffer.from(v)), `${v} in ${f}`).toBe(false);
    }
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(settings.Codec?.Endpoint).toBe(`${api}/codec`);
    const res = await fetch(`${ui}/api/v1/namespaces/default/workflows/customer-${customerId}/history`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const payloads = payloadsIn(JSON.parse(text));
    expect(payloads.length).toBeGreaterThan(0);
    const encoding = (p: JsonPayload) => Buffer.from(p.metadata!.encoding!, 'base64').toString();
    // Every payload taizhang sends is encrypted; what Temporal's SDK writes itself (patch markers, the search
    // attribute naming them) is plain and holds ids only.
    const plainOnes = payloadsIn(JSON.parse(text)).filter((p) => encoding(p) !== 'binary/encrypted');
    expect(plainOnes.every((p) => !/1[3-9]\d{9}/.test(decoded(p)))).toBe(true);
    expect(payloads.filter((p) => encoding(p) === 'binary/encrypted').length).toBeGreaterThan(2);
    for (const p of payloads) for (const v of Object.values(person)) expect(decoded(p)).not.toContain(v);
    expect(text).not.toContain(person.phone);

    // The Web UI's calls to the codec endpoint: CORS for its origin, refused without a token or for an agent.
    const preflight = await fetch(`${api}/codec/decode`, { method: 'OPTIONS', headers: { origin: ui, 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
    expect((await call('POST', '/codec/decode', undefined, { payloads })).status).toBe(401);
    expect((await call('POST', '/codec/decode', 'agent', { payloads })).status).toBe(403);
    const opened = await call('POST', '/codec/decode', 'admin', { payloads });
    expect(opened.status, opened.text).toBe(200);
    const plain = json<{ payloads: JsonPayload[] }>(opened).payloads.map(decoded).join('\n');
    expect(plain).toContain(person.phone);
    expect(plain).toContain(person.address);
    const supervisor = json<{ payloads: JsonPayload[] }>(await call('POST', '/codec/decode', 'supervisor', { payloads })).payloads.map(decoded).join('\n');
    expect(supervisor).toContain(person.phone);
    // Each decode that opened personal fields is in the access log the auditor reads.
    const access = json<{ events: Array<{ kind: string; actor: string; columns: string[] }> }>(await call('GET', '/audit/access?limit=50', 'auditor'));
    expect(access.events.filter((e) => e.kind === 'payload').length).toBeGreaterThanOrEqual(2);
    expect(access.events.find((e) => e.kind === 'payload')!.columns).toEqual(expect.arrayContaining(['phone', 'address']));
  });

  it.runIf(existsSync(CHROMIUM))('shows the history decoded in the Temporal Web UI to an operator signed in at the codec endpoint', async () => {
    const profile = mkdtempSync(path.join(tmpdir(), 'tz-ui-profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      const runId = ((await (await fetch(`${ui}/api/v1/namespaces/default/workflows/customer-${customerId}`)).json()) as { workflowExecutionInfo: { execution: { runId: string } } }).workflowExecutionInfo.execution.runId;
      const historyPage = `${ui}/namespaces/default/workflows/customer-${customerId}/${runId}/history`;
      const shown = async () => {
        await page.goto(historyPage);
        // The registration's Update, opened: its input as the codec endpoint decoded it.
        await page.getByText('Workflow Execution Update Accepted').last().click();
        await page.waitForTimeout(3000);
        return page.locator('body').innerText();
      };
      // The operator signs in once at the codec endpoint; the Web UI sends the cookie with its codec calls.
      await page.goto(`${api}/codec/login`);
      await page.fill('input[name=token]', token('admin'));
      await page.click('button[type=submit]');
      await page.waitForSelector('text=Signed in as');
      await page.goto(ui);
      // The UI's codec settings (as its settings dialog stores them): this endpoint, with cross-origin credentials.
      await page.evaluate((endpoint) => {
        const store = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage;
        store.setItem('overrideRemoteCodecConfiguration', 'true');
        store.setItem('endpoint', JSON.stringify(endpoint));
        store.setItem('includeCredentials', 'true');
      }, `${api}/codec`);
      const text = await shown();
      expect(text, text.slice(0, 3000)).toContain(person.phone);
      // Without the sign-in the same page shows no personal data.
      await context.clearCookies();
      expect(await shown()).not.toContain(person.phone);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('erases a customer with the CLI: ledgers, history and export show [已删除], verify exits 0, no file of DATA_DIR holds the values', async () => {
    const asked = cli(['customer', 'erase', customerId, '--reason', '本人申请删除个人信息', '--as', 'agent'], env);
    expect(asked.status, asked.stderr).toBe(0);
    const approved = cli(['customer', 'approve', customerId, '--change-id', `${customerId}-2`, '--as', 'checker'], env);
    expect(approved.status, approved.stderr).toBe(0);
    await waitForLedger(async () => (await customerRow('admin'))?.phone === ERASED);
    expect(await customerRow('admin')).toMatchObject({ name: ERASED, phone: ERASED, email: ERASED, address: ERASED, contact_person: ERASED });

    const ledger = cli(['ledger', 'customers', '--format', 'json', '--as', 'admin'], env);
    expect(ledger.status, ledger.stderr).toBe(0);
    expect(ledger.stdout).toContain(ERASED);
    const history = cli(['audit', 'history', `customer-${customerId}`, '--as', 'auditor'], env);
    expect(history.status, history.stderr).toBe(0);
    expect(history.stdout).toContain(ERASED);
    for (const out of [ledger.stdout, history.stdout]) for (const v of Object.values(person)) expect(out).not.toContain(v);
    const csv = await call('GET', '/ledgers/customers/export?format=csv', 'supervisor');
    expect(csv.text).toContain(ERASED);
    expect(csv.text).not.toContain(person.phone);
    const plain = json<{ payloads: JsonPayload[] }>(
      await call('POST', '/codec/decode', 'admin', { payloads: payloadsIn(await (await fetch(`${ui}/api/v1/namespaces/default/workflows/customer-${customerId}/history`)).json()) }),
    ).payloads.map(decoded).join('\n');
    expect(plain).not.toContain(person.phone);
    expect(plain).toContain(ERASED);

    const verify = cli(['audit', 'verify'], env);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);

    for (const f of filesUnder(t.dir)) {
      const bytes = readFileSync(f);
      for (const v of [person.phone, person.email, person.address]) expect(bytes.includes(Buffer.from(v)), `${v} in ${f}`).toBe(false);
    }
  });
});
