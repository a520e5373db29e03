import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './src/activities';
import { createNotifier, NotificationDispatcher, SentLog } from './src/activities/notify';
import type { Config } from './src/config/config';
import { redact, type Logger } from './src/config/logger';
import { isMain, runMain, type Service } from './src/config/main';
import { openEventStore } from './src/events/store';
import type { EventStore } from './src/events/store/port';
import { connectWorker } from './src/temporal';
import { loadPolicy, warnCalendarCoverage } from './src/config/policy';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./src/workflows/index.ts', import.meta.url));

/** Bundler settings every worker (and every workflow test) uses. */
export const BUNDLER_OPTIONS: WorkerOptions['bundlerOptions'] = {
  // chinese-days ships an ESM build that webpack must treat as plain JavaScript.
  webpackConfigHook: (config) => {
    config.module?.rules?.push({ test: /chinese-days[\/].*\.m?js$/, type: 'javascript/auto' });
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
  warnCalendarCoverage(loadPolicy(config), logger);
  const store = deps.store ?? (await openEventStore(config));
  const notifier = createNotifier(config, logger);
  const sentLog = new SentLog(config.notificationsDbPath);
  const connection = await connectWorker(config, logger);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    bundlerOptions: BUNDLER_OPTIONS,
    activities: createActivities({ store, logger }),
  });
  const dispatcher = new NotificationDispatcher(store, notifier, sentLog, logger);
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
      await notifier.close?.();
      sentLog.close();
      if (!deps.store) await store.close();
    },
  };
}

if (isMain(import.meta.url)) await runMain('worker', startWorker);
