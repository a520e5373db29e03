import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyInput, TemporalGateway } from '../../src/api/gateway';
import { sealInitial } from '../../src/activities/processes';
import { streamOf, type ProcessDefinition } from '../../src/domain/process';
import { tempStore } from './store';
import { temporalCli, testServer, testServerAt } from '../../src/config/tools';
import { createActivities, type ActivityDeps } from '../../src/activities';
import { createLogger } from '../../src/config/logger';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy';
import type { EventStore } from '../../src/events/store/port';
import { bundlerOptions, installRuntimeLogger } from '../../worker';
import { TEST_KEYS, testDataConverter } from './keys';
import { SqliteDataKeyStore } from '../../src/events/keys/data-keys';
import { PiiCipher } from '../../src/events/keys/cipher';
import { AesGcmPayloadCodec } from '../../src/support/codec';

/** The payload codec of the test stacks (the same keys as their clients and workers), for the codec routes. */
export const testCodec = new AesGcmPayloadCodec(TEST_KEYS.payloadKeys);

const quiet = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn', name: 'test' });
installRuntimeLogger(quiet);

/**
 * Temporal's time-skipping Java test server (provisioned by scripts/setup.mjs), or the SDK's download. With `startAt`
 * (an ISO instant) its clock starts there (tools/temporal-test-server/TestServerAt.java), so a workflow can begin on a
 * chosen day (before a holiday) and its timers are skipped from there.
 */
export async function timeSkippingEnv(options: { startAt?: string } = {}): Promise<TestWorkflowEnvironment> {
  const ts = testServer();
  if (!options.startAt) return TestWorkflowEnvironment.createTimeSkipping({ client: { dataConverter: testDataConverter }, ...(ts.kind === 'path' ? { server: { executable: { type: 'existing-path', path: ts.path } } } : {}) });
  const at = testServerAt();
  if (!at) throw new Error('starting the test server at a chosen instant needs its launcher: run `node scripts/setup.mjs --for-tests` (it compiles tools/temporal-test-server/TestServerAt.java)');
  const dir = mkdtempSync(path.join(tmpdir(), 'tz-test-server-'));
  const wrapper = path.join(dir, 'temporal-test-server-at');
  writeFileSync(wrapper, `#!/bin/sh\nTAIZHANG_TEST_SERVER_START_MS=${Date.parse(options.startAt)} exec '${at}' "$@"\n`, { mode: 0o755 });
  return TestWorkflowEnvironment.createTimeSkipping({ client: { dataConverter: testDataConverter }, server: { executable: { type: 'existing-path', path: wrapper } } });
}

/** The real Temporal dev server (the CLI), or the SDK's download. */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const cli = temporalCli();
  return TestWorkflowEnvironment.createLocal({
    client: { dataConverter: testDataConverter },
    server: { ip: '127.0.0.1', ...(cli.kind === 'path' ? { executable: { type: 'existing-path', path: cli.path } } : {}) },
  });
}

/** Workflows under test: the production set plus test fixtures. */
export const TEST_WORKFLOWS = fileURLToPath(new URL('../workflows/fixtures/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: TEST_WORKFLOWS, ...bundlerOptions(TEST_KEYS.commandKeys), logger: quiet as never });
  return bundle;
}

export async function testWorker(env: TestWorkflowEnvironment, store: EventStore, taskQueue: string, extra: Omit<ActivityDeps, 'store' | 'logger' | 'client'> = {}): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: testDataConverter,
    activities: createActivities({ store, logger: quiet, client: env.client, commandKeys: TEST_KEYS.commandKeys, ...extra }),
  });
}

export const testLogger = quiet;

/** A worker on a real Temporal server with its own event store and task queue: what most workflow tests start. */
export async function startWorkerStack(server: 'dev' | 'time-skipping', options: { policy?: Policy; startAt?: string; activities?: (dir: string) => Omit<ActivityDeps, 'store' | 'logger' | 'client'> } = {}) {
  const env = server === 'dev' ? await devServerEnv() : await timeSkippingEnv({ startAt: options.startAt });
  const s = tempStore();
  const taskQueue = `tq-${randomUUID()}`;
  // The customers' data keys, as DATA_DIR/customer-keys.db: personal fields are sealed with them, erasures destroy them.
  const dataKeys = new SqliteDataKeyStore(path.join(s.dir, 'customer-keys.db'), TEST_KEYS.dataKeyWrap);
  const pii = new PiiCipher(dataKeys);
  const worker = await testWorker(env, s.store, taskQueue, { dataKeys, ...options.activities?.(s.dir) });
  const running = worker.run();
  return {
    env,
    store: s.store,
    dir: s.dir,
    taskQueue,
    pii,
    dataKeys,
    gateway: new TemporalGateway(env.client, taskQueue, {
      store: s.store,
      commandKeys: TEST_KEYS.commandKeys,
      pii,
      // Commands are signed at the workflows' time, which a time-skipping server moves ahead.
      ...(server === 'time-skipping' ? { now: () => env.currentTimeMs() } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
    }),
    async close() {
      worker.shutdown();
      await running;
      dataKeys.close();
      await env.teardown();
      await s.cleanup();
    },
  };
}
export type WorkerStack = Awaited<ReturnType<typeof startWorkerStack>>;

/**
 * Starts a process as the engine does (a schedule's round, a workflow opening another): its creating command as
 * `system`, sealed as the worker's start activity seals it. Resolves once the command's events are in the stream.
 */
export async function startAsEngine(s: Pick<WorkerStack, 'env' | 'taskQueue' | 'store'>, p: ProcessDefinition, id: string, action: string, data: Record<string, unknown>, policy: Policy = DEFAULT_POLICY) {
  const workflowId = streamOf(p, id);
  const initial = { action, data: { ...data, [p.idField]: id }, meta: { actor: 'taizhang', role: 'system' } };
  await s.env.client.workflow.start(p.workflowType, { workflowId, taskQueue: s.taskQueue, args: [sealInitial(workflowId, { id, ...policyInput(policy), initial }, TEST_KEYS.commandKeys[0])] });
  for (let i = 0; ; i++) {
    const events = await s.store.readStream(workflowId);
    if (events.length) return events;
    if (i > 600) throw new Error(`${workflowId} was started but recorded nothing in 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
