import { Connection, Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config/config';
import type { Logger } from 'pino';

/** Retries a connection while the Temporal server is still starting (the embedded stack starts everything at once). */
async function withRetry<T>(what: string, connect: () => Promise<T>, logger: Logger, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      logger.debug({ err: (err as Error).message, what }, 'Temporal not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

export async function connectClient(config: Pick<Config, 'temporalAddress' | 'TEMPORAL_NAMESPACE'>, logger: Logger, timeoutMs = 60_000): Promise<Client> {
  const connection = await withRetry('client', () => Connection.connect({ address: config.temporalAddress }), logger, timeoutMs);
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export async function connectWorker(config: Pick<Config, 'temporalAddress'>, logger: Logger, timeoutMs = 60_000): Promise<NativeConnection> {
  return withRetry('worker', () => NativeConnection.connect({ address: config.temporalAddress }), logger, timeoutMs);
}
