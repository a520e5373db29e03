import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCli } from '../../src/config/tools';
import { signatureOf, signCommand, SIGNATURE_MAX_AGE_MS } from '../../src/domain/signature';
import { TEST_KEYS } from '../support/keys';
import { startWorkerStack, type WorkerStack } from '../support/temporal';

/**
 * Trust boundary: whoever reaches Temporal's frontend can send an Update or start a workflow with any actor and role.
 * The workflows accept a command only with metadata the API signed with the command key, never `system` from outside,
 * and a start input with a command or state only from the engine itself; a refused command appends nothing.
 */
describe('signed commands', () => {
  let s: WorkerStack;
  let complaintId: string;
  const cli = temporalCli();
  const stream = () => `complaint-${complaintId}`;
  const eventCount = async () => (await s.store.readStream(stream())).length;

  beforeAll(async () => {
    s = await startWorkerStack('dev');
    const r = await s.gateway.receiveComplaint(
      { customerId: 'C1', channel: 'phone', category: 'product_quality', severity: 'minor', summary: '电梯异响' },
      { actor: 'li', role: 'agent' },
      { customerClass: 'ordinary' },
    );
    complaintId = r.complaintId;
  }, 120_000);
  afterAll(async () => s?.close());

  /** `temporal workflow update execute`, as anyone who reaches the frontend can run it (not blocking: the worker runs here). */
  const forge = (input: unknown) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const args = ['workflow', 'update', 'execute', '--address', s.env.address, '--namespace', 'default', '--workflow-id', stream(), '--name', 'WithdrawComplaint', '--input', JSON.stringify(input)];
      execFile(cli.kind === 'path' ? cli.path : 'temporal', args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it.runIf(cli.kind === 'path')('refuses the forged `temporal workflow update execute` as system, and unsigned ones, appending nothing', async () => {
    const before = await eventCount();
    const asSystem = await forge({ data: { reason: 'forged' }, meta: { actor: 'mallory', role: 'system' } });
    expect(asSystem.status).not.toBe(0);
    expect(asSystem.stderr + asSystem.stdout).toContain('meta.role may not be system');
    const unsigned = await forge({ data: { reason: 'forged' }, meta: { actor: 'mallory', role: 'supervisor' } });
    expect(unsigned.status).not.toBe(0);
    expect(unsigned.stderr + unsigned.stdout).toContain('meta.sig must be signed by the API');
    expect(await eventCount()).toBe(before);
    expect((await s.gateway.complaint(complaintId)).state).toMatchObject({ status: 'received' });
  });

  /** A command signed as the API signs it (with the test stack's command key). */
  const signed = (updateId: string, meta: { actor: string; role: string }, at = new Date().toISOString(), data: Record<string, unknown> = { reason: '客户撤诉' }) =>
    signCommand(TEST_KEYS.commandKeys[0]!, { workflowId: stream(), name: 'WithdrawComplaint', updateId, data, meta }, at) as { data: Record<string, unknown>; meta: Record<string, unknown> };
  const send = (updateId: string, arg: unknown) =>
    s.env.client.workflow.getHandle(stream()).executeUpdate('WithdrawComplaint', { args: [arg], updateId });
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return String((err as WorkflowUpdateFailedError).cause?.message);
  };

  it('refuses a signed command replayed with another actor, under another Update id, or too old; accepts it as signed', async () => {
    const before = await eventCount();
    const original = signed('u-1', { actor: 'li', role: 'agent' });
    // The signed command with its actor altered.
    expect(await refusal(send('u-1', { ...original, meta: { ...original.meta, actor: 'mallory' } }))).toContain('meta.sig does not match its signature');
    // Its role raised.
    expect(await refusal(send('u-1', { ...original, meta: { ...original.meta, role: 'admin' } }))).toContain('does not match its signature');
    // Its data changed.
    expect(await refusal(send('u-1', { ...original, data: { reason: 'forged' } }))).toContain('does not match its signature');
    // Replayed as a new command.
    expect(await refusal(send(`u-${randomUUID()}`, original))).toContain('does not match its signature');
    // Signed with another key.
    const other = { ...original, meta: { ...original.meta, sig: signatureOf(Buffer.alloc(32, 7), { workflowId: stream(), name: 'WithdrawComplaint', updateId: 'u-1', data: original.data, meta: { actor: 'li', role: 'agent', at: original.meta.at } }) } };
    expect(await refusal(send('u-1', other))).toContain('does not match its signature');
    // Signed too long ago.
    const old = signed('u-old', { actor: 'li', role: 'agent' }, new Date(Date.now() - SIGNATURE_MAX_AGE_MS - 60_000).toISOString());
    expect(await refusal(send('u-old', old))).toContain('was signed more than 10 minutes from now');
    expect(await eventCount()).toBe(before);

    const done = (await send('u-1', original)) as { eventTypes: string[] };
    expect(done.eventTypes).toEqual(['ComplaintWithdrawn']);
    const last = (await s.store.readStream(stream())).at(-1)!;
    expect(last.metadata).toMatchObject({ actor: 'li', role: 'agent', reason: '客户撤诉' });
    // Neither the signature nor its time is recorded.
    expect(JSON.stringify(last.metadata)).not.toContain('"sig"');
  });

  it('fails a workflow started from outside with a command of its own or carried state, appending nothing', async () => {
    const forged = async (id: string, input: Record<string, unknown>) => {
      const handle = await s.env.client.workflow.start('complaintWorkflow', { workflowId: `complaint-${id}`, taskQueue: s.taskQueue, args: [{ id, ...input }] });
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((await s.store.readStream(`complaint-${id}`)).length).toBe(0);
      return String((err as WorkflowFailedError).cause?.message);
    };
    const receive = { customerId: 'C1', channel: 'phone', category: 'product_quality', severity: 'minor', summary: 'forged', complaintId: 'KFORGED1', customerClass: 'key' };
    expect(await forged('KFORGED1', { initial: { action: 'receive', data: receive, meta: { actor: 'mallory', role: 'system' } } })).toContain('initial command receive must be signed');
    expect(await forged('KFORGED2', { carried: { state: { status: 'received' }, revision: 0 } })).toContain('carried state is accepted only from');
    // A survey round opened by hand as if its schedule had fired.
    const cycle = await s.env.client.workflow.start('surveyCycleWorkflow', { workflowId: `survey-cycle-key-${randomUUID()}`, taskQueue: s.taskQueue, args: [{ segment: 'key', every: 'quarter' }] });
    const err = await cycle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((err as WorkflowFailedError).cause?.message)).toContain('survey cycle key: its input must be signed');
  });
});
