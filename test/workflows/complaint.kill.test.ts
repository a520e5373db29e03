import type { NotificationIssued } from '../../src/domain/notifications';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSmtpInbox, type SmtpInbox } from '../../bench/chaos/smtp';
import { SentLog } from '../../src/activities/notify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalGateway } from '../../src/api/gateway';
import { TEST_KEYS, testKeyEnv } from '../support/keys';
import type { ComplaintEvent } from '../../src/processes/complaint/schemas';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import { ROOT } from '../../src/config/tools';
import type { RecordedEvent } from '../../src/events/envelope';
import { SqliteEventStore } from '../../src/events/store/sqlite';
import { freePort } from '../support/stack';
import { tempDir } from '../support/store';
import { devServerEnv } from '../support/temporal';

/**
 * The worker is a separate process sending e-mail to a real SMTP server on loopback; it is killed with SIGKILL between
 * two escalations and started again. Every escalation must exist once, every notification must be sent once.
 */
describe('complaint escalations survive kill -9 of the worker', () => {
  const t = tempDir('taizhang-kill-');
  let env: TestWorkflowEnvironment;
  let smtp: SmtpInbox;
  let smtpPort: number;
  const taskQueue = `tq-${randomUUID()}`;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    env = await devServerEnv();
    smtpPort = await freePort();
    smtp = await startSmtpInbox(smtpPort);
    writeFileSync(
      path.join(t.dir, 'directory.json'),
      JSON.stringify({
        roles: { supervisor: { email: ['sup@example.com'] }, manager: { email: ['mgr@example.com'] }, general_manager: { email: ['gm@example.com'] } },
        actors: { li: { email: 'li@example.com' } },
      }),
    );
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await smtp.close();
    await env?.teardown();
    t.cleanup();
  });

  const startWorker = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: t.dir,
        ...testKeyEnv(),
        TEMPORAL_ADDRESS: env.connection.options.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        NOTIFY_CHANNEL: 'smtp',
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        TAIZHANG_DIRECTORY_FILE: path.join(t.dir, 'directory.json'),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('worker running')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${out}`)));
    });
    return child;
  };

  it('each escalation event exists once and each notification was sent once', async () => {
    worker = await startWorker();
    const gateway = new TemporalGateway(env.client, taskQueue, { commandKeys: TEST_KEYS.commandKeys });
    const { complaintId, position } = await gateway.receiveComplaint(
      { customerId: 'C1', channel: 'phone', category: 'product_quality', severity: 'major', summary: '电梯故障' },
      { actor: 'li', role: 'agent' },
      { policy: COMPRESSED_POLICY, customerClass: 'ordinary' },
    );
    expect(position).not.toBeNull();
    // Major, compressed: first-response escalations at 4, 6, 8 s; kill between the first two.
    await new Promise((r) => setTimeout(r, 5000));
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
    await new Promise((r) => setTimeout(r, 1500));
    worker = await startWorker();
    await new Promise((r) => setTimeout(r, 22_000)); // past the last resolution escalation (24 s)

    const store = new SqliteEventStore({ file: path.join(t.dir, 'events.db'), readonly: true });
    const events = (await store.readStream(`complaint-${complaintId}`)) as Array<RecordedEvent & (ComplaintEvent | NotificationIssued)>;
    await store.close();
    const escalations = events.filter((e) => e.type === 'ComplaintEscalated').map((e) => (e.type === 'ComplaintEscalated' ? `${e.data.deadline}:${e.data.level}` : ''));
    expect(escalations.sort()).toEqual(['first_response:1', 'first_response:2', 'first_response:3', 'resolution:1', 'resolution:2', 'resolution:3']);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));

    const recorded = events.filter((e) => e.type === 'NotificationIssued').map((e) => (e.type === 'NotificationIssued' ? e.data.key : ''));
    // GM at intake, 2 warnings to the owner, 6 escalations.
    expect(recorded).toHaveLength(9);
    expect(new Set(recorded).size).toBe(recorded.length);
    const received = smtp.mail;
    console.info(`SMTP server received ${received.length} messages for ${recorded.length} recorded notifications`);
    // Every notification arrived; a second copy only of a send the kill cut off, sent again as the same message.
    expect([...new Set(received.map((m) => m.key))].sort()).toEqual([...recorded].sort());
    const sentLog = new SentLog(path.join(t.dir, 'notifications.db'));
    const resent = sentLog.resent();
    sentLog.close();
    for (const key of recorded) {
      const copies = received.filter((m) => m.key === key);
      expect(copies.length, `${key} arrived ${copies.length} times`).toBeLessThanOrEqual(resent.includes(key) ? 2 : 1);
      expect(new Set(copies.map((m) => m.messageId)).size).toBe(1);
    }
  }, 90_000);
});
