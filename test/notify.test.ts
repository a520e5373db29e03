import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationDispatcher, RecipientResolver, SentLog, WebhookNotifier } from '../src/activities/notify';
import { envelope } from './support/events';
import { tempStore } from './support/store';
import { testLogger } from './support/temporal';

describe('notification outbox', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('sends each issued notification once through the webhook, retrying a failing endpoint, and resumes without resending', async () => {
    const received: Array<{ key: string; status: number }> = [];
    let failFirst = true;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const key = String(req.headers['idempotency-key']);
        expect(JSON.parse(body)).toMatchObject({ key, recipient: 'role:supervisor' });
        const status = failFirst ? 503 : 200;
        failFirst = false;
        received.push({ key, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;

    const s = tempStore();
    cleanups.push(s.cleanup);
    const issue = (n: number) =>
      s.store.append(
        'complaint-K1',
        [envelope('NotificationIssued', { complaintId: 'K1', key: `K1#${n}:role:supervisor`, recipient: 'role:supervisor', subject: `s${n}`, body: 'b', about: 'ComplaintEscalated' })],
        { expectedRevision: n === 1 ? 'no_stream' : n - 2 },
      );
    await issue(1);
    await issue(2);
    const sentLog = new SentLog(`${s.dir}/notifications.db`);
    cleanups.push(() => sentLog.close());
    const first = new NotificationDispatcher(s.store, new WebhookNotifier(url), sentLog, new RecipientResolver({ staff: [] }), testLogger, { maxBackoffMs: 50 });
    first.start();
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => sentLog.count() === 2);
    await first.stop();
    expect(received.filter((r) => r.status === 200).map((r) => r.key)).toEqual(['K1#1:role:supervisor', 'K1#2:role:supervisor']);
    expect(received[0]).toEqual({ key: 'K1#1:role:supervisor', status: 503 });

    // A restarted dispatcher resumes from its checkpoint: the old keys are not sent again, a new one is.
    await issue(3);
    const second = new NotificationDispatcher(s.store, new WebhookNotifier(url), sentLog, new RecipientResolver({ staff: [] }), testLogger);
    second.start();
    await until(() => sentLog.count() === 3);
    await second.stop();
    expect(received.filter((r) => r.status === 200).map((r) => r.key)).toEqual(['K1#1:role:supervisor', 'K1#2:role:supervisor', 'K1#3:role:supervisor']);

    // A send cut off by a crash (begun, never recorded as sent) is sent again after the restart, with the same key.
    await issue(4);
    sentLog.begin('K1#4:role:supervisor', 'role:supervisor');
    const third = new NotificationDispatcher(s.store, new WebhookNotifier(url), sentLog, new RecipientResolver({ staff: [] }), testLogger);
    third.start();
    await until(() => sentLog.count() === 4);
    await third.stop();
    expect(received.filter((r) => r.key === 'K1#4:role:supervisor')).toEqual([{ key: 'K1#4:role:supervisor', status: 200 }]);
    expect(sentLog.resent()).toEqual(['K1#4:role:supervisor']);
    expect(sentLog.interrupted()).toEqual([]);
  });
});
