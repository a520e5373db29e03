import type { Command } from 'commander';
import type { Config } from '../config/config';
import { ApiClient } from './client';

/** A failure the CLI reports in one line, with its exit code (2: configuration). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The configuration, checked; loaded on first use, so `--help` evaluates no schema. */
export async function config(): Promise<Config> {
  const { ConfigError, loadConfig } = await import('../config/config');
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
}

export interface ClientOptions {
  url?: string;
  token?: string;
  as: string;
}

/** The API as the options say who acts: the configuration and the token are read on the first request. */
export function apiClient(opts: ClientOptions): Pick<ApiClient, 'request' | 'download'> {
  let client: Promise<ApiClient> | undefined;
  const resolve = () =>
    (client ??= (async () => {
      const cfg = await config();
      const { localToken } = await import('./tokens');
      const token = opts.token ?? cfg.TAIZHANG_TOKEN ?? localToken(cfg.dataDir, opts.as);
      if (!token) throw new CliError(`no token for "${opts.as}": pass --token, set TAIZHANG_TOKEN, or run \`npm start\` once so ${cfg.dataDir}/tokens.json exists`);
      return new ApiClient(opts.url ?? cfg.apiUrl, token);
    })());
  return {
    request: async <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => (await resolve()).request<T>(method, path, body, headers),
    download: async (path: string) => (await resolve()).download(path),
  };
}

/** --url, --token and --as: who the command acts as, through the API. */
export const withClientOptions = (cmd: Command): Command =>
  cmd
    .option('--url <url>', 'API base URL (default PUBLIC_URL or http://HOST:PORT)')
    .option('--token <token>', 'bearer token (default TAIZHANG_TOKEN, else the --as person or role from DATA_DIR/tokens.json)')
    .option('--as <actor-or-role>', 'act as this person (actor id) or the first person holding this role, with their local token', 'admin');

export const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
