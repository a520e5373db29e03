import { randomUUID } from 'node:crypto';
import { idFromKey } from '../../src/api/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors';
import { deterministicEventId } from '../../src/events/ids';
import { customerProcess } from '../../src/processes/customer';
import type { CustomerState } from '../../src/processes/customer/decider';
import { commandUpdate, processQuery, type ProcessView } from '../../src/workflows/messages';

const customerQuery = processQuery(customerProcess);
// The wire name workflows started by earlier code were sent (still accepted), with its argument shape.
const updateCustomerContact = commandUpdate(customerProcess.commands.updateContact!, 'updateCustomerContact');
import { recordHistory } from '../support/histories';
import { startWorkerStack, type WorkerStack } from '../support/temporal';

describe('customerWorkflow on the Temporal dev server', () => {
  let w: WorkerStack;
  let env: WorkerStack['env'];
  let s: { store: WorkerStack['store'] };
  let gateway: WorkerStack['gateway'];
  const agent = { actor: 'a.li', role: 'agent' as const };

  beforeAll(async () => {
    w = await startWorkerStack('dev');
    ({ env, gateway } = w);
    s = w;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('registers through update-with-start; the result returns once the event is durable', async () => {
    const r = await gateway.registerCustomer({ name: '上海某物业公司', phone: '021-12345678', type: 'owner', importance: 'key', grade: 'A' }, agent);
    const events = await s.store.readStream(r.streamName);
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('CustomerRegistered');
    expect(events[0]!.id).toBe(deterministicEventId(r.streamName, events[0]!.metadata.runId, r.streamName, 0));
    expect(events[0]!.metadata).toMatchObject({ actor: 'a.li', role: 'agent', workflowId: r.streamName, schemaVersion: 1 });
    expect(r.eventIds).toEqual([events[0]!.id]);
    expect(r.position).toBe(events[0]!.position);
    const view = (await env.client.workflow.getHandle(r.streamName).query(customerQuery)) as ProcessView<CustomerState>;
    expect(view.state).toMatchObject({ status: 'registered', customerId: r.customerId });
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

  it('contact updates append only what changed; a stream written behind its back is re-read, not overwritten', async () => {
    const r = await gateway.registerCustomer({ name: '周九', phone: '13700137000', type: 'owner', importance: 'ordinary', grade: 'B' }, agent);
    const handle = env.client.workflow.getHandle(r.streamName);
    const same = await handle.executeUpdate(updateCustomerContact, { args: [{ data: { customerId: r.customerId, changes: { phone: '13700137000' } }, meta: agent }] });
    expect(same.eventIds).toEqual([]);
    // A foreign writer appends at revision 1 (breaking single-writer on purpose): the workflow must not lose it.
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
      { expectedRevision: 0 },
    );
    const changed = await handle.executeUpdate(updateCustomerContact, { args: [{ data: { customerId: r.customerId, changes: { phone: '13700137001' } }, meta: agent }] });
    expect(changed.revision).toBe(2);
    const events = await s.store.readStream(r.streamName);
    expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
    const view = (await handle.query(customerQuery)) as ProcessView<CustomerState>;
    expect(view.state).toMatchObject({ profile: { email: 'zhou@example.com', phone: '13700137001' } });
    await recordHistory(env.client, r.streamName, 'customer-concurrent-writer');
  });
});
