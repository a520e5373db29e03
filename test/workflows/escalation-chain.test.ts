import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpInbox, type SmtpInbox } from '../../bench/chaos/smtp';
import { NotificationDispatcher, RecipientResolver, SentLog, SmtpNotifier } from '../../src/activities/notify';
import { parseDirectory } from '../../src/config/directory';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import { freePort } from '../support/stack';
import { startWorkerStack, testLogger, type WorkerStack } from '../support/temporal';

/**
 * Two agents of one department and a supervisor of each of two departments: a complaint of one of those agents left
 * unanswered escalates, at level 1, to its owner's department's supervisor only (a real SMTP server receives it).
 */
describe('escalation goes up the owner’s own chain', () => {
  let w: WorkerStack;
  let smtp: SmtpInbox;
  let dispatcher: NotificationDispatcher;
  let sentLog: SentLog;
  const directory = parseDirectory({
    staff: [
      { id: 'li', name: '李娜', roles: ['agent'], department: 'east', email: 'li@example.com' },
      { id: 'wang', name: '王强', roles: ['agent'], department: 'east', email: 'wang@example.com' },
      { id: 'zhao', name: '赵敏', roles: ['supervisor'], department: 'east', email: 'zhao@example.com' },
      { id: 'sun', name: '孙伟', roles: ['supervisor'], department: 'west', email: 'sun@example.com' },
      { id: 'qian', name: '钱峰', roles: ['manager'], department: 'service', email: 'qian@example.com' },
      { id: 'zhou', name: '周华', roles: ['general_manager'], email: 'zhou@example.com' },
    ],
  });

  beforeAll(async () => {
    smtp = await startSmtpInbox(await freePort());
    w = await startWorkerStack('dev', { policy: COMPRESSED_POLICY });
    sentLog = new SentLog(`${w.dir}/notifications.db`);
    dispatcher = new NotificationDispatcher(w.store, new SmtpNotifier(`smtp://127.0.0.1:${smtp.port}`, 'taizhang <noreply@localhost>'), sentLog, new RecipientResolver(directory), testLogger);
    dispatcher.start();
  }, 180_000);

  afterAll(async () => {
    await dispatcher?.stop();
    sentLog?.close();
    await w?.close();
    await smtp.close();
  });

  it('level 1 reaches the supervisor of the owner’s department, not the other one', async () => {
    // Compressed policy, normal severity: first response due 8 s after receipt, level 1 at the breach.
    const { complaintId } = await w.gateway.receiveComplaint({ customerId: 'C1', channel: 'phone', category: 'delivery', severity: 'normal', summary: '送货延迟' }, { actor: 'li', role: 'agent' }, { customerClass: 'ordinary' });
    const stream = `complaint-${complaintId}`;
    // The notification keys of the level-1 escalation and of the warning, as the workflow recorded them.
    const keyOf = async (about: string, level?: number) => {
      const events = await w.store.readStream(stream);
      const i = events.findIndex((e) => e.type === about && (level === undefined || (e.data as { level: number }).level === level));
      return i < 0 ? undefined : (events[i + 1]?.data as { key: string; recipient: string; chainOf?: string } | undefined);
    };
    let escalation: Awaited<ReturnType<typeof keyOf>>;
    for (let i = 0; i < 200 && !(escalation && smtp.mail.some((m) => m.key === escalation!.key)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      escalation = await keyOf('ComplaintEscalated', 1);
    }
    expect(escalation).toMatchObject({ recipient: 'role:supervisor', chainOf: 'li' });
    expect(smtp.mail.filter((m) => m.key === escalation!.key).map((m) => m.to)).toEqual([['zhao@example.com']]);
    // The warning went to the owner alone.
    const warning = await keyOf('DeadlineWarningIssued');
    expect(smtp.mail.filter((m) => m.key === warning!.key).map((m) => m.to)).toEqual([['li@example.com']]);
  }, 60_000);
});
