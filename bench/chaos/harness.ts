import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { TemporalGateway } from '../../src/api/gateway';
import { localKeys } from '../../src/config/keys';
import { encryptedDataConverter } from '../../src/support/codec';
import { verifyLedgers } from '../../src/audit/rebuild';
import { devServerArgs, ROOT, temporalCli } from '../../src/config/tools';
import { COMPRESSED_POLICY } from '../../src/domain/policy';
import { SqliteEventStore } from '../../src/events/store/sqlite';
import { LEDGERS } from '../../src/projections/ledgers';
import { SentLog } from '../../src/activities/notify';
import { startSmtpInbox } from './smtp';
import { latenessOf, random, servedAgain, tallyInbox, untilSettled, violationsOf, type Kill } from './checks';

/**
 * Chaos run: complaints are filed (compressed policy) while the worker, the projector and the Temporal dev server are
 * killed with SIGKILL at random and restarted. Afterwards every guarantee is checked from the event store, the SMTP
 * server's inbox and a rebuild of the ledgers.
 */
export interface ChaosOptions {
  complaints: number;
  kills: number;
  /** Seconds over which complaints are filed and kills happen. */
  seconds: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ChaosSummary {
  complaints: number;
  acknowledged: number;
  kills: Record<string, number>;
  events: number;
  escalations: number;
  escalationLatenessMs: ReturnType<typeof latenessOf>['escalationLatenessMs'];
  /** After each Temporal kill: from the kill until every probe workflow answered a query again (`servedAgain`). */
  temporalRecoveryMs: { measured: number; each: number[]; max: number };
  lateOver1sByKill: ReturnType<typeof latenessOf>['lateOver1sByKill'];
  notificationsIssued: number;
  /** Distinct notification keys that arrived: every issued one must. */
  keysReceived: number;
  emailsReceived: number;
  /** Sends cut off by a kill and sent again with the same key (the receiver may see a copy, with the same Message-ID). */
  notificationsResent: number;
  violations: string[];
  latenessViolations: string[];
  durationS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on right now (tests and benchmarks give each server its own). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Managed {
  name: 'temporal' | 'worker' | 'projector';
  start: () => ChildProcess;
  proc?: ChildProcess;
  /** Held down on purpose (between a kill and its restart). */
  down?: boolean;
}

const exited = (p: ChildProcess | undefined) => !p || p.exitCode !== null || p.signalCode !== null;

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const rnd = random(options.seed ?? Date.now());
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'taizhang-chaos-'));
  const [temporalPort, smtpPort] = [await freePort(), await freePort()];
  const taskQueue = 'chaos';
  const cli = temporalCli();
  if (cli.kind !== 'path') throw new Error('chaos needs the Temporal CLI (run `npm run setup`)');

  // The SMTP server keeps every message: counted by its idempotency key, with the Message-IDs each key came with.
  const smtp = await startSmtpInbox(smtpPort);
  const directory = path.join(dir, 'directory.json');
  writeFileSync(
    directory,
    JSON.stringify({ roles: { supervisor: { email: ['sup@example.com'] }, manager: { email: ['mgr@example.com'] }, general_manager: { email: ['gm@example.com'] } }, actors: { chaos: { email: 'owner@example.com' } } }),
  );
  const env = {
    ...process.env,
    DATA_DIR: dir,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_TASK_QUEUE: taskQueue,
    NOTIFY_CHANNEL: 'smtp',
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    TAIZHANG_DIRECTORY_FILE: directory,
    LOG_LEVEL: 'error',
  };
  const node = (file: string) => () => spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file)], { cwd: ROOT, env, stdio: 'ignore' });
  const parts: Managed[] = [
    {
      name: 'temporal',
      start: () =>
        spawn(cli.path, ['server', 'start-dev', '--headless', ...devServerArgs(path.join(dir, 'temporal.db')), '--ip', '127.0.0.1', '--port', String(temporalPort), '--log-level', 'error'], {
          stdio: 'ignore',
        }),
    },
    { name: 'worker', start: node('worker.ts') },
    { name: 'projector', start: node('src/main/projector.ts') },
  ];
  const kills: Record<string, number> = { temporal: 0, worker: 0, projector: 0 };
  const violations: string[] = [];
  let client: Client | undefined;
  let connection: Connection | undefined;

  const connect = async () => {
    for (;;) {
      try {
        const c = await Connection.connect({ address: env.TEMPORAL_ADDRESS, connectTimeout: 1000 });
        await c.healthService.check({});
        return c;
      } catch {
        await sleep(200);
      }
    }
  };

  try {
    for (const p of parts) p.proc = p.start();
    connection = await connect();
    // As the API is a client: payloads encrypted and commands signed with the keys the stack's processes use.
    const keys = localKeys(dir);
    client = new Client({ connection, dataConverter: encryptedDataConverter(keys.payloadKeys) });
    const gateway = new TemporalGateway(client, taskQueue, { commandKeys: keys.commandKeys });

    // A supervisor, as `npm start` has one: whatever exits on its own (a worker that lost Temporal) is restarted.
    let supervising = true;
    const supervisor = (async () => {
      while (supervising) {
        for (const p of parts) if (!p.down && exited(p.proc)) p.proc = p.start();
        await sleep(300);
      }
    })();

    // Kills: spread over the filing window, each followed by a restart. After a Temporal kill, its recovery is
    // measured as the cluster run measures a shard takeover (`servedAgain`).
    const killLog: Kill[] = [];
    const probeIds: string[] = [];
    const killing = (async () => {
      for (let k = 0; k < options.kills; k++) {
        await sleep((options.seconds * 1000 * (0.6 + rnd() * 0.8)) / options.kills);
        const victim = parts[Math.floor(rnd() * parts.length)]!;
        victim.down = true;
        const entry: Kill = { at: Date.now(), name: victim.name };
        killLog.push(entry);
        if (!exited(victim.proc)) {
          const gone = new Promise((r) => victim.proc!.once('exit', r));
          victim.proc!.kill('SIGKILL');
          await gone;
        }
        kills[victim.name]!++;
        await sleep(200 + rnd() * 800);
        victim.proc = victim.start();
        victim.down = false;
        if (victim.name === 'temporal' && probeIds.length) entry.recoveryMs = await servedAgain(env.TEMPORAL_ADDRESS, probeIds, entry.at);
      }
    })();

    // Filing: one after another, each retried until Temporal answers (it may be down); an acknowledged filing is one
    // whose result came back, naming the events it made durable.
    const acknowledged: Array<{ complaintId: string; eventIds: string[] }> = [];
    const filing = (async () => {
      for (let i = 0; i < options.complaints; i++) {
        const complaintId = `X${started.toString(36)}n${i}`;
        for (let attempt = 0; ; attempt++) {
          try {
            const r = await gateway.receiveComplaint(
              { complaintId, customerId: `C${i % 50}`, channel: 'phone', category: 'delivery', severity: 'major', summary: `chaos ${i}`, owner: 'chaos' },
              { actor: 'chaos', role: 'agent' },
              { policy: COMPRESSED_POLICY, customerClass: 'ordinary' },
              `chaos-${complaintId}`,
            );
            acknowledged.push({ complaintId, eventIds: r.eventIds });
            if (probeIds.length < 24) probeIds.push(`complaint-${complaintId}`);
            break;
          } catch (err) {
            if (attempt > 200) {
              violations.push(`complaint ${complaintId} could not be filed: ${(err as Error).message}`);
              break;
            }
            await sleep(250);
          }
        }
        await sleep((options.seconds * 1000) / options.complaints / 2);
      }
    })();
    await Promise.all([killing, filing]);
    supervising = false;
    await supervisor;
    log(`chaos: filed ${acknowledged.length}/${options.complaints} complaints with ${options.kills} kills (${JSON.stringify(kills)}); waiting for the escalations to finish`);

    // Every part up; wait until each complaint has its whole ladder (or a deadline passes).
    for (const p of parts) if (exited(p.proc)) p.proc = p.start();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const p of parts) if (exited(p.proc)) p.proc = p.start();
        await sleep(300);
      }
    })();
    const store = new SqliteEventStore({ file: path.join(dir, 'events.db'), readonly: true });
    const byStream = await untilSettled(store, smtp, acknowledged, 300_000);
    const all = [...byStream.values()].flat();
    // Every key arrives; more than once only when a crash cut its send off, and every copy is the same message.
    const sentLog = new SentLog(path.join(dir, 'notifications.db'));
    const resent = new Set(await sentLog.resent());
    sentLog.close();
    const checked = violationsOf(byStream, acknowledged, smtp, resent);
    violations.push(...checked.violations);
    const issued = checked.issued;
    const inbox = tallyInbox(smtp).count;
    const lateness = latenessOf(all, killLog);
    const recoveries = killLog.flatMap((k) => (k.recoveryMs === undefined ? [] : [k.recoveryMs]));

    // The projector must have caught up; then a rebuild must equal the live ledgers.
    const head = (await store.head()).position;
    const ledgerFile = path.join(dir, 'ledger.db');
    for (let i = 0; i < 600; i++) {
      try {
        const check = await verifyLedgers(store, ledgerFile, LEDGERS, { chain: false });
        if (check.checkpoint === head || i === 599) {
          if (check.checkpoint !== head) violations.push(`projector did not catch up: checkpoint ${check.checkpoint}, head ${head}`);
          for (const l of check.ledgers) if (!l.ok) violations.push(`ledger ${l.name} differs from a rebuild: ${JSON.stringify(l.firstDifference)}`);
          break;
        }
      } catch {
        // the ledger file may not exist yet right after a kill
      }
      await sleep(100);
    }
    watching = false;
    await watch;
    await store.close();
    return {
      complaints: options.complaints,
      acknowledged: acknowledged.length,
      kills,
      events: all.length,
      escalations: all.filter((e) => e.type === 'ComplaintEscalated').length,
      escalationLatenessMs: lateness.escalationLatenessMs,
      temporalRecoveryMs: { measured: recoveries.length, each: recoveries, max: Math.max(0, ...recoveries) },
      lateOver1sByKill: lateness.lateOver1sByKill,
      notificationsIssued: issued.length,
      keysReceived: issued.filter((k) => inbox.has(k)).length,
      emailsReceived: [...inbox.values()].reduce((a, b) => a + b, 0),
      notificationsResent: resent.size,
      violations,
      /** Escalations later than their kill explains (bench/chaos/checks.ts `latenessOf`); timing, so kept apart from the guarantees. */
      latenessViolations: lateness.violations,
      durationS: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await connection?.close().catch(() => undefined);
    for (const p of [...parts].reverse()) {
      if (!exited(p.proc) && p.proc) {
        p.proc.kill('SIGTERM');
        await Promise.race([new Promise((r) => p.proc!.once('exit', r)), sleep(5000)]);
        p.proc.kill('SIGKILL');
      }
    }
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
