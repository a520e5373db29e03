import { bundleWorkflowCode, Worker, type WorkerOptions } from '@temporalio/worker';
import { bundlerLogger, bundlerOptions, WORKFLOWS_PATH } from './src/config/bundle';
import type { Logger } from 'pino';
import { createActivities } from './src/activities';
import { createNotifier, customerContactFromStore, NotificationDispatcher, openSentLog, RecipientResolver } from './src/activities/notify';
import { surveyLinkRenderer } from './src/activities/notify/links';
import { eventStoreOptions, surveyLinkSettings, type Config } from './src/config/config';
import { loadDirectory } from './src/config/directory';
import { loadKeys } from './src/config/keys';
import { encryptedDataConverter } from './src/support/codec';
import { SqliteDataKeyStore } from './src/events/keys/data-keys';
import { PiiCipher } from './src/events/keys/cipher';
import { isMain, runMain, type Service } from './src/config/main';
import { installRuntime, installRuntimeLogger, type RuntimeTelemetry } from './src/config/runtime';
import { loadPolicy, policyInForce, warnCalendarCoverage } from './src/config/policy';
import { openEventStore } from './src/events/store';
import type { EventStore } from './src/events/store/port';
import { LEDGERS } from './src/projections/ledgers';
import { LedgerReader } from './src/projections/reader';
import { measuredAppends, WorkerMetrics } from './src/support/metrics';
import { scheduledInstantOf } from './src/support/metrics-alarms';
import { leaseFor, runExclusively } from './src/support/lease';
import { restrictNewFiles, securePrivateDataDir } from './src/support/private-files';
import { announceMetrics, fetchMetricsText, serveMetrics } from './src/support/metrics-server';
import { connectClient, connectWorker } from './src/temporal';

export { installRuntimeLogger };
export { bundlerOptions, NODE_SIDE_MODULES, WORKFLOWS_PATH } from './src/config/bundle';

/**
 * The worker sized for its machine (TAIZHANG_WORKFLOW_THREADS, TAIZHANG_MAX_CACHED_WORKFLOWS, task slots): a bounded
 * cache keeps memory flat however many processes are open; an evicted workflow replays on its next timer or command.
 * Another worker takes over a dead one's workflows after the sticky timeout.
 */
export function workerSizing(config: Pick<Config, 'TAIZHANG_WORKFLOW_THREADS' | 'TAIZHANG_MAX_CACHED_WORKFLOWS' | 'TAIZHANG_WORKFLOW_TASK_SLOTS' | 'TAIZHANG_ACTIVITY_TASK_SLOTS'>): Partial<WorkerOptions> {
  return {
    workflowThreadPoolSize: config.TAIZHANG_WORKFLOW_THREADS,
    maxCachedWorkflows: config.TAIZHANG_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.TAIZHANG_WORKFLOW_TASK_SLOTS,
    maxConcurrentActivityTaskExecutions: config.TAIZHANG_ACTIVITY_TASK_SLOTS,
    maxConcurrentLocalActivityExecutions: config.TAIZHANG_ACTIVITY_TASK_SLOTS,
    // A workflow's next task waits this long on its worker's sticky queue before any worker may take it: the SDK's 10 s
    // is how late an alarm fires when that worker dies. 3 s still finds a live worker's cache almost always.
    stickyQueueScheduleToStartTimeout: '3s',
  };
}

/**
 * The worker's /metrics (TAIZHANG_WORKER_METRICS_ADDRESS): its own metrics and, appended, the SDK exporter's, announced
 * in DATA_DIR/run/worker-metrics.json for the API on this host. A taken address costs the metrics, not the worker.
 */
async function serveWorkerMetrics(config: Config, logger: Logger, metrics: WorkerMetrics, telemetry: RuntimeTelemetry) {
  if (config.TAIZHANG_WORKER_METRICS_ADDRESS === 'off') return undefined;
  const render = async () => {
    const sdk = telemetry.sdkMetricsUrl ? await fetchMetricsText(telemetry.sdkMetricsUrl, 1000) : undefined;
    metrics.sdkMetricsUp.set(sdk === undefined ? 0 : 1);
    const own = await metrics.metrics();
    return sdk ? `${own.trimEnd()}\n${sdk.trimEnd()}\n` : own;
  };
  try {
    const server = await serveMetrics(config.TAIZHANG_WORKER_METRICS_ADDRESS, render);
    const withdraw = announceMetrics(config.workerMetricsFile, server.url);
    logger.info({ url: server.url, sdk: telemetry.sdkMetricsUrl ?? null }, 'worker metrics served');
    return {
      url: server.url,
      async close() {
        withdraw();
        await server.close();
      },
    };
  } catch (err) {
    logger.warn({ err: (err as Error).message, bindAddress: config.TAIZHANG_WORKER_METRICS_ADDRESS }, 'worker metrics not served');
    return undefined;
  }
}

