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
  as?: string;
}

/**
 * The token a command acts with, and so its person and role (the API reads both from the token): `--token`, else the
 * local token of the `--as` person or role (an explicit choice), else TAIZHANG_TOKEN. With none of them the CLI refuses
 * rather than pick someone: acting as `admin` unasked would hide who did what.
 */
export async function tokenFor(opts: Pick<ClientOptions, 'token' | 'as'>, cfg: Pick<Config, 'TAIZHANG_TOKEN' | 'dataDir'>): Promise<string> {
  if (opts.token) return opts.token;
  if (opts.as !== undefined) {
    const { localToken } = await import('./tokens');
    const token = localToken(cfg.dataDir, opts.as);
    if (!token) throw new CliError(`--as ${opts.as}: no local token for this person or role in ${cfg.dataDir}/tokens.json (\`npm start\` writes one per person of the staff directory); pass --token or set TAIZHANG_TOKEN instead`, 2);
    return token;
  }
  if (cfg.TAIZHANG_TOKEN) return cfg.TAIZHANG_TOKEN;
  throw new CliError('who acts? set TAIZHANG_TOKEN to your API token, or pass --as <person-or-role> to use a local token from DATA_DIR/tokens.json (or --token <token>)', 2);
}

/** The API as the options say who acts: the configuration and the token are read on the first request. */
export function apiClient(opts: ClientOptions): Pick<ApiClient, 'request' | 'download'> {
  let client: Promise<ApiClient> | undefined;
  const resolve = () =>
    (client ??= (async () => {
      const cfg = await config();
      return new ApiClient(opts.url ?? cfg.apiUrl, await tokenFor(opts, cfg));
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
    .option('--token <token>', 'bearer token (default: the --as person\'s local token, else TAIZHANG_TOKEN)')
    .option('--as <actor-or-role>', 'act as this person (actor id) or the first person holding this role, with their local token from DATA_DIR/tokens.json (default: the TAIZHANG_TOKEN principal; one of them is required)');

export const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
