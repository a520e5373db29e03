import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app';
import { TemporalGateway } from '../../src/api/gateway';
import { SurveySchedules } from '../../src/api/schedules';
import { describeImport } from '../../src/cli/commands/calendar';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { changeProcess } from '../../src/processes/change';
import { complaintProcess } from '../../src/processes/complaint';
import { ALL_LEDGERS } from '../../src/projections/ledgers';
import { LedgerReader } from '../../src/projections/reader';
import type { DeadlinesReplannedData } from '../../src/domain/deadlines/replan';
import { TOKENS } from '../support/app';
import { recordHistory } from '../support/histories';
import { TEST_KEYS } from '../support/keys';
import { startWorkerStack, testCodec, testLogger, type WorkerStack } from '../support/temporal';

/**
 * `POST /calendar/versions` end to end, on the time-skipping server started at 2026-12-31 16:00 Beijing time (the
 * holiday data of chinese-days ends with 2026): a minor complaint received then is due on New Year's Day 2027 until a
 * 2027 notice making that day a holiday is imported; the import re-plans it and its history shows the re-planning.
 */
const START_AT = '2026-12-31T16:00:00+08:00';
const NOTICE = readFileSync(path.join(import.meta.dirname, '../../examples/holidays-2027.json'), 'utf8');