export async function startWorker(config: Config, logger: Logger, deps: { store?: EventStore } = {}): Promise<Service & { worker: Worker; metricsUrl: string | undefined }> {
  securePrivateDataDir(config.dataDir, logger);
  const telemetry = await installRuntime(logger, { metricsAddress: config.TAIZHANG_SDK_METRICS_ADDRESS });
  const metrics = new WorkerMetrics();
  const policy = loadPolicy(config);
  const store = deps.store ?? (await openEventStore(eventStoreOptions(config)));
  // On the calendar in force: a year whose notice was imported (taizhang calendar import) is not warned of.
  warnCalendarCoverage(await policyInForce(policy, store), logger);
  const notifier = createNotifier({ channel: config.NOTIFY_CHANNEL, smtpUrl: config.SMTP_URL, smtpFrom: config.SMTP_FROM, webhookUrl: config.NOTIFY_WEBHOOK_URL }, logger);
  const directory = loadDirectory(config.TAIZHANG_DIRECTORY_FILE);
  // Commands are verified with the command keys inside the workflows; every payload is encrypted (see src/support/codec.ts);
  // personal fields are sealed with their customer's data key, destroyed here by an erasure (crypto-shredding).
  const keys = loadKeys(config);
  const dataConverter = encryptedDataConverter(keys.payloadKeys);
  const dataKeys = new SqliteDataKeyStore(config.customerKeysDbPath, keys.dataKeyWrap);
  const recipients = new RecipientResolver(directory, customerContactFromStore(store, new PiiCipher(dataKeys)));
  // Survey samples read the ledgers the projector keeps (read-only).
  const ledgers = new LedgerReader(config.ledgerDbPath, LEDGERS);
  const connection = await connectWorker(config, logger);
  const client = await connectClient(config, logger, undefined, dataConverter);
  // Bundled here rather than by Worker.create, to give the bundler a logger that keeps webpack's report out of the log.
  const { webpackConfigHook, preloadModules } = bundlerOptions(keys.commandKeys);
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, webpackConfigHook, preloadModules, logger: bundlerLogger(logger) });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle,
    dataConverter,
    // Appends go through the activities: measured there (count, events, latency, lateness of the alarms they record).
    activities: createActivities({ store: measuredAppends(store, metrics, scheduledInstantOf), logger, policy, ledgers, directory, client, commandKeys: keys.commandKeys, dataKeys }),
    ...workerSizing(config),
  });
  // The outbox runs on one worker per cluster (the outbox lease), from the shared sent log; a dispatcher that fails
  // fails the worker, as it always has.
  let dispatcherFailed: (err: unknown) => void = () => undefined;
  let outboxStopped: () => void = () => undefined;
  const dispatching = new Promise<void>((resolve, reject) => ((outboxStopped = resolve), (dispatcherFailed = reject)));
  const outbox = runExclusively(
    leaseFor('outbox', config, config.TAIZHANG_NODE),
    async () => {
      const sentLog = await openSentLog({ url: config.EVENTSTORE_URL, file: config.notificationsDbPath });
      const dispatcher = new NotificationDispatcher(store, notifier, sentLog, recipients, logger, { render: surveyLinkRenderer(surveyLinkSettings(config)), counters: metrics.notifications });
      dispatcher.start();
      dispatcher.done.catch(dispatcherFailed);
      return {
        async stop() {
          await dispatcher.stop();
          await sentLog.close();
        },
      };
    },
    logger,
  );
  const metricsServer = await serveWorkerMetrics(config, logger, metrics, telemetry);
  const done = Promise.all([worker.run(), dispatching]).then(() => undefined);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.temporalAddress, store: store.kind }, 'worker running');
  return {
    worker,
    done,
    metricsUrl: metricsServer?.url,
    async stop() {
      await metricsServer?.close();
      await outbox.stop();
      outboxStopped();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
      await connection.close();
      await client.connection.close();
      ledgers.close();
      await notifier.close?.();
      dataKeys.close();
      if (!deps.store) await store.close();
    },
  };
}

if (isMain(import.meta.url)) {
  restrictNewFiles(); // owner-only files (DATA_DIR holds personal data)
  await runMain('worker', startWorker);
}
