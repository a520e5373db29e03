import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from './src/activities';
import { createNotifier, customerContactFromStore, NotificationDispatcher, RecipientResolver, SentLog } from './src/activities/notify';
import { surveyLinkRenderer } from './src/activities/notify/links';
import { eventStoreOptions, surveyLinkSettings, type Config } from './src/config/config';
import { loadDirectory } from './src/config/directory';
import { redact } from './src/config/logger';
import { isMain, runMain, type Service } from './src/config/main';
import { loadPolicy, warnCalendarCoverage } from './src/config/policy';
import { openEventStore } from './src/events/store';
import type { EventStore } from './src/events/store/port';
import { LEDGERS } from './src/projections/ledgers';
import { LedgerReader } from './src/projections/reader';
import { connectClient, connectWorker } from './src/temporal';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./src/workflows/index.ts', import.meta.url));

/** The node-side modules of a process (zod schemas, ledgers): the workflow bundle leaves them out. */
export const NODE_SIDE_MODULES = /[\\/]src[\\/]processes[\\/][^\\/]+[\\/](?:schemas|ledger)\.ts$/;

/** Bundler settings every worker (and every workflow test) uses. */
export const BUNDLER_OPTIONS: WorkerOptions['bundlerOptions'] = {
  webpackConfigHook: (config) => {
    // chinese-days ships an ESM build that webpack must treat as plain JavaScript.
    config.module?.rules?.push({ test: /chinese-days[\/].*\.m?js$/, type: 'javascript/auto' });
    // Workflow code reads only the pure parts of a process definition; its schemas and ledgers stay out, and zod with them.
    config.module?.rules?.push({ test: NODE_SIDE_MODULES, use: [{ loader: fileURLToPath(new URL('./src/workflows/bundle/node-side-loader.cjs', import.meta.url)) }] });
    return config;
  },
};

let runtimeInstalled = false;
/** Routes the SDK's own logs through pino (with personal data redacted). */
export function installRuntimeLogger(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      logger[levels[entry.level]](redact(entry.meta ?? {}) as object, entry.message);
    }),
  });
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
