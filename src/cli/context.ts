import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/config';
import { ApiClient } from './client';
import { localToken } from './tokens';

/** A failure the CLI reports in one line, with its exit code (2: configuration). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function config(): Config {
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

export function apiClient(opts: ClientOptions): ApiClient {
  const cfg = config();
  const token = opts.token ?? cfg.TAIZHANG_TOKEN ?? localToken(cfg.dataDir, opts.as);
  if (!token) throw new CliError(`no token for "${opts.as}": pass --token, set TAIZHANG_TOKEN, or run \`npm start\` once so ${cfg.dataDir}/tokens.json exists`);
  return new ApiClient(opts.url ?? cfg.apiUrl, token);
}

/** --url, --token and --as: who the command acts as, through the API. */
export const withClientOptions = (cmd: Command): Command =>
  cmd
    .option('--url <url>', 'API base URL (default PUBLIC_URL or http://HOST:PORT)')
    .option('--token <token>', 'bearer token (default TAIZHANG_TOKEN, else the --as person or role from DATA_DIR/tokens.json)')
    .option('--as <actor-or-role>', 'act as this person (actor id) or the first person holding this role, with their local token', 'admin');

export const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
