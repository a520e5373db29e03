import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config';
import type { Logger } from 'pino';
import { createLogger } from './logger';

export interface Service {
  /** Settles when the service ends on its own (a failure rejects). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs one process of the stack (worker, projector, API): validates the configuration first (a wrong value stops
 * start-up naming the variable and the rule), then starts the service and stops it cleanly on SIGINT/SIGTERM.
 */
export async function runMain(name: string, start: (config: Config, logger: Logger) => Promise<Service>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`taizhang ${name}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name });
  let service: Service;
  try {
    service = await start(config, logger);
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, `${name} did not stop cleanly`);
        process.exit(1);
      },
    );
  };
  if (process.env.TAIZHANG_SUPERVISED) {
    // Under `npm start`: if the supervisor dies (kill -9), stop rather than linger as an orphan.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop('supervisor gone');
    }, 1000).unref();
  }
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  service.done.then(
    () => {
      if (!stopping) {
        logger.warn(`${name} ended`);
        process.exit(0);
      }
    },
    (err: unknown) => {
      logger.fatal({ err }, `${name} failed`);
      process.exit(1);
    },
  );
}

/** True when the module with this `import.meta.url` is the process's entry point. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return moduleUrl === pathToFileURL(path.resolve(entry)).href;
}
