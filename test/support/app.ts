import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from '../../src/api/app';
import { SurveySchedules } from '../../src/api/schedules';
import type { Role } from '../../src/domain/roles';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy';
import type { RecordedEvent } from '../../src/events/envelope';
import { LedgerDb } from '../../src/projections/ledger-db';
import { ALL_LEDGERS, LEDGERS } from '../../src/projections/ledgers';
import { Projector } from '../../src/projections/projector';
import { LedgerReader } from '../../src/projections/reader';
import { startWorkerStack, testCodec, testLogger } from './temporal';
import { TEST_KEYS } from './keys';

export const TOKENS: Record<string, { token: string; role: Role; actor: string }> = {
  agent: { token: 'agent-token-0123456789-abcdefghijklmnop', role: 'agent', actor: 'agent-1' },
  agent2: { token: 'agent2-token-0123456789-abcdefghijklmnop', role: 'agent', actor: 'agent-2' },
  supervisor: { token: 'supervisor-token-0123456789-abcdefghijklmnop', role: 'supervisor', actor: 'sup-1' },
  auditor: { token: 'auditor-token-0123456789-abcdefghijklmnop', role: 'auditor', actor: 'aud-1' },
  admin: { token: 'admin-token-0123456789-abcdefghijklmnop', role: 'admin', actor: 'admin-1' },
  manager: { token: 'manager-token-0123456789-abcdefghijklmnop', role: 'manager', actor: 'mgr-1' },
  gm: { token: 'gm-token-0123456789-abcdefghijklmnop', role: 'general_manager', actor: 'gm-1' },
  vp: { token: 'vp-token-0123456789-abcdefghijklmnop', role: 'sales_vp', actor: 'vp-1' },
  vp2: { token: 'vp2-token-0123456789-abcdefghijklmnop', role: 'sales_vp', actor: 'vp-2' },
  committee: { token: 'committee-token-0123456789-abcdefghijklmnop', role: 'committee', actor: 'cmt-1' },
  finance: { token: 'finance-token-0123456789-abcdefghijklmnop', role: 'finance', actor: 'fin-1' },
  marketing: { token: 'marketing-token-0123456789-abcdefghijklmnop', role: 'marketing', actor: 'mkt-1' },
  expert: { token: 'expert-token-0123456789-abcdefghijklmnop', role: 'expert', actor: 'exp-1' },
  checker: { token: 'checker-token-0123456789-abcdefghijklmnop', role: 'checker', actor: 'chk-1' },
};

/** The API over a real worker, store and projector on the Temporal dev server, as one in-process stack for tests. */
export async function startTestApp(policy: Policy = DEFAULT_POLICY, options: { logger?: Logger; rateLimitPerMinute?: number; heavyRateLimitPerMinute?: number } = {}) {
  // Survey samples read the ledgers this app's projector keeps.
  const w = await startWorkerStack('dev', { policy, activities: (dir) => ({ policy, ledgers: new LedgerReader(path.join(dir, 'ledger.db'), ALL_LEDGERS) }) });
  const { env, gateway } = w;
  const s = { store: w.store, dir: w.dir };
  const ledgerDb = new LedgerDb(path.join(s.dir, 'ledger.db'), LEDGERS);
  const projector = new Projector(s.store, ledgerDb, { batchSize: 100, logger: testLogger });
  projector.start();
  const reader = new LedgerReader(path.join(s.dir, 'ledger.db'), ALL_LEDGERS, w.pii);
  const app: FastifyInstance = await buildApp({
    config: { temporalAddress: env.connection.options.address, tokens: Object.values(TOKENS) },
    logger: options.logger ?? testLogger,
    gateway,
    store: s.store,
    ledgers: reader,
    policy,
    schedules: new SurveySchedules(env.client, w.taskQueue, policy, TEST_KEYS.commandKeys[0]),
    codec: testCodec,
    pii: w.pii,
    uiOrigins: ['http://127.0.0.1:8233'],
    accessLogPath: path.join(s.dir, 'access.db'),
    rateLimitPerMinute: options.rateLimitPerMinute,
    heavyRateLimitPerMinute: options.heavyRateLimitPerMinute,
  });
  return {
    env,
    store: s.store,
    dir: s.dir,
    app,
    projector,
    gateway,
    pii: w.pii,
    dataKeys: w.dataKeys,
    taskQueue: w.taskQueue,
    as: (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]!.token}` }),
    async allEvents(): Promise<RecordedEvent[]> {
      const out: RecordedEvent[] = [];
      for await (const e of s.store.readAll()) out.push(e);
      return out;
    },
    async close() {
      await app.close();
      await projector.stop();
      reader.close();
      ledgerDb.close();
      await w.close();
    },
  };
}
export type TestApp = Awaited<ReturnType<typeof startTestApp>>;
