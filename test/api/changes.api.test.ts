import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/events/envelope';
import { registered } from '../support/events';
import { startTestApp, TOKENS, type TestApp } from '../support/app';

type Who = keyof typeof TOKENS;
type Res = Awaited<ReturnType<TestApp['app']['inject']>>;
interface ErrorBody {
  error: string;
  code?: string;
  message: string;
  issues?: Array<{ field: string; rule: string }>;
}
interface CommandBody {
  streamName: string;
  revision: number;
  position: string | null;
  eventIds: string[];
  eventTypes: string[];
}
type Row = Record<string, unknown>;

/**
 * Change requests (变更申请, `change-<id>`) through the API routes the registry generates for them: the four review
 * panels, tiered approval (two different VPs for a key account), sign-off, implementation, verification and close;
 * the error contract (400 naming the field, 403, 409, nothing appended on a refusal); the two ledgers; the OpenAPI
 * operations.
 */
describe('change request API', () => {
  let t: TestApp;
  let ordinary: string;
  let key: string;

  const customer = async (importance: 'key' | 'ordinary') => {
    const id = `C${randomUUID().slice(0, 8)}`;
    await t.store.append(`customer-${id}`, [registered(id, { importance })], { expectedRevision: 'no_stream' });
    return id;
  };

  beforeAll(async () => {
    t = await startTestApp();
    ordinary = await customer('ordinary');
    key = await customer('key');
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (url: string, who: Who, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.as(who), payload: payload as object });
  const get = (url: string, who: Who = 'auditor') => t.app.inject({ method: 'GET', url, headers: t.as(who) });
  const stream = async (id: string) => (await t.store.readStream(`change-${id}`)) as RecordedEvent[];
  const domainTypes = async (id: string) => (await stream(id)).map((e) => e.type).filter((x) => x !== 'NotificationIssued');

  /** 200 (or 201), else the test fails showing the body. */
  const ok = async (res: Promise<Res>, status = 200): Promise<CommandBody> => {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return r.json() as CommandBody;
  };
  const act = (id: string, path: string, who: Who, body: unknown = {}) => ok(post(`/changes/${id}/${path}`, who, body));

  /** A refused request: the status, and neither the change's stream nor the store as a whole has grown. */
  const refused = async (id: string, status: number, send: () => Promise<Res>): Promise<ErrorBody> => {
    const before = await stream(id);
    const all = (await t.allEvents()).length;
    const r = await send();
    expect(r.statusCode, r.body).toBe(status);
    expect(await stream(id)).toEqual(before);
    expect((await t.allEvents()).length).toBe(all);
    return r.json() as ErrorBody;
  };

  const form = (customerId: string, amount: number, extra: Record<string, unknown> = {}) => ({
    customerId,
    kind: 'delivery_date',
    description: '交付日期由 10 月 20 日改为 11 月 5 日',
    reason: '客户现场未具备安装条件',
    amount,
    affects: '合同 HT-2026-031',
    wantedBy: '2026-10-15',
    ...extra,
  });

  const submit = async (customerId: string, amount: number, extra: Record<string, unknown> = {}, who: Who = 'agent') => {
    const r = await post('/changes', who, form(customerId, amount, extra));
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json() as CommandBody & { changeId: string };
    expect(body.changeId).toMatch(/^B/);
    expect(body.streamName).toBe(`change-${body.changeId}`);
    return body;
  };

  const panels: Array<[Who, Record<string, unknown>]> = [
    ['supervisor', { opinion: 'agree' }],
    ['finance', { opinion: 'agree', comment: '费用在预算内' }],
    ['marketing', { opinion: 'conditional', comment: '需补充费用测算' }],
    ['expert', { opinion: 'agree' }],
  ];
  /** Submitted and through the four panels' review: waiting for its tier. */
  const reviewed = async (customerId: string, amount: number, extra: Record<string, unknown> = {}) => {
    const { changeId } = await submit(customerId, amount, extra);
    let last: CommandBody | undefined;
    for (const [who, body] of panels) last = await act(changeId, 'review', who, body);
    expect(last!.eventTypes).toEqual(['ChangeReviewed', 'ChangeSentForApproval', 'NotificationIssued']);
    return changeId;
  };

  const ledger = async (name: 'changes' | 'change_steps', changeId: string, position: string | null) => {
    if (position) await t.projector.waitFor(position);
    const r = await get(`/ledgers/${name}?change_id=${changeId}&limit=100`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { total: number; rows: Row[] };
  };

  it('a small change: the four panels, the department manager, sign-off, a named team, verification by someone else, close', async () => {
    const submitted = await submit(ordinary, 30_000);
    const id = submitted.changeId;
    expect(submitted.eventTypes).toEqual(['ChangeRequested', ...Array(4).fill('NotificationIssued')]);

    const view = await get(`/changes/${id}`, 'agent');
    expect(view.statusCode, view.body).toBe(200);
    const shown = view.json() as { streamName: string; state: Row; pendingAlarms: Array<{ kind: string; at: string }> };
    expect(shown).toMatchObject({
      streamName: `change-${id}`,
      state: {
        status: 'reviewing',
        changeId: id,
        customerId: ordinary,
        customerClass: 'ordinary',
        requester: 'agent-1',
        submittedBy: 'agent-1',
        amount: 30_000,
        tier: { name: 'department', role: 'manager', quorum: 1 },
        basis: { policy: 'default@5' },
      },
    });
    // The review's warning first, then its two escalations (manager, general manager).
    expect(shown.pendingAlarms.map((a) => a.kind)).toEqual(['warning', 'escalation', 'escalation']);
    expect(shown.pendingAlarms.map((a) => a.at)).toEqual([...shown.pendingAlarms.map((a) => a.at)].sort());

    for (const [who, body] of panels.slice(0, 3)) expect((await act(id, 'review', who, body)).eventTypes).toEqual(['ChangeReviewed']);
    const last = await act(id, 'review', 'expert', { opinion: 'agree' });
    expect(last.eventTypes).toEqual(['ChangeReviewed', 'ChangeSentForApproval', 'NotificationIssued']);
    expect((await get(`/changes/${id}`)).json()).toMatchObject({ state: { status: 'approving', approval: { step: 'approval', roles: ['manager'], quorum: 1, outcome: 'pending' } } });

    const approved = await act(id, 'approve', 'manager', { reason: '同意调整' });
    expect(approved.eventTypes).toEqual(['ChangeDecisionRecorded', 'ChangeApproved', 'NotificationIssued']);
    const signed = await act(id, 'sign-off', 'agent', { documentRef: 'QZ-2026-118', signatory: '客户项目经理 王先生', signedOn: '2026-10-09' });
    expect(signed.eventTypes).toEqual(['ChangeSignedOff']);
    expect((await act(id, 'implement', 'supervisor', { team: '交付二组', owner: 'agent-2' })).eventTypes).toEqual(['ChangeImplementationStarted', 'NotificationIssued']);
    // Only the implementation's owner (or a supervisor and above) records progress.
    expect((await refused(id, 403, () => post(`/changes/${id}/progress`, 'agent', { note: '我来记' }))).code).toBe('change.not_implementer');
    expect((await act(id, 'progress', 'agent2', { note: '已备货' })).eventTypes).toEqual(['ChangeImplementationUpdated']);
    expect((await act(id, 'complete', 'agent2', { note: '已按新日期交付' })).eventTypes).toEqual(['ChangeImplemented', 'NotificationIssued']);
    expect((await get(`/changes/${id}`)).json()).toMatchObject({ state: { status: 'verifying', implementation: { team: '交付二组', owner: 'agent-2' } } });
    // The implementer may not verify their own work.
    const own = await refused(id, 403, () => post(`/changes/${id}/verify`, 'agent2', { passed: true, note: '自检' }));
    expect(own).toMatchObject({ error: 'forbidden', code: 'change.verify_own_work' });
    expect((await act(id, 'verify', 'agent', { passed: true, note: '客户签收单已核对' })).eventTypes).toEqual(['ChangeVerified']);
    const closed = await act(id, 'close', 'agent', { note: '变更完成' });
    expect(closed.eventTypes).toEqual(['ChangeClosed', 'NotificationIssued']);
    expect((await get(`/changes/${id}`)).json()).toMatchObject({ state: { status: 'closed', signOff: { documentRef: 'QZ-2026-118', recordedBy: 'agent-1' } }, pendingAlarms: [] });

    expect(await domainTypes(id)).toEqual([
      'ChangeRequested',
      'ChangeReviewed',
      'ChangeReviewed',
      'ChangeReviewed',
      'ChangeReviewed',
      'ChangeSentForApproval',
      'ChangeDecisionRecorded',
      'ChangeApproved',
      'ChangeSignedOff',
      'ChangeImplementationStarted',
      'ChangeImplementationUpdated',
      'ChangeImplemented',
      'ChangeVerified',
      'ChangeClosed',
    ]);

    const changes = await ledger('changes', id, closed.position);
    expect(changes.total).toBe(1);
    expect(changes.rows[0]).toMatchObject({
      change_id: id,
      customer_id: ordinary,
      customer_class: 'ordinary',
      kind: 'delivery_date',
      amount: 30_000,
      requester: 'agent-1',
      status: 'closed',
      step: 'closed',
      waiting_for: null,
      tier: 'department',
      round: 1,
      reviews: 'service:agree,finance:agree,marketing:conditional,expert:agree',
      approvers: 'mgr-1',
      rejected_reason: null,
      sign_off_ref: 'QZ-2026-118',
      team: '交付二组',
      implementer: 'agent-2',
      escalation_level: 0,
      closed_at: expect.any(String),
      policy: 'default@5',
    });

    const steps = await ledger('change_steps', id, null);
    const events = await stream(id);
    const at = (type: string, n = 0) => events.filter((e) => e.type === type)[n]!.metadata.occurredAt;
    expect(steps.rows.map((r) => [r.step, r.verdict, r.actor, r.role, r.reason, r.document_ref])).toEqual([
      ['submit', null, 'agent-1', 'agent', '客户现场未具备安装条件', null],
      ['review:service', 'agree', 'sup-1', 'supervisor', null, null],
      ['review:finance', 'agree', 'fin-1', 'finance', '费用在预算内', null],
      ['review:marketing', 'conditional', 'mkt-1', 'marketing', '需补充费用测算', null],
      ['review:expert', 'agree', 'exp-1', 'expert', null, null],
      ['approval', 'approve', 'mgr-1', 'manager', '同意调整', null],
      ['signoff', null, 'agent-1', 'agent', 'signed by 客户项目经理 王先生 on 2026-10-09', 'QZ-2026-118'],
      ['implementation_started', null, 'sup-1', 'supervisor', 'team 交付二组, owner agent-2', null],
      ['implementation_progress', null, 'agent-2', 'agent', '已备货', null],
      ['implemented', null, 'agent-2', 'agent', '已按新日期交付', null],
      ['verify', 'passed', 'agent-1', 'agent', '客户签收单已核对', null],
      ['close', null, 'agent-1', 'agent', '变更完成', null],
    ]);
    // Each row is when it happened, as the event records it, and names the change.
    // Shown in the configured zone (+08:00): the same instants the events record in UTC.
    expect(steps.rows.map((r) => r.at)).toEqual(steps.rows.map(() => expect.stringMatching(/\+08:00$/)));
    expect(steps.rows.map((r) => new Date(r.at as string).toISOString())).toEqual([
      at('ChangeRequested'),
      at('ChangeReviewed', 0),
      at('ChangeReviewed', 1),
      at('ChangeReviewed', 2),
      at('ChangeReviewed', 3),
      at('ChangeDecisionRecorded'),
      at('ChangeSignedOff'),
      at('ChangeImplementationStarted'),
      at('ChangeImplementationUpdated'),
      at('ChangeImplemented'),
      at('ChangeVerified'),
      at('ChangeClosed'),
    ]);
    expect(new Set(steps.rows.map((r) => r.change_id))).toEqual(new Set([id]));
    expect(steps.rows.find((r) => r.step === 'approval')).toMatchObject({ round: 1 });
  });

  it('a missing or wrong field is a 400 naming it, appending nothing', async () => {
    const noChange = `B${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    // Submitting: an amount in tenths of a fen, an unknown field, a missing customer.
    const fen = await refused(noChange, 400, () => post('/changes', 'agent', form(ordinary, 1234.567, { changeId: noChange })));
    expect(fen).toMatchObject({ error: 'validation', issues: [{ field: 'amount', rule: 'must have at most 2 decimal places (yuan and fen)' }] });
    const unknown = await refused(noChange, 400, () => post('/changes', 'agent', form(ordinary, 100, { changeId: noChange, priority: 'high' })));
    expect(unknown.issues).toEqual([{ field: 'priority', rule: 'is not a known field' }]);
    const { customerId: _, ...noCustomer } = form(ordinary, 100);
    const missing = await refused(noChange, 400, () => post('/changes', 'agent', { ...noCustomer, changeId: noChange }));
    expect(missing.issues!.map((i) => i.field)).toEqual(['customerId']);
    expect(await stream(noChange)).toEqual([]);

    // An unknown customer is a 404 (its class is read from its own stream).
    expect(await refused(noChange, 404, () => post('/changes', 'agent', form('C-nobody', 100, { changeId: noChange })))).toMatchObject({ error: 'not_found', code: 'customer.not_found' });

    const { changeId: id } = await submit(ordinary, 20_000);
    const disagree = await refused(id, 400, () => post(`/changes/${id}/review`, 'finance', { opinion: 'disagree' }));
    expect(disagree.issues).toEqual([{ field: 'comment', rule: 'is required when the opinion is disagree' }]);
    const opinion = await refused(id, 400, () => post(`/changes/${id}/review`, 'finance', { opinion: 'maybe' }));
    expect(opinion.issues!.map((i) => i.field)).toEqual(['opinion']);
    const extra = await refused(id, 400, () => post(`/changes/${id}/review`, 'finance', { opinion: 'agree', score: 5 }));
    expect(extra.issues).toEqual([{ field: 'score', rule: 'is not a known field' }]);
    for (const [who, body] of panels) await act(id, 'review', who, body);

    const reject = await refused(id, 400, () => post(`/changes/${id}/reject`, 'manager', {}));
    expect(reject.issues).toEqual([{ field: 'reason', rule: 'is required' }]);
    const blank = await refused(id, 400, () => post(`/changes/${id}/reject`, 'manager', { reason: '   ' }));
    expect(blank.issues).toEqual([{ field: 'reason', rule: 'must not be blank' }]);
    const amend = await refused(id, 400, () => post(`/changes/${id}/amend`, 'agent', { amount: 10.001, reason: '改金额' }));
    expect(amend.issues).toEqual([{ field: 'amount', rule: 'must have at most 2 decimal places (yuan and fen)' }]);
    const signedOn = await refused(id, 400, () => post(`/changes/${id}/sign-off`, 'agent', { documentRef: 'QZ-1', signatory: '王先生', signedOn: '9 Oct' }));
    expect(signedOn.issues).toEqual([{ field: 'signedOn', rule: 'must be a date such as 2026-10-31' }]);

    // Rejected with its reason, the requester asks the general manager for a second review; it approves.
    const rejected = await act(id, 'reject', 'manager', { reason: '超出年度预算' });
    expect(rejected.eventTypes).toEqual(['ChangeDecisionRecorded', 'ChangeRejected', 'NotificationIssued']);
    expect((await refused(id, 403, () => post(`/changes/${id}/second-review`, 'agent2', { reason: '我也想复核' }))).code).toBe('change.not_requester');
    await act(id, 'second-review', 'agent', { reason: '客户愿承担费用' });
    expect((await refused(id, 403, () => post(`/changes/${id}/approve`, 'manager', {}))).code).toBe('approval.wrong_role');
    const second = await act(id, 'approve', 'gm', { reason: '费用由客户承担，同意' });
    expect(second.eventTypes).toEqual(['ChangeDecisionRecorded', 'ChangeApproved', 'NotificationIssued']);
    const rows = await ledger('changes', id, second.position);
    expect(rows.rows[0]).toMatchObject({ status: 'approved', step: 'signoff', waiting_for: 'agent-1', tier: 'department', approvers: 'gm-1', rejected_reason: '超出年度预算', second_review: 'approved' });
    const steps = await ledger('change_steps', id, null);
    expect(steps.rows.slice(5).map((r) => [r.step, r.verdict, r.actor, r.role, r.reason])).toEqual([
      ['approval', 'reject', 'mgr-1', 'manager', '超出年度预算'],
      ['second_review_requested', null, 'agent-1', 'agent', '客户愿承担费用'],
      ['second_review', 'approve', 'gm-1', 'general_manager', '费用由客户承担，同意'],
    ]);
  });

  it('403: auditors only read; an agent may not approve; the maker may not approve their own change', async () => {
    const noChange = `B${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const auditor = await refused(noChange, 403, () => post('/changes', 'auditor', form(ordinary, 100, { changeId: noChange })));
    expect(auditor).toMatchObject({ error: 'forbidden', message: expect.stringContaining('auditor') });

    // Asked for by the manager (mgr-1), submitted by an agent: the manager is its department tier's only role.
    const { changeId: id } = await submit(ordinary, 10_000, { requester: 'mgr-1' });
    expect((await get(`/changes/${id}`)).json()).toMatchObject({ state: { requester: 'mgr-1', submittedBy: 'agent-1' } });
    expect(await refused(id, 403, () => post(`/changes/${id}/review`, 'auditor', { opinion: 'agree' }))).toMatchObject({ error: 'forbidden' });
    expect(await refused(id, 403, () => post(`/changes/${id}/review`, 'vp', { opinion: 'agree' }))).toMatchObject({ error: 'forbidden', code: 'approval.wrong_role' });
    for (const [who, body] of panels) await act(id, 'review', who, body);

    expect(await refused(id, 403, () => post(`/changes/${id}/approve`, 'agent', {}))).toMatchObject({ error: 'forbidden', code: 'approval.wrong_role' });
    const own = await refused(id, 403, () => post(`/changes/${id}/approve`, 'manager', { reason: '我批我自己' }));
    expect(own).toMatchObject({ error: 'forbidden', code: 'approval.own_submission' });
    expect(own.message).toMatch(/maker-checker needs a different person/);
    // A role that may not act at all is stopped at the route.
    expect(await refused(id, 403, () => post(`/changes/${id}/approve`, 'auditor', {}))).toMatchObject({ error: 'forbidden', message: expect.stringContaining('auditor') });
    expect((await get(`/changes/${id}`)).json()).toMatchObject({ state: { status: 'approving', approval: { decisions: [], outcome: 'pending' } } });
  });

  it('409: a key account at the VP tier needs two different VPs; the same VP twice, and approving an approved change, are refused', async () => {
    const id = await reviewed(key, 600_000);
    expect((await get(`/changes/${id}`)).json()).toMatchObject({ state: { customerClass: 'key', tier: { name: 'vp', role: 'sales_vp', quorum: 2 } } });
    // A wrong state is a 409 too: nothing to sign off yet.
    expect(await refused(id, 409, () => post(`/changes/${id}/sign-off`, 'agent', { documentRef: 'QZ-9', signatory: '王先生' }))).toMatchObject({ error: 'illegal_state', code: 'change.wrong_state' });

    const first = await act(id, 'approve', 'vp', { reason: '同意' });
    expect(first.eventTypes).toEqual(['ChangeDecisionRecorded']);
    const pending = await ledger('changes', id, first.position);
    expect(pending.rows[0]).toMatchObject({ status: 'approving', tier: 'vp', step: 'approval: vp 1/2', waiting_for: '销售主管VP', approvers: 'vp-1' });

    const twice = await refused(id, 409, () => post(`/changes/${id}/approve`, 'vp', {}));
    expect(twice).toMatchObject({ error: 'illegal_state', code: 'approval.already_decided_by_you' });
    expect(twice.message).toMatch(/it needs 2 different people/);

    const second = await act(id, 'approve', 'vp2', {});
    expect(second.eventTypes).toEqual(['ChangeDecisionRecorded', 'ChangeApproved', 'NotificationIssued']);
    const again = await refused(id, 409, () => post(`/changes/${id}/approve`, 'vp2', {}));
    expect(again).toMatchObject({ error: 'illegal_state', code: 'approval.already_decided' });
    expect(again.message).toMatch(/already approved by vp-2/);
    expect((await refused(id, 409, () => post(`/changes/${id}/reject`, 'vp', { reason: '改主意了' }))).code).toBe('approval.already_decided');

    const approved = await ledger('changes', id, second.position);
    expect(approved.rows[0]).toMatchObject({ status: 'approved', tier: 'vp', step: 'signoff', waiting_for: 'agent-1', approvers: 'vp-1,vp-2', sign_off_ref: null, team: null });
    const signed = await act(id, 'sign-off', 'agent', { documentRef: 'QZ-2026-200', signatory: '客户总经理 李女士' });
    const withRef = await ledger('changes', id, signed.position);
    expect(withRef.rows[0]).toMatchObject({ status: 'signed_off', step: 'implementation', sign_off_ref: 'QZ-2026-200' });
    const steps = await ledger('change_steps', id, null);
    expect(steps.rows.filter((r) => r.step === 'approval' || r.step === 'signoff').map((r) => [r.step, r.verdict, r.actor, r.role, r.reason, r.document_ref])).toEqual([
      ['approval', 'approve', 'vp-1', 'sales_vp', '同意', null],
      ['approval', 'approve', 'vp-2', 'sales_vp', null, null],
      ['signoff', null, 'agent-1', 'agent', expect.stringMatching(/^signed by 客户总经理 李女士 on \d{4}-\d{2}-\d{2}$/), 'QZ-2026-200'],
    ]);
  });

  it('an unknown change is a 404', async () => {
    expect(await refused('B-none', 404, () => post('/changes/B-none/approve', 'manager', {}))).toMatchObject({ error: 'not_found', code: 'change.not_found' });
    expect((await get('/changes/B-none')).statusCode).toBe(404);
  });

  it('the OpenAPI document lists every change operation', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, { operationId?: string; requestBody?: unknown }>> };
    const ops = Object.fromEntries(Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [op.operationId, `${method.toUpperCase()} ${path}`])));
    expect(ops).toMatchObject({
      'change.submit': 'POST /changes',
      'change.review': 'POST /changes/{id}/review',
      'change.approve': 'POST /changes/{id}/approve',
      'change.reject': 'POST /changes/{id}/reject',
      'change.secondReview': 'POST /changes/{id}/second-review',
      'change.signOff': 'POST /changes/{id}/sign-off',
      'change.implement': 'POST /changes/{id}/implement',
      'change.progress': 'POST /changes/{id}/progress',
      'change.complete': 'POST /changes/{id}/complete',
      'change.verify': 'POST /changes/{id}/verify',
      'change.close': 'POST /changes/{id}/close',
      'change.cancel': 'POST /changes/{id}/cancel',
      'change.amend': 'POST /changes/{id}/amend',
      'change.show': 'GET /changes/{id}',
    });
    expect(doc.paths['/changes']?.post?.requestBody).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/ledgers/{name}']));
  });
});
