import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProcessCommands } from '../../src/cli/commands/processes';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy';
import { startTestApp, type TestApp } from '../support/app';

/**
 * Customer master data under maker-checker through the API the registry generates. Checkers come from the policy: here
 * supervisors check too, so the test tokens (agents, a supervisor, an admin) can play maker and checker.
 */
const policy: Policy = {
  ...DEFAULT_POLICY,
  approvals: { ...DEFAULT_POLICY.approvals, masterData: { ...DEFAULT_POLICY.approvals.masterData, checkers: ['checker', 'manager', 'supervisor'] } },
};

describe('customer maker-checker through the HTTP API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(policy);
  });
  afterAll(async () => {
    await t?.close();
  });
  const post = (url: string, who: Parameters<TestApp['as']>[0], payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.as(who), payload: payload as object });
  const ledger = async (name: string, query: string, who: Parameters<TestApp['as']>[0] = 'admin') =>
    (await t.app.inject({ method: 'GET', url: `/ledgers/${name}?${query}`, headers: t.as(who) })).json() as { total: number; rows: Array<Record<string, unknown>> };

  it('every command has its route and OpenAPI entry; the CLI has its subcommands', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } } }> };
    for (const action of ['approve', 'reject', 'withdraw', 'request-second-review', 'change-grade', 'set-flag', 'designate-key-account', 'change-profile', 'update-contact']) {
      expect(doc.paths[`/customers/{id}/${action}`]?.post, action).toBeDefined();
    }
    const reject = doc.paths['/customers/{id}/reject']!.post!.requestBody!.content['application/json']!.schema;
    expect(reject.required).toEqual(expect.arrayContaining(['changeId', 'reason']));
    const approve = doc.paths['/customers/{id}/approve']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(approve.properties ?? {})).toEqual(expect.arrayContaining(['changeId', 'noticeRef']));
    const program = new Command();
    registerProcessCommands(program);
    const customer = program.commands.find((c) => c.name() === 'customer')!;
    expect(customer.commands.map((c) => c.name())).toEqual(expect.arrayContaining(['register', 'approve', 'reject', 'withdraw', 'request-second-review', 'change-grade', 'set-flag', 'designate-key-account']));
    const grade = customer.commands.find((c) => c.name() === 'change-grade')!;
    expect(grade.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--grade', '--scores-cooperation-history', '--scores-payment', '--scores-reputation', '--scores-integrity', '--scores-demand']));
  });

  it('a registration is pending in both ledgers; the maker cannot approve it; another checker does', async () => {
    const r = await post('/customers', 'supervisor', { name: '杭州某物业', phone: '13800138000', grade: 'B' });
    expect(r.statusCode, r.body).toBe(201);
    const { customerId, position } = r.json() as { customerId: string; position: string };
    await t.projector.waitFor(position);
    expect((await ledger('customers', `customer_id=${customerId}`)).rows[0]).toMatchObject({ status: 'pending', pending_changes: 1, pending_summary: `${customerId}-1 registration` });
    expect((await ledger('customer_changes', `customer_id=${customerId}`)).rows).toEqual([expect.objectContaining({ change_id: `${customerId}-1`, kind: 'registration', status: 'pending', maker: 'sup-1', checkers: 'checker, manager, supervisor' })]);

    const own = await post(`/customers/${customerId}/approve`, 'supervisor', { changeId: `${customerId}-1` });
    expect(own.statusCode).toBe(403);
    expect(own.json()).toMatchObject({ error: 'forbidden', code: 'approval.own_submission' });
    const agent = await post(`/customers/${customerId}/approve`, 'agent', { changeId: `${customerId}-1` });
    expect(agent.json()).toMatchObject({ code: 'approval.wrong_role' });
    const noReason = await post(`/customers/${customerId}/reject`, 'admin', { changeId: `${customerId}-1` });
    expect(noReason.statusCode).toBe(400);
    expect((noReason.json() as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['reason']);

    // Another supervisor-level checker: the test directory has one supervisor, so an agent submits the next one.
    const c = await post('/customers', 'agent', { name: '宁波某物业', phone: '13800138001', grade: 'B' });
    const other = (c.json() as { customerId: string }).customerId;
    const ok = await post(`/customers/${other}/approve`, 'supervisor', { changeId: `${other}-1` });
    expect(ok.statusCode, ok.body).toBe(200);
    await t.projector.waitFor((ok.json() as { position: string }).position);
    expect((await ledger('customers', `customer_id=${other}`)).rows[0]).toMatchObject({ status: 'registered', registered_by: 'agent-1', approved_by: 'sup-1', pending_changes: 0 });
    expect((await ledger('customer_changes', `customer_id=${other}`)).rows[0]).toMatchObject({ status: 'approved', decided_by: 'sup-1', approvals: 'sup-1' });

    // A contact change: its proposed phone is personal data, masked for agents.
    const change = await post(`/customers/${other}/update-contact`, 'agent', { phone: '13912345678' });
    expect(change.statusCode, change.body).toBe(200);
    await t.projector.waitFor((change.json() as { position: string }).position);
    expect((await ledger('customer_changes', `change_id=${other}-2`, 'agent')).rows[0]).toMatchObject({ kind: 'contact', fields: 'phone', proposed_phone: '139****5678' });
    expect((await ledger('customer_changes', `change_id=${other}-2`, 'supervisor')).rows[0]).toMatchObject({ proposed_phone: '13912345678' });
    expect((await ledger('customers', `customer_id=${other}`, 'supervisor')).rows[0]).toMatchObject({ phone: '13800138001', pending_summary: `${other}-2 contact (phone)` });
  });
});
