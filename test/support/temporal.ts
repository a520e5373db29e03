import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TemporalGateway } from '../../src/api/gateway';
import { tempStore } from './store';
import { temporalCli, testServer } from '../../src/config/tools';
import { createActivities } from '../../src/activities';
import { createLogger } from '../../src/config/logger';
import type { Policy } from '../../src/domain/policy';
import type { EventStore } from '../../src/events/store/port';
import { BUNDLER_OPTIONS, installRuntimeLogger } from '../../worker';

const quiet = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn', name: 'test' });
installRuntimeLogger(quiet);

/** Temporal's time-skipping Java test server (provisioned by scripts/setup.mjs), or the SDK's download. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const ts = testServer();
  return TestWorkflowEnvironment.createTimeSkipping(ts.kind === 'path' ? { server: { executable: { type: 'existing-path', path: ts.path } } } : {});
}

/** The real Temporal dev server (the CLI), or the SDK's download. */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const cli = temporalCli();
  return TestWorkflowEnvironment.createLocal({
    server: { ip: '127.0.0.1', ...(cli.kind === 'path' ? { executable: { type: 'existing-path', path: cli.path } } : {}) },
  });
}

/** Workflows under test: the production set plus test fixtures. */
export const TEST_WORKFLOWS = fileURLToPath(new URL('../workflows/fixtures/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: TEST_WORKFLOWS, ...BUNDLER_OPTIONS, logger: quiet as never });
  return bundle;
}

export async function testWorker(env: TestWorkflowEnvironment, store: EventStore, taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ store, logger: quiet }),
  });
}

export const testLogger = quiet;

/** A worker on a real Temporal server with its own event store and task queue: what most workflow tests start. */
export async function startWorkerStack(server: 'dev' | 'time-skipping', options: { policy?: Policy } = {}) {
  const env = server === 'dev' ? await devServerEnv() : await timeSkippingEnv();
  const s = tempStore();
  const taskQueue = `tq-${randomUUID()}`;
  const worker = await testWorker(env, s.store, taskQueue);
  const running = worker.run();
  return {
    env,
    store: s.store,
    dir: s.dir,
    taskQueue,
    gateway: new TemporalGateway(env.client, taskQueue, { store: s.store, ...(options.policy ? { policy: options.policy } : {}) }),
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
      await s.cleanup();
    },
  };
}
export type WorkerStack = Awaited<ReturnType<typeof startWorkerStack>>;
