import { Worker, type WorkerOptions } from '@temporalio/worker';
import { BUNDLER_OPTIONS, WORKFLOWS_PATH } from './src/config/bundle';
import type { Logger } from 'pino';
import { createActivities } from './src/activities';
import { createNotifier, customerContactFromStore, NotificationDispatcher, RecipientResolver, SentLog } from './src/activities/notify';
import { surveyLinkRenderer } from './src/activities/notify/links';
import { eventStoreOptions, surveyLinkSettings, type Config } from './src/config/config';
import { loadDirectory } from './src/config/directory';
import { isMain, runMain, type Service } from './src/config/main';
import { installRuntimeLogger } from './src/config/runtime';
import { loadPolicy, warnCalendarCoverage } from './src/config/policy';
import { openEventStore } from './src/events/store';
import type { EventStore } from './src/events/store/port';
import { LEDGERS } from './src/projections/ledgers';
import { LedgerReader } from './src/projections/reader';
import { connectClient, connectWorker } from './src/temporal';

export { installRuntimeLogger };
export { BUNDLER_OPTIONS, NODE_SIDE_MODULES, WORKFLOWS_PATH } from './src/config/bundle';

/**
 * The worker sized for its machine (TAIZHANG_WORKFLOW_THREADS, TAIZHANG_MAX_CACHED_WORKFLOWS, task slots): a bounded
 * cache keeps memory flat however many processes are open; an evicted workflow replays on its next timer or command.
 */
export function workerSizing(config: Pick<Config, 'TAIZHANG_WORKFLOW_THREADS' | 'TAIZHANG_MAX_CACHED_WORKFLOWS' | 'TAIZHANG_WORKFLOW_TASK_SLOTS' | 'TAIZHANG_ACTIVITY_TASK_SLOTS'>): Partial<WorkerOptions> {
  return {
    workflowThreadPoolSize: config.TAIZHANG_WORKFLOW_THREADS,
    maxCachedWorkflows: config.TAIZHANG_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.TAIZHANG_WORKFLOW_TASK_SLOTS,
    maxConcurrentActivityTaskExecutions: config.TAIZHANG_ACTIVITY_TASK_SLOTS,
    maxConcurrentLocalActivityExecutions: config.TAIZHANG_ACTIVITY_TASK_SLOTS,
  };
}

export async function startWorker(config: Config, logger: Logger, deps: { store?: EventStore } = {}): Promise<Service & { worker: Worker }> {
  installRuntimeLogger(logger);
  const policy = loadPolicy(config);
  warnCalendarCoverage(policy, logger);
  const store = deps.store ?? (await openEventStore(eventStoreOptions(config)));
  const notifier = createNotifier({ channel: config.NOTIFY_CHANNEL, smtpUrl: config.SMTP_URL, smtpFrom: config.SMTP_FROM, webhookUrl: config.NOTIFY_WEBHOOK_URL }, logger);
  const directory = loadDirectory(config.TAIZHANG_DIRECTORY_FILE);
  const recipients = new RecipientResolver(directory, customerContactFromStore(store));
  // Survey samples read the ledgers the projector keeps (read-only).
  const ledgers = new LedgerReader(config.ledgerDbPath, LEDGERS);
  const sentLog = new SentLog(config.notificationsDbPath);
  const connection = await connectWorker(config, logger);
  const client = await connectClient(config, logger);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    bundlerOptions: BUNDLER_OPTIONS,
    activities: createActivities({ store, logger, policy, ledgers, directory, client }),
    ...workerSizing(config),
  });
  const dispatcher = new NotificationDispatcher(store, notifier, sentLog, recipients, logger, { render: surveyLinkRenderer(surveyLinkSettings(config)) });
  dispatcher.start();
  const done = Promise.all([worker.run(), dispatcher.done]).then(() => undefined);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.temporalAddress, store: store.kind }, 'worker running');
  return {
    worker,
    done,
    async stop() {
      await dispatcher.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
      await connection.close();
      await client.connection.close();
      ledgers.close();
      await notifier.close?.();
      sentLog.close();
      if (!deps.store) await store.close();
    },
  };
}

if (isMain(import.meta.url)) await runMain('worker', startWorker);
