import { readFileSync } from 'node:fs';
import { Connection, Client, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type Config } from './config/config';
import type { Logger } from 'pino';

type ConnectionConfig = Pick<Config, 'temporalAddress' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'>;

/** What the client and the worker connect with: the same address, TLS and API key for both. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | true;
  apiKey?: string;
}

/** A PEM file a TLS variable names; a missing or unreadable one stops start-up naming the variable, not a gRPC error. */
function pemFile(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(variable, `cannot be read (${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * The connection to Temporal as configured: plain gRPC to the embedded dev server; TLS when a CA, a server name or an
 * API key is set (Temporal Cloud takes an API key over TLS with the system's CAs); mTLS with TEMPORAL_TLS_CERT and
 * TEMPORAL_TLS_KEY. The PEM files are read here, once per connection, so a renewed certificate is used at restart.
 */
export function temporalConnectionOptions(config: ConnectionConfig): TemporalConnectionOptions {
  const tls: TLSConfig = {
    ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(config.TEMPORAL_TLS_CA ? { serverRootCACertificate: pemFile('TEMPORAL_TLS_CA', config.TEMPORAL_TLS_CA) } : {}),
    ...(config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
      ? { clientCertPair: { crt: pemFile('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT), key: pemFile('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY) } }
      : {}),
  };
  const useTls = Object.keys(tls).length > 0 || Boolean(config.TEMPORAL_API_KEY);
  return {
    address: config.temporalAddress,
    ...(useTls ? { tls: Object.keys(tls).length ? tls : true } : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}

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

/** A client of the namespace; `dataConverter` is the deployment's payload codec (see src/support/codec.ts). */
export async function connectClient(config: ConnectionConfig & Pick<Config, 'TEMPORAL_NAMESPACE'>, logger: Logger, timeoutMs = 60_000, dataConverter?: DataConverter): Promise<Client> {
  const options = temporalConnectionOptions(config);
  const connection = await withRetry('client', () => Connection.connect(options), logger, timeoutMs);
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, ...(dataConverter ? { dataConverter } : {}) });
}

export async function connectWorker(config: ConnectionConfig, logger: Logger, timeoutMs = 60_000): Promise<NativeConnection> {
  const options = temporalConnectionOptions(config);
  return withRetry('worker', () => NativeConnection.connect(options), logger, timeoutMs);
}
