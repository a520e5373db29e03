import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors';
import type { Actor } from '../../src/domain/process';
import { COMPRESSED_POLICY, DEFAULT_POLICY } from '../../src/domain/policy';
import type { RecordedEvent } from '../../src/events/envelope';
import { changeProcess } from '../../src/processes/change';
import type { ChangeState, OpenChange } from '../../src/processes/change/decider';
import type { ChangeEvent } from '../../src/processes/change/schemas';
import { registered } from '../support/events';
import { recordHistory } from '../support/histories';
import { startWorkerStack, type WorkerStack } from '../support/temporal';

/**
 * Change requests on the real Temporal dev server, one test per route: a small amount (department manager), a mid
 * amount (one sales VP), a key account (two different VPs), a change to an approved plan (decision committee);
 * rejection and the general manager's second review; an approval step that times out and escalates; an approved change
 * amended and sent back; and the maker-checker and concurrency rules, each refused with nothing appended.
 */
describe('change request workflow on the Temporal dev server', () => {
  let w: WorkerStack;
  const as = (actor: string, role: Actor['role']): Actor => ({ actor, role });
  const li = as('li.na', 'agent');
  const panel = [as('zhao.min', 'supervisor'), as('he.cai', 'finance'), as('lin.shi', 'marketing'), as('guo.zhuan', 'expert')];
  const qian = as('qian.feng', 'manager');
  const liu = as('liu.yang', 'sales_vp');
  const ma = as('ma.li', 'sales_vp');
  const zhou = as('zhou.hua', 'general_manager');
  const song = as('song.jue', 'committee');

  beforeAll(async () => {
    w = await startWorkerStack('dev', { policy: DEFAULT_POLICY });
  });
  afterAll(async () => {
    await w?.close();
  });

  const customer = async (importance: 'key' | 'ordinary') => {
    const id = `C${randomUUID().slice(0, 8)}`;
    await w.store.append(`customer-${id}`, [registered(id, { importance })], { expectedRevision: 'no_stream' });
    return id;
  };
  const events = async (id: string) => (await w.store.readStream(`change-${id}`)) as Array<RecordedEvent & ChangeEvent>;
  const types = async (id: string) => (await events(id)).map((e) => e.type).filter((t) => (t as string) !== 'NotificationIssued');
  const state = async (id: string) => (await w.gateway.view<ChangeState>(changeProcess, id)).state as OpenChange;
  const send = (id: string, action: string, data: Record<string, unknown>, by: Actor) => w.gateway.command(changeProcess, id, action, data, by);
  const refused = async (id: string, action: string, data: Record<string, unknown>, by: Actor) => {
    const before = (await events(id)).length;
    const err = await send(id, action, data, by).catch((e: unknown) => e);
    expect(err, `${action} by ${by.actor}`).toBeInstanceOf(DomainError);
    expect(await events(id)).toHaveLength(before);
    return err as DomainError;
  };

  /** Submitted and through the panels' review: waiting for its tier's approval. */
  async function reviewed(amount: number, importance: 'key' | 'ordinary' = 'ordinary', extra: Record<string, unknown> = {}, policy = DEFAULT_POLICY) {
    const customerId = await customer(importance);
    const { id } = await w.gateway.create(
      changeProcess,
      'submit',
      { customerId, kind: 'price', description: '单价调整', reason: '原材料涨价', amount, affects: '合同 HT-2026-090', ...extra },
      li,
      { policy },
    );
    for (const who of panel) await send(id, 'review', { opinion: 'agree' }, who);
    expect((await state(id)).status).toBe('approving');
    return id;
  }

  it('a small amount goes to the department manager, then sign-off, implementation, verification and close; the workflow ends', async () => {
    const id = await reviewed(20_000);
    expect((await state(id)).tier).toMatchObject({ name: 'department', role: 'manager', quorum: 1 });
    await send(id, 'approve', { reason: '同意' }, qian);
    await send(id, 'signOff', { documentRef: 'QZ-100', signatory: '客户代表 王先生' }, li);
    await send(id, 'implement', { team: '交付一组', owner: 'wang.qiang' }, as('zhao.min', 'supervisor'));
    await send(id, 'complete', { note: '已按新价格开票' }, as('wang.qiang', 'agent'));
    await send(id, 'verify', { passed: true, note: '发票已核对' }, li);
    await send(id, 'close', {}, li);
    expect(await types(id)).toEqual([
      'ChangeRequested',
      ...['ChangeReviewed', 'ChangeReviewed', 'ChangeReviewed', 'ChangeReviewed', 'ChangeSentForApproval'],
      ...['ChangeDecisionRecorded', 'ChangeApproved', 'ChangeSignedOff', 'ChangeImplementationStarted', 'ChangeImplemented', 'ChangeVerified', 'ChangeClosed'],
    ]);
    const described = await w.env.client.workflow.getHandle(`change-${id}`).describe();
    expect(described.status.name).toBe('COMPLETED');
    await recordHistory(w.env.client, `change-${id}`, 'change-small-amount');
  });

  it('a mid amount for an ordinary customer needs one sales VP', async () => {
    const id = await reviewed(300_000);
    expect((await state(id)).tier).toMatchObject({ name: 'vp', role: 'sales_vp', quorum: 1 });
    expect((await refused(id, 'approve', {}, qian)).code).toBe('approval.wrong_role');
    await send(id, 'approve', {}, liu);
    expect((await state(id)).status).toBe('approved');
  });

  it('a key account (from the customer\'s own stream) needs two different VPs; the same VP twice does not count as two', async () => {
    const id = await reviewed(300_000, 'key');
    expect((await state(id))).toMatchObject({ customerClass: 'key', tier: { name: 'vp', quorum: 2 } });
    await send(id, 'approve', {}, liu);
    const twice = await refused(id, 'approve', {}, liu);
    expect(twice).toMatchObject({ kind: 'illegal_state', code: 'approval.already_decided_by_you' });
    expect((await state(id)).status).toBe('approving');
    await send(id, 'approve', {}, ma);
    const s = await state(id);
    expect(s.status).toBe('approved');
    expect(s.approval!.decisions.map((d) => d.actor)).toEqual(['liu.yang', 'ma.li']);
    await recordHistory(w.env.client, `change-${id}`, 'change-key-account-two-vps');
  });

  it('a change to an approved plan goes to the decision committee, whatever the amount', async () => {
    const id = await reviewed(5_000, 'ordinary', { changesApprovedPlan: true });
    expect((await state(id)).tier).toMatchObject({ name: 'committee', role: 'committee' });
    expect((await refused(id, 'approve', {}, qian)).code).toBe('approval.wrong_role');
    await send(id, 'approve', {}, song);
    expect((await state(id)).status).toBe('approved');
  });

  it('rejected with its reason, then the requester asks the general manager, who approves on second review', async () => {
    const id = await reviewed(30_000);
    expect((await refused(id, 'reject', {}, qian)).kind).toBe('validation');
    await send(id, 'reject', { reason: '超出部门预算' }, qian);
    expect((await state(id)).status).toBe('rejected');
    expect((await refused(id, 'secondReview', { reason: '客户承担差价' }, as('wang.qiang', 'agent'))).code).toBe('change.not_requester');
    await send(id, 'secondReview', { reason: '客户承担差价' }, li);
    expect((await refused(id, 'approve', {}, qian)).code).toBe('approval.wrong_role');
    await send(id, 'approve', { reason: '差价由客户承担，同意' }, zhou);
    const all = await events(id);
    const decided = all.filter((e) => e.type === 'ChangeDecisionRecorded').map((e) => (e.type === 'ChangeDecisionRecorded' ? [e.data.step, e.data.verdict, e.metadata.actor, e.metadata.reason ?? e.data.reason] : []));
    expect(decided).toEqual([
      ['approval', 'reject', 'qian.feng', '超出部门预算'],
      ['second_review', 'approve', 'zhou.hua', '差价由客户承担，同意'],
    ]);
    expect((await state(id)).status).toBe('approved');
    await recordHistory(w.env.client, `change-${id}`, 'change-rejected-second-review');
  });

  it('an approval step that is not decided in time warns and escalates at its computed instants (compressed policy: 20 s a step)', async () => {
    const id = await reviewed(30_000, 'ordinary', {}, COMPRESSED_POLICY);
    const step = (await state(id)).approval!;
    expect(step.deadline!.targetMinutes).toBeCloseTo(20 / 60);
    const last = step.deadline!.escalations.at(-1)!.at;
    const wait = Date.parse(last) - Date.now() + 1500;
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    const all = await events(id);
    const fired = all.filter((e) => e.type === 'ChangeWarningIssued' || e.type === 'ChangeEscalated');
    expect(fired.map((e) => (e.type === 'ChangeEscalated' ? `L${e.data.level}:${e.data.role}` : `warning:${e.data.deadline}`))).toEqual(['warning:approval', 'L1:manager', 'L2:general_manager']);
    const at = [step.deadline!.warnAt!, ...step.deadline!.escalations.map((e) => e.at)];
    fired.forEach((e, i) => expect(Date.parse(e.metadata.occurredAt)).toBeGreaterThanOrEqual(Date.parse(at[i]!)));
    const notices = all.filter((e) => (e.type as string) === 'NotificationIssued').map((e) => (e.data as unknown as { recipient: string }).recipient);
    expect(notices).toEqual(expect.arrayContaining(['role:manager', 'role:general_manager']));
    // Late is late, but the step is still the manager's to decide.
    await send(id, 'approve', {}, qian);
    expect((await state(id)).approval).toMatchObject({ outcome: 'approved', deadline: { met: true, onTime: false } });
  }, 60_000);

  it('an approved change, amended, goes back through approval to the decision committee; its sign-off is void', async () => {
    const id = await reviewed(30_000);
    await send(id, 'approve', {}, qian);
    await send(id, 'signOff', { documentRef: 'QZ-200', signatory: '王先生' }, li);
    await send(id, 'amend', { amount: 48_000, reason: '客户追加调试服务' }, li);
    const s = await state(id);
    expect(s).toMatchObject({ status: 'approving', round: 2, amount: 48_000, tier: { name: 'committee' }, signOff: null });
    expect((await refused(id, 'signOff', { documentRef: 'QZ-201', signatory: '王先生' }, li)).code).toBe('change.wrong_state');
    await send(id, 'approve', {}, song);
    expect((await state(id))).toMatchObject({ status: 'approved', round: 2 });
    await recordHistory(w.env.client, `change-${id}`, 'change-amended-after-approval');
  });

  it('a maker approving their own change gets a 403, and two approvers deciding at the same moment leave exactly one decision', async () => {
    const customerId = await customer('ordinary');
    const { id } = await w.gateway.create(changeProcess, 'submit', { customerId, kind: 'contract', description: '付款节点调整', reason: '客户资金安排', amount: 10_000, affects: '合同 HT-2026-100', requester: 'qian.feng' }, li);
    for (const who of panel) await send(id, 'review', { opinion: 'agree' }, who);
    const own = await refused(id, 'approve', {}, qian);
    expect(own).toMatchObject({ kind: 'forbidden', code: 'approval.own_submission' });
    expect(own.message).toMatch(/maker-checker needs a different person/);

    const results = await Promise.allSettled([send(id, 'approve', { reason: '同意A' }, as('mgr.a', 'manager')), send(id, 'reject', { reason: '不同意B' }, as('mgr.b', 'manager'))]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toBeInstanceOf(DomainError);
    expect(failed[0]!.reason).toMatchObject({ kind: 'illegal_state', code: 'approval.already_decided' });
    expect((failed[0]!.reason as DomainError).message).toMatch(/already (approved|rejected) by mgr\.(a|b) at/);
    expect((await events(id)).filter((e) => e.type === 'ChangeDecisionRecorded')).toHaveLength(1);
  });
});
