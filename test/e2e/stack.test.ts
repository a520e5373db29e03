import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerPage } from '../../src/projections/reader';
import { alive, cli, type RunningStack, type StackPorts, startStack, startStackOnFreePorts, stopStack } from '../support/stack';
import { tempDir } from '../support/store';

/**
 * The embedded stack as `npm start` runs it: real Temporal dev server, worker, projector and API as child processes.
 * Drives the API and the CLI, kills the whole process tree with SIGKILL, starts again and checks nothing was lost.
 */
describe('embedded stack end to end', () => {
  const t = tempDir('taizhang-e2e-');
  let env: NodeJS.ProcessEnv;
  let stack: RunningStack | undefined;
  let token: (role: string) => string;
  let api: string;
  let ui: string;

  beforeAll(async () => {
    chmodSync(t.dir, 0o755); // as an earlier version left it: the stack makes it owner-only
    let ports: StackPorts;
    ({ stack, env, ports } = await startStackOnFreePorts({ DATA_DIR: t.dir, LOG_LEVEL: 'warn', TAIZHANG_TOKENS: '', TAIZHANG_TOKENS_FILE: '' }, 200_000));
    api = `http://127.0.0.1:${ports.port}`;
    ui = `http://127.0.0.1:${ports.uiPort}`;
    const tokens = JSON.parse(readFileSync(path.join(t.dir, 'tokens.json'), 'utf8')) as Array<{ role: string; token: string }>;
    token = (role) => tokens.find((x) => x.role === role)!.token;
  }, 200_000);

  afterAll(async () => {
    await stopStack(stack);
    t.cleanup();
  });

  const register = async (body: Record<string, unknown>) => {
    const res = await fetch(`${api}/customers`, { method: 'POST', headers: { authorization: `Bearer ${token('agent')}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { customerId: string; issues?: Array<{ field: string }> } };
  };
  const ledgerViaCli = (): LedgerPage => {
    const r = cli(['ledger', 'customers', '--format', 'json', '--as', 'admin'], env);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as LedgerPage;
  };
  const eventIds = (): string[] => {
    const db = new Database(path.join(t.dir, 'events.db'), { readonly: true });
    try {
      return (db.prepare('SELECT id FROM events ORDER BY position').all() as Array<{ id: string }>).map((r) => r.id);
    } finally {
      db.close();
    }
  };
  const workflowIdsInUi = async (): Promise<string[]> => {
    const res = await fetch(`${ui}/api/v1/namespaces/default/workflows?query=${encodeURIComponent("WorkflowType='customerWorkflow'")}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { executions?: Array<{ execution: { workflowId: string } }> };
    return (body.executions ?? []).map((e) => e.execution.workflowId);
  };

  const registered: string[] = [];

  it('answers /healthz, registers through the API and the CLI, and the ledger shows them within 1 s', async () => {
    const health = await fetch(`${api}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const details = await fetch(`${api}/healthz`, { headers: { authorization: `Bearer ${token('agent')}` } });
    expect(await details.json()).toMatchObject({ status: 'ok', temporal: { ok: true }, store: { ok: true } });

    for (let i = 0; i < 5; i++) {
      const r = await register({ name: `客户${i}`, phone: `1380013800${i}`, grade: 'B' });
      expect(r.status).toBe(201);
      registered.push(r.body.customerId);
    }
    const viaCli = cli(['customer', 'register', '--name', '命令行客户', '--phone', '010-12345678', '--grade', 'A', '--json', '--as', 'supervisor'], env);
    expect(viaCli.status, viaCli.stderr).toBe(0);
    registered.push((JSON.parse(viaCli.stdout) as { customerId: string }).customerId);

    const deadline = Date.now() + 1000;
    let page = ledgerViaCli();
    while (page.total < registered.length && Date.now() < deadline) page = ledgerViaCli();
    expect(page.rows.map((r) => r.customer_id).sort()).toEqual([...registered].sort());

    // The phone is not among the columns a person needs by default: asked for, an agent sees it masked.
    const table = cli(['ledger', 'customers', '--format', 'table', '--columns', 'customer_id,name,phone', '--as', 'agent'], env);
    expect(table.stdout).toContain('客户台账');
    expect(table.stdout).toContain('138****8000');
  });

  it('handles a complaint through the CLI and shows it in the complaints ledger', async () => {
    const customer = registered[0]!;
    const received = cli(['complaint', 'receive', '--customer-id', customer, '--channel', 'phone', '--category', 'delivery', '--severity', 'normal', '--summary', '送货延迟', '--json', '--as', 'agent'], env);
    expect(received.status, received.stderr).toBe(0);
    const { complaintId } = JSON.parse(received.stdout) as { complaintId: string };
    const ack = cli(['complaint', 'acknowledge', complaintId, '--note', '已致电客户', '--as', 'agent'], env);
    expect(ack.status, ack.stderr).toBe(0);
    expect(ack.stdout).toContain('首次响应');
    expect(ack.stdout).toContain('状态: 已受理 → 已首次响应');
    const wrong = cli(['complaint', 'notify', complaintId, '--result', 'x', '--as', 'agent'], env);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/in state acknowledged.*\(HTTP 409/);
    let rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 10 && rows.length === 0; i++) {
      const r = cli(['ledger', 'complaints', '--format', 'json', '--where', `complaint_id=${complaintId}`, '--as', 'admin'], env);
      rows = (JSON.parse(r.stdout) as LedgerPage).rows;
    }
    expect(rows[0]).toMatchObject({ complaint_id: complaintId, status: 'acknowledged', first_response_on_time: 1, policy: 'default@5' });
    const deadlines = cli(['sla', 'deadlines', '--received', '2026-09-24T17:00:00+08:00', '--severity', 'minor', '--format', 'json'], env);
    expect(JSON.parse(deadlines.stdout)).toMatchObject({ firstResponseDue: '2026-09-28T17:00:00+08:00', resolutionDue: '2026-10-09T17:00:00+08:00' });
  });

  it('takes an enquiry through the CLI the registry generates for it', async () => {
    const received = cli(['enquiry', 'receive', '--channel', 'phone', '--topic', '保修期多长', '--json', '--as', 'agent'], env);
    expect(received.status, received.stderr).toBe(0);
    const { enquiryId } = JSON.parse(received.stdout) as { enquiryId: string };
    const answered = cli(['enquiry', 'answer', enquiryId, '--answer', '整机保修三年', '--as', 'agent'], env);
    expect(answered.status, answered.stderr).toBe(0);
    expect(answered.stdout).toContain('答复咨询');
    expect(answered.stdout).toContain('状态: 已受理 → 已答复');
    const help = cli(['enquiry', 'transfer', '--help'], env);
    expect(help.stdout).toMatch(/--department <department>.*\(required\)/);
  });

  it('keeps DATA_DIR owner-only: the directory 0700 and every file in it 0600, temporal.db and tokens.json too', () => {
    expect(statSync(t.dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(t.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((e) => e.name)).toEqual(expect.arrayContaining(['events.db', 'ledger.db', 'temporal.db', 'tokens.json']));
    const open = files.map((e) => path.join(e.parentPath, e.name)).filter((f) => (statSync(f).mode & 0o077) !== 0);
    expect(open, 'files group or others may read').toEqual([]);
  });

  it('rejects an invalid registration with a 400 naming the fields, appending nothing', async () => {
    const before = eventIds();
    const r = await register({ phone: '999', grade: 'Z' });
    expect(r.status).toBe(400);
    expect(r.body.issues!.map((i) => i.field).sort()).toEqual(['grade', 'name', 'phone']);
    const viaCli = cli(['customer', 'register', '--name', 'x', '--phone', 'abc', '--as', 'agent'], env);
    expect(viaCli.status).toBe(1);
    expect(viaCli.stderr).toContain('phone');
    expect(eventIds()).toEqual(before);
  });

  it('shows the workflows in the Temporal Web UI', async () => {
    expect((await fetch(ui)).status).toBe(200);
    const ids = await workflowIdsInUi();
    for (const c of registered) expect(ids).toContain(`customer-${c}`);
  });

  it('survives kill -9 of the whole process tree: everything is still there after a restart, no event twice', async () => {
    const before = eventIds();
    const tree = stack!.tree();
    expect(tree.length).toBeGreaterThanOrEqual(5); // supervisor, temporal, worker, projector, api
    for (const pid of tree) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    expect(tree.filter(alive)).toEqual([]);

    stack = await startStack(env);
    const page = ledgerViaCli();
    expect(page.rows.map((r) => r.customer_id).sort()).toEqual([...registered].sort());
    const after = eventIds();
    expect(after).toEqual(before);
    expect(new Set(after).size).toBe(after.length);

    // The workflows resumed: a contact change would need them; a new registration works at once.
    const r = await register({ name: '重启后客户' });
    expect(r.status).toBe(201);
    const ids = await workflowIdsInUi();
    for (const c of [...registered, r.body.customerId]) expect(ids).toContain(`customer-${c}`);
  });

  it('seeds customers and complaints through the real write path', async () => {
    const seeded = cli(['dev', 'seed', '--customers', '12', '--complaints', '4', '--run', 'e2e', '--as', 'admin'], env);
    expect(seeded.status, seeded.stderr).toBe(0);
    expect(seeded.stdout).toContain('seeded 12 customers and 4 complaints');
    const again = cli(['dev', 'seed', '--customers', '12', '--complaints', '4', '--run', 'e2e', '--as', 'admin'], env);
    expect(again.status, again.stderr).toBe(0);
    let customers = 0;
    for (let i = 0; i < 20 && customers < 12; i++) customers = (JSON.parse(cli(['ledger', 'customers', '--format', 'json', '--where', 'registered_by=admin', '--as', 'admin'], env).stdout) as LedgerPage).total;
    expect(customers).toBe(12);
    const complaints = JSON.parse(cli(['ledger', 'complaints', '--format', 'json', '--as', 'admin'], env).stdout) as LedgerPage;
    expect(complaints.rows.filter((r) => String(r.complaint_id).startsWith('Se2ek'))).toHaveLength(4);
  });

  it('stops every child cleanly on SIGTERM', async () => {
    const tree = stack!.tree();
    stack!.proc.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => stack!.proc.once('exit', r));
    expect(code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(tree.filter(alive)).toEqual([]);
  });
});
