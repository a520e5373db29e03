import { randomUUID } from 'node:crypto';
import { idFromKey } from '../../src/api/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors';
import type { CommandMeta } from '../../src/domain/process';
import { deterministicEventId } from '../../src/events/ids';
import { customerProcess } from '../../src/processes/customer';
import type { CustomerState } from '../../src/processes/customer/decider';
import { commandUpdate, processQuery, type ProcessView } from '../../src/workflows/messages';

const customerQuery = processQuery(customerProcess);
// The wire name workflows started by earlier code were sent (still accepted), with its argument shape.
const updateCustomerContact = commandUpdate(customerProcess.commands.updateContact!, 'updateCustomerContact');
import { recordHistory } from '../support/histories';
import { startWorkerStack, type WorkerStack } from '../support/temporal';
import { signedUpdate } from '../support/keys';

describe('customerWorkflow on the Temporal dev server', () => {
  let w: WorkerStack;
  let env: WorkerStack['env'];
  let s: { store: WorkerStack['store'] };
  let gateway: WorkerStack['gateway'];
  const agent = { actor: 'a.li', role: 'agent' as const };
  const checker = { actor: 'xu.he', role: 'checker' as const };
  const manager = { actor: 'qian.feng', role: 'manager' as const };

  beforeAll(async () => {
    w = await startWorkerStack('dev');
    ({ env, gateway } = w);
    s = w;
  });
  afterAll(async () => {
    await w?.close();
  });

  const act = (customerId: string, action: string, data: unknown, meta: CommandMeta) => gateway.command(customerProcess, customerId, action, data, meta);
  const view = async (streamName: string) => (await env.client.workflow.getHandle(streamName).query(customerQuery)) as ProcessView<CustomerState>;
  const types = async (streamName: string) => (await s.store.readStream(streamName)).map((e) => e.type);

  it('registers through update-with-start, pending until a checker approves; the result returns once the events are durable', async () => {
    const r = await gateway.registerCustomer({ name: '上海某物业公司', phone: '021-12345678', type: 'owner', importance: 'key', grade: 'A' }, agent);
    const events = await s.store.readStream(r.streamName);
    // The registration and, beside it, the key-account designation, each waiting for its checkers.
    expect(events.map((e) => [e.type, (e.data as { kind: string }).kind])).toEqual([
      ['CustomerChangeSubmitted', 'registration'],
      ['CustomerChangeSubmitted', 'key_account'],
    ]);
    expect(events[0]!.id).toBe(deterministicEventId(r.streamName, events[0]!.metadata.runId, r.streamName, 0));
    expect(events[0]!.metadata).toMatchObject({ actor: 'a.li', role: 'agent', workflowId: r.streamName, schemaVersion: 1 });
    expect(r.eventIds).toEqual(events.map((e) => e.id));
    expect(r.position).toBe(events[1]!.position);
    const pending = await view(r.streamName);
    expect(pending.state).toMatchObject({ status: 'pending', customerId: r.customerId });
    // Each pending step has its time limit: the workflow waits on the warning of the earliest.
    expect(pending.pendingAlarms[0]).toMatchObject({ kind: 'warning', changeId: `${r.customerId}-1` });
    const approved = await act(r.customerId, 'approve', { changeId: `${r.customerId}-1` }, checker);
    expect(approved.eventTypes).toEqual(['CustomerChangeDecided', 'CustomerRegistered']);
    expect((await view(r.streamName)).state).toMatchObject({ status: 'registered', profile: { grade: 'A', importance: 'ordinary' } });
  });

  it('the same idempotency key returns the same customer and appends nothing twice', async () => {
    const key = `key-${randomUUID()}`;
    const a = await gateway.registerCustomer({ name: '赵六', type: 'potential', importance: 'ordinary', grade: 'C' }, agent, key);
    const b = await gateway.registerCustomer({ name: '赵六', type: 'potential', importance: 'ordinary', grade: 'C' }, agent, key);
    expect(b.customerId).toBe(a.customerId);
    expect(b.eventIds).toEqual(a.eventIds);
    expect(await s.store.readStream(a.streamName)).toHaveLength(1);
  });

  it('a retried command whose events a lost workflow task already appended returns their result, appending nothing', async () => {
    // As if a worker appended through its local activity and was killed before the task completed.
    const key = `lost-${randomUUID()}`;
    const customerId = idFromKey('C', key);
    const id = randomUUID();
    await s.store.append(
      `customer-${customerId}`,
      [
        {
          id,
          type: 'CustomerRegistered',
          data: { customerId, name: '孙九', type: 'potential', importance: 'ordinary', grade: 'C' },
          metadata: { actor: 'a.li', role: 'agent', occurredAt: new Date().toISOString(), correlationId: key, causationId: `register:${key}`, workflowId: `customer-${customerId}`, runId: 'lost', schemaVersion: 1 },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const r = await gateway.registerCustomer({ name: '孙九', type: 'potential', importance: 'ordinary', grade: 'C' }, agent, key);
    expect(r).toMatchObject({ customerId, eventIds: [id], revision: 0 });
    expect(await s.store.readStream(`customer-${customerId}`)).toHaveLength(1);
  });

  it('a second registration of the same customer is rejected by the validator and appends nothing', async () => {
    const customerId = `C${randomUUID().slice(0, 8)}`;
    await gateway.registerCustomer({ customerId, name: '钱七', type: 'potential', importance: 'ordinary', grade: 'C' }, agent);
    const err = await gateway.registerCustomer({ customerId, name: '钱七', type: 'potential', importance: 'ordinary', grade: 'C' }, agent).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('illegal_state');
    expect(await s.store.readStream(`customer-${customerId}`)).toHaveLength(1);
  });

  it('the workflow validates on its own: bad data and a read-only role are rejected, nothing appended', async () => {
    const customerId = `C${randomUUID().slice(0, 8)}`;
    const bad = await gateway
      .registerCustomer({ customerId, name: '', phone: '123', grade: 'Z' } as never, agent)
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DomainError);
    expect((bad as DomainError).issues.map((i) => i.field).sort()).toEqual(['grade', 'name', 'phone']);
    const auditor = await gateway
      .registerCustomer({ customerId, name: '孙八', type: 'potential', importance: 'ordinary', grade: 'C' }, { actor: 'aud', role: 'auditor' })
      .catch((e: unknown) => e);
    expect((auditor as DomainError).kind).toBe('forbidden');
    expect(await s.store.readStream(`customer-${customerId}`)).toHaveLength(0);
  });

  it('contact changes submit only what changed; a stream written behind its back is re-read, not overwritten', async () => {
    // Its history from before maker-checker is kept as recorded (customer-concurrent-writer.pb): the unpatched path.
    const r = await gateway.registerCustomer({ name: '周九', phone: '13700137000', type: 'owner', importance: 'ordinary', grade: 'B' }, agent);
    await act(r.customerId, 'approve', { changeId: `${r.customerId}-1` }, checker);
    const handle = env.client.workflow.getHandle(r.streamName);
    const same = await handle.executeUpdate(updateCustomerContact, signedUpdate(r.streamName, 'updateCustomerContact', { customerId: r.customerId, changes: { phone: w.pii.seal(r.customerId, 'phone', '13700137000') } }, agent));
    expect(same.eventIds).toEqual([]);
    // A foreign writer appends at revision 3 (breaking single-writer on purpose): the workflow must not lose it.
    await s.store.append(
      r.streamName,
      [
        {
          id: randomUUID(),
          type: 'CustomerContactUpdated',
          data: { customerId: r.customerId, changes: { email: 'zhou@example.com' } },
          metadata: { actor: 'x', role: 'admin', occurredAt: new Date().toISOString(), correlationId: 'c', causationId: 'c', workflowId: 'other', runId: 'r', schemaVersion: 1 },
        },
      ],
      { expectedRevision: 2 },
    );
    const changed = await handle.executeUpdate(updateCustomerContact, signedUpdate(r.streamName, 'updateCustomerContact', { customerId: r.customerId, changes: { phone: w.pii.seal(r.customerId, 'phone', '13700137001') } }, agent));
    expect(changed.revision).toBe(4);
    expect(changed.eventTypes).toEqual(['CustomerChangeSubmitted']);
    await act(r.customerId, 'approve', { changeId: `${r.customerId}-2` }, manager);
    const events = await s.store.readStream(r.streamName);
    expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Personal fields are sealed in the workflow's state (the foreign writer's e-mail was not).
    const state = w.pii.reveal((await view(r.streamName)).state);
    expect(state).toMatchObject({ profile: { email: 'zhou@example.com', phone: '13700137001' } });
  });

  it('two checkers approving the same change at the same moment: exactly one decision, the other is told who decided (409)', async () => {
    const r = await gateway.registerCustomer({ name: '吴十', type: 'potential', importance: 'ordinary', grade: 'C' }, agent);
    const changeId = `${r.customerId}-1`;
    const results = await Promise.allSettled([act(r.customerId, 'approve', { changeId }, checker), act(r.customerId, 'approve', { changeId }, manager)]);
    const fulfilled = results.filter((x) => x.status === 'fulfilled');
    const rejected = results.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const err = rejected[0]!.reason as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ kind: 'illegal_state', code: 'approval.already_decided' });
    expect(err.message).toMatch(/already approved by (xu\.he|qian\.feng) at /);
    expect(await types(r.streamName)).toEqual(['CustomerChangeSubmitted', 'CustomerChangeDecided', 'CustomerRegistered']);
  });

  it('the maker-checker flow end to end: own approval refused, two VPs for a key account, a grade change with its notice, a second review', async () => {
    const r = await gateway.registerCustomer({ name: '北京某集团', phone: '13800138000', type: 'intending', importance: 'key', grade: 'C' }, agent);
    const id = r.customerId;
    const own = await act(id, 'approve', { changeId: `${id}-1` }, { actor: 'a.li', role: 'checker' }).catch((e: unknown) => e);
    expect(own).toMatchObject({ kind: 'forbidden', code: 'approval.own_submission' });
    await act(id, 'approve', { changeId: `${id}-1` }, checker);
    await act(id, 'approve', { changeId: `${id}-2` }, { actor: 'liu.yang', role: 'sales_vp' });
    const twice = await act(id, 'approve', { changeId: `${id}-2` }, { actor: 'liu.yang', role: 'sales_vp' }).catch((e: unknown) => e);
    expect(twice).toMatchObject({ kind: 'illegal_state', code: 'approval.already_decided_by_you' });
    await act(id, 'approve', { changeId: `${id}-2` }, { actor: 'ma.li', role: 'sales_vp' });
    await act(id, 'changeGrade', { grade: 'B', scores: { cooperationHistory: 4, payment: 4, reputation: 4, integrity: 4, demand: 3 } }, agent);
    const noNotice = await act(id, 'approve', { changeId: `${id}-3` }, manager).catch((e: unknown) => e);
    expect(noNotice).toMatchObject({ kind: 'illegal_state', issues: [{ field: 'noticeRef' }] });
    const graded = await act(id, 'approve', { changeId: `${id}-3`, noticeRef: '客字〔2026〕7号' }, manager);
    expect(graded.eventTypes).toEqual(['CustomerChangeDecided', 'CustomerGradeChanged', 'NotificationIssued']);
    await act(id, 'updateContact', { email: 'bj@example.com' }, agent);
    await act(id, 'reject', { changeId: `${id}-4`, reason: '邮箱无法验证' }, checker);
    await act(id, 'requestSecondReview', { changeId: `${id}-4`, reason: '客户已书面确认' }, agent);
    await act(id, 'approve', { changeId: `${id}-4` }, { actor: 'zhou.hua', role: 'general_manager' });
    const state = w.pii.reveal((await view(r.streamName)).state);
    expect(state).toMatchObject({ status: 'registered', importance: 'key', profile: { grade: 'B', importance: 'key', email: 'bj@example.com' } });
    expect((await view(r.streamName)).pendingAlarms).toEqual([]);
    expect(await types(r.streamName)).toEqual([
      'CustomerChangeSubmitted',
      'CustomerChangeSubmitted',
      'CustomerChangeDecided',
      'CustomerRegistered',
      'CustomerChangeDecided',
      'CustomerChangeDecided',
      'CustomerImportanceChanged',
      'CustomerChangeSubmitted',
      'CustomerChangeDecided',
      'CustomerGradeChanged',
      'NotificationIssued',
      'CustomerChangeSubmitted',
      'CustomerChangeDecided',
      'NotificationIssued',
      'CustomerSecondReviewRequested',
      'CustomerChangeDecided',
      'CustomerContactUpdated',
    ]);
    await recordHistory(env.client, r.streamName, 'customer-maker-checker');
  });
});
