import path from 'node:path';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/api/app';
import type { TemporalGateway } from '../../src/api/gateway';
import { registerLedgerCommand } from '../../src/cli/commands/ledger';
import { displayWidth } from '../../src/cli/format';
import type { Directory } from '../../src/domain/directory';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { LedgerDb } from '../../src/projections/ledger-db';
import { ALL_LEDGERS, LEDGERS } from '../../src/projections/ledgers';
import { LedgerReader } from '../../src/projections/reader';
import { complaintReceivedData, envelope, registered } from '../support/events';
import { tempStore } from '../support/store';
import { testLogger } from '../support/temporal';

const received = (complaintId: string, customerId: string, severity: string) =>
  envelope('ComplaintReceived', complaintReceivedData(complaintId, customerId, { severity, summary: '送货延迟三天，客户要求减免运费' }));

const TOKENS = {
  supervisor: { token: 'supervisor-token-0123456789-abcdefghijklmnop', role: 'supervisor' as const, actor: 'zhao.min' },
  agent: { token: 'agent-token-0123456789-abcdefghijklmnop', role: 'agent' as const, actor: 'li.na' },
};
const directory: Directory = { staff: [{ id: 'li.na', name: '李娜', roles: ['agent'] }, { id: 'zhao.min', name: '赵敏', roles: ['supervisor'] }] };

/**
 * Ledger pages and exports over the API (no Temporal: the reads need only the ledgers), and `taizhang ledger` run
 * in this process against it: customer names joined in the rows, staff display names, labels, and export codes.
 */
describe('ledger pages: names, labels and export codes', () => {
  const s = tempStore();
  let db: LedgerDb;
  let reader: LedgerReader;
  let app: FastifyInstance;
  let url: string;
  const requests: string[] = [];
  const as = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who].token}` });

  beforeAll(async () => {
    await s.store.append('customer-C1', [registered('C1', { name: '上海某物业公司', party: 'organisation' })], { expectedRevision: 'no_stream' });
    await s.store.append('customer-C2', [registered('C2', { name: '北京星河精密机械制造有限公司', party: 'organisation' })], { expectedRevision: 'no_stream' });
    for (let i = 1; i <= 5; i++) await s.store.append(`complaint-K${i}`, [received(`K${i}`, i % 2 ? 'C1' : 'C2', i === 1 ? 'major' : 'normal')], { expectedRevision: 'no_stream' });
    await s.store.append('customer-C1', [envelope('CustomerProfileChanged', { customerId: 'C1', changeId: 'C1-2', changes: { name: '上海新名物业有限公司' } })], { expectedRevision: 0 });
    const file = path.join(s.dir, 'ledger.db');
    db = new LedgerDb(file, LEDGERS);
    const events = [];
    for await (const e of s.store.readAll()) events.push(e);
    db.applyBatch(events);
    reader = new LedgerReader(file, ALL_LEDGERS);
    const gateway = { healthy: async () => true, usePolicy: () => undefined, usePolicyInForce: () => undefined } as unknown as TemporalGateway;
    app = await buildApp({ config: { temporalAddress: 'none', tokens: Object.values(TOKENS) }, logger: testLogger, gateway, store: s.store, ledgers: reader, policy: DEFAULT_POLICY, directory });
    app.addHook('onRequest', async (req) => void requests.push(req.url));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await app?.close();
    reader?.close();
    db?.close();
    await s.cleanup();
  });

  it('a page carries customer_name (the current name), staff display names and labels', async () => {
    const res = await app.inject({ method: 'GET', url: '/ledgers/complaints?limit=2', headers: as('supervisor') });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json();
    expect(page.rows.map((r: Record<string, unknown>) => [r.complaint_id, r.customer_name, r.owner, r.owner_name])).toEqual([
      ['K1', '上海新名物业有限公司', 'li.na', '李娜'],
      ['K2', '北京星河精密机械制造有限公司', 'li.na', '李娜'],
    ]);
    expect(page.total).toBe(5);
    expect(page.labels.columns).toMatchObject({ complaint_id: '投诉编号', customer_name: '客户名称', owner: '首问负责人', owner_name: '首问负责人姓名' });
    expect(page.labels.values.severity).toMatchObject({ major: '重大', normal: '一般' });
    expect(page.labels.values['status']).toMatchObject({ closed: '已结案' });
    expect(page.labels.values.breached).toEqual({ '1': '是', '0': '否' });
    // Filtering on the joined name, by its header.
    const byName = await app.inject({ method: 'GET', url: `/ledgers/complaints?${new URLSearchParams({ 客户名称: '上海新名物业有限公司' })}`, headers: as('supervisor') });
    expect(byName.json().rows.map((r: Record<string, unknown>) => r.complaint_id)).toEqual(['K1', 'K3', 'K5']);
    // The list of ledgers names the column too.
    const list = (await app.inject({ method: 'GET', url: '/ledgers', headers: as('agent') })).json();
    expect(list.ledgers.find((l: { name: string }) => l.name === 'complaints').columns.map((c: { name: string }) => c.name)).toContain('customer_name');
  });

  it('export: labels by default, the stored codes with codes=true; a bad value names the field; documented in the OpenAPI', async () => {
    const csv = async (q: string) => {
      const res = await app.inject({ method: 'GET', url: `/ledgers/complaints/export?format=csv${q}`, headers: as('supervisor') });
      expect(res.statusCode, res.body).toBe(200);
      return res.body;
    };
    const labelled = await csv('');
    expect(labelled).toContain('客户名称');
    expect(labelled).toContain('上海新名物业有限公司');
    expect(labelled).toContain('重大');
    expect(labelled).not.toMatch(/,major,/);
    // Staff ids with their display names beside them, for people.
    expect(labelled.split('\r\n')[0]).toContain('首问负责人,首问负责人姓名');
    expect(labelled).toContain('li.na,李娜');
    expect(await csv('&codes=false')).toBe(labelled);
    const coded = await csv('&codes=true');
    expect(coded).toMatch(/,major,/);
    expect(coded).toMatch(/,received,/);
    expect(coded).not.toContain('重大');
    expect(coded).not.toContain('首问负责人姓名');
    const bad = await app.inject({ method: 'GET', url: '/ledgers/complaints/export?format=csv&codes=yes', headers: as('supervisor') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toEqual([{ field: 'codes', rule: 'must be true or false' }]);
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const params = spec.paths['/ledgers/{name}/export'].get.parameters as Array<{ name: string; schema: { enum?: string[] } }>;
    expect(params.find((p) => p.name === 'codes')?.schema.enum).toEqual(['true', 'false']);
    const page = spec.paths['/ledgers/{name}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(page.properties)).toContain('labels');
  });

  it('taizhang ledger complaints: one request per page, customer and staff names in a table of at most 120 columns', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    requests.length = 0;
    try {
      const program = new Command().exitOverride();
      registerLedgerCommand(program);
      await program.parseAsync(['ledger', 'complaints', '--url', url, '--token', TOKENS.supervisor.token, '--limit', '3'], { from: 'user' });
    } finally {
      write.mockRestore();
    }
    expect(requests).toEqual(['/ledgers/complaints?limit=3&offset=0']);
    const text = out.join('');
    expect(text).toContain('客户名称');
    expect(text).toContain('上海新名物业有限公司');
    expect(text).toContain('李娜');
    expect(text).not.toContain('li.na');
    expect(Math.max(...text.split('\n').map(displayWidth))).toBeLessThanOrEqual(120);
  });
});