describe('calendar import re-plans open processes (time-skipping, from 2026-12-31 16:00)', () => {
  let w: WorkerStack;
  let app: FastifyInstance;
  /** Another API node on the same Temporal and event store, started before the import. */
  let other: { app: FastifyInstance; gateway: TemporalGateway };
  let reader: LedgerReader;
  const as = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]!.token}` });
  const agent = { actor: 'agent-1', role: 'agent' as const };

  beforeAll(async () => {
    w = await startWorkerStack('time-skipping', { startAt: START_AT, policy: DEFAULT_POLICY });
    reader = new LedgerReader(path.join(w.dir, 'ledger.db'), ALL_LEDGERS, w.pii);
    // An API node on the shared Temporal and event store, with its own gateway.
    const apiNode = async (gateway: TemporalGateway, accessLog: string) => {
      const node = await buildApp({
        config: { temporalAddress: w.env.connection.options.address, tokens: Object.values(TOKENS) },
        logger: testLogger,
        gateway,
        store: w.store,
        ledgers: reader,
        policy: DEFAULT_POLICY,
        schedules: new SurveySchedules(w.env.client, w.taskQueue, DEFAULT_POLICY, TEST_KEYS.commandKeys[0]),
        codec: testCodec,
        pii: w.pii,
        accessLogPath: path.join(w.dir, accessLog),
      });
      await node.ready();
      return node;
    };
    app = await apiNode(w.gateway, 'access.db');
    const gateway = new TemporalGateway(w.env.client, w.taskQueue, { store: w.store, commandKeys: TEST_KEYS.commandKeys, pii: w.pii, now: () => w.env.currentTimeMs(), policy: DEFAULT_POLICY });
    other = { app: await apiNode(gateway, 'access-2.db'), gateway };
  });
  afterAll(async () => {
    await other?.app.close();
    await app?.close();
    reader?.close();
    await w?.close();
  });

  const receive = () =>
    w.gateway.receiveComplaint({ customerId: 'C1', channel: 'phone', category: 'delivery', severity: 'minor', summary: '配送延迟' }, agent, { customerClass: 'ordinary' });
  const show = async (id: string) => {
    const r = await app.inject({ method: 'GET', url: `/complaints/${id}`, headers: as('supervisor') });
    expect(r.statusCode).toBe(200);
    return r.json() as { state: { receivedAt: string; firstResponse: { due: string }; resolution: { due: string }; calendarWarnings: string[] }; pendingAlarms: Array<{ at: string }> };
  };

  /** The deadline calculator (`GET /sla/deadlines`) for a minor complaint received 2026-12-31 16:00 Beijing time. */
  const whatIf = async () => {
    const r = await app.inject({ method: 'GET', url: `/sla/deadlines?${new URLSearchParams({ received: '2026-12-31 16:00', severity: 'minor' })}`, headers: as('agent') });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { firstResponseDue: string; calendar: { warnings: string[] } };
  };

  it('moves the first-response deadline off New Year’s Day, with the re-planning event in the history', async () => {
    expect(await whatIf()).toMatchObject({ firstResponseDue: '2027-01-01T16:00:00+08:00', calendar: { warnings: ['no holiday data for 2027; weekends only'] } });
    const { complaintId } = await receive();
    const before = await show(complaintId);
    // Other open processes on the same data: a paused complaint, and a change request whose two working days of review
    // count 1 January as a working day.
    const { complaintId: paused } = await receive();
    await w.gateway.command(complaintProcess, paused, 'pause', { reason: '等待客户提供照片' }, agent);
    const { customerId } = await w.gateway.registerCustomer({ name: '上海某物业公司', phone: '13800138000', type: 'owner', importance: 'ordinary', grade: 'B' }, agent);
    const { id: changeId } = await w.gateway.create(changeProcess, 'submit', { customerId, kind: 'delivery_date', description: '交付日期改为 1 月 20 日', reason: '现场未具备安装条件', amount: 0, affects: '合同 HT-2026-031' }, agent);
    const changeView = async () => (await app.inject({ method: 'GET', url: `/changes/${changeId}`, headers: as('supervisor') })).json() as { state: { review: { due: string } } };
    expect((await changeView()).state.review.due.slice(0, 16)).toBe('2027-01-04T16:00');
    expect(before.state.receivedAt.slice(0, 16)).toBe('2026-12-31T16:00');
    expect(before.state.firstResponse.due.slice(0, 10)).toBe('2027-01-01');
    // The warning is in the complaint's own view, not only in the log.
    expect(before.state.calendarWarnings).toEqual(['no holiday data for 2027; weekends only']);

    // Only an admin imports; the refusal records nothing.
    const refused = await app.inject({ method: 'POST', url: '/calendar/versions', headers: as('supervisor'), payload: { file: 'holidays-2027.json', content: NOTICE } });
    expect(refused.statusCode).toBe(403);
    expect((await w.store.readStream('calendar-holidays')).length).toBe(0);
    const invalid = await app.inject({ method: 'POST', url: '/calendar/versions', headers: as('admin'), payload: { file: 'bad.json', content: JSON.stringify({ year: 2027, holidays: [{ name: '元旦', from: '2027-02-30' }] }) } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().issues).toEqual([{ field: 'holidays.0.from', rule: 'must be a real date YYYY-MM-DD, e.g. 2027-01-01' }]);

    const r = await app.inject({ method: 'POST', url: '/calendar/versions', headers: as('admin'), payload: { file: 'holidays-2027.json', content: NOTICE } });
    expect(r.statusCode).toBe(200);
    const result = r.json();
    expect(result.alreadyImported).toBe(false);
    expect(result.version).toMatchObject({ version: 1, file: 'holidays-2027.json', years: [2027], importedBy: 'admin-1' });
    expect(result.failed).toEqual([]);
    const record = result.replanned.find((x: { process: string; id: string }) => x.process === 'complaint' && x.id === complaintId);
    const first = record.moved.find((m: { deadline: string }) => m.deadline === 'first_response');
    expect(first.fromDue).toBe(before.state.firstResponse.due);
    // 元旦 1–3 January in the notice: the first working day after it is Monday the 4th, at the same wall time.
    expect(first.toDue).toBe(`2027-01-04${before.state.firstResponse.due.slice(10)}`);
    expect(record.calendarWarnings).toEqual([]);
    // Every open process the notice moves is re-planned: the paused complaint, the change request, and the customer's
    // registration waiting for its checker, too.
    expect(result.replanned.map((x: { process: string; id: string }) => `${x.process} ${x.id}`).sort()).toEqual([`change ${changeId}`, `complaint ${complaintId}`, `complaint ${paused}`, `customer ${customerId}`].sort());
    const change = result.replanned.find((x: { process: string }) => x.process === 'change');
    expect(change.moved.map((m: { deadline: string; fromDue: string; toDue: string }) => [m.deadline, m.fromDue.slice(0, 16), m.toDue.slice(0, 16)])).toEqual([['review', '2027-01-04T16:00', '2027-01-05T16:00']]);
    expect((await changeView()).state.review.due).toBe(change.moved[0].toDue);
    expect((await show(paused)).state.firstResponse.due.slice(0, 10)).toBe('2027-01-04');
    // The kernel's re-plan as recorded histories (RECORD_HISTORIES=replanned): a paused complaint, a change request in review.
    await recordHistory(w.env.client, `complaint-${paused}`, 'complaint-paused-replanned');
    await recordHistory(w.env.client, `change-${changeId}`, 'change-review-replanned');
    // What `taizhang calendar import` prints: the version, its days, each re-planned record with old → new instants.
    const printed = describeImport(result, 'Asia/Shanghai');
    expect(printed[0]).toBe('calendar version 1 recorded from holidays-2027.json: 2027, 26 holiday days (放假), 4 make-up working days (调休上班)');
    expect(printed).toContain(`re-planned        投诉 complaint ${complaintId}`);
    expect(printed).toContain(`  首次响应期限 first response: ${first.fromDue.slice(0, 16).replace('T', ' ')} → ${first.toDue.slice(0, 16).replace('T', ' ')}`);
    process.stdout.write(printed.join('\n') + '\n');

    const after = await show(complaintId);
    expect(after.state.firstResponse.due).toBe(first.toDue);
    expect(after.state.calendarWarnings).toEqual([]);
    expect(after.pendingAlarms.some((a) => a.at.startsWith('2027-01-01'))).toBe(false);

    const history = await app.inject({ method: 'GET', url: `/audit/history/complaint-${complaintId}`, headers: as('auditor') });
    expect(history.statusCode).toBe(200);
    const types = (history.json().events as Array<{ type: string }>).map((e) => e.type);
    expect(types).toContain('ComplaintDeadlinesReplanned');
    const stored = (await w.store.readStream(`complaint-${complaintId}`)).find((e) => e.type === 'ComplaintDeadlinesReplanned')!;
    const data = stored.data as DeadlinesReplannedData;
    expect(data.calendarVersion).toBe(1);
    expect(data.moved.find((m) => m.deadline === 'first_response')).toMatchObject({ fromDue: first.fromDue, toDue: first.toDue });
    expect(stored.metadata).toMatchObject({ actor: 'admin-1', role: 'admin' });

    // The same notice again (here as CSV): a no-op.
    const again = await app.inject({ method: 'POST', url: '/calendar/versions', headers: as('admin'), payload: { file: 'holidays-2027.csv', content: readFileSync(path.join(import.meta.dirname, '../../examples/holidays-2027.csv'), 'utf8') } });
    expect(again.json()).toMatchObject({ alreadyImported: true, replanned: [], version: { version: 1 } });
    expect((await w.store.readStream('calendar-holidays')).length).toBe(1);
    const versions = await app.inject({ method: 'GET', url: '/calendar/versions', headers: as('agent') });
    expect(versions.json().versions.map((v: { version: number }) => v.version)).toEqual([1]);

    // The calculator counts on the imported version too.
    expect(await whatIf()).toMatchObject({ firstResponseDue: '2027-01-04T16:00:00+08:00', calendar: { warnings: [] } });

    // A complaint received now starts on the new version: no New Year's Day deadline, no warning.
    const { complaintId: later } = await receive();
    const fresh = await show(later);
    expect(fresh.state.firstResponse.due.slice(0, 10)).toBe('2027-01-04');
    expect(fresh.state.calendarWarnings).toEqual([]);

    // So does one received through the other API node, which read the versions before the import and was not restarted.
    const { complaintId: elsewhere } = await other.gateway.receiveComplaint({ customerId: 'C1', channel: 'phone', category: 'delivery', severity: 'minor', summary: '另一节点受理' }, agent, { customerClass: 'ordinary' });
    const there = await show(elsewhere);
    expect(there.state.firstResponse.due.slice(0, 10)).toBe('2027-01-04');
    expect(there.state.calendarWarnings).toEqual([]);
  });
});
