import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import { parsePolicy, policyRef, POLICY_PROFILES, type Policy } from '../domain/policy';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export const WORKFLOWS_PATH = here('../workflows/index.ts');

/** The node-side modules of a process (zod schemas, ledgers) and of the kernel's re-plan: the workflow bundle leaves them out. */
export const NODE_SIDE_MODULES = /[\\/]src[\\/](?:processes[\\/][^\\/]+[\\/](?:schemas|ledger)|domain[\\/]deadlines[\\/]replan-schemas)\.ts$/;

const ARCHIVE = here('../../policies/archive/');

/**
 * Every shipped policy version by `name@version`: the profiles of `policies/*.json` and the earlier versions kept in
 * `policies/archive/` (a process started under `default@3` keeps computing with `default@3` after an upgrade).
 */
export function shippedPolicies(): Record<string, Policy> {
  const table: Record<string, Policy> = {};
  for (const f of readdirSync(ARCHIVE).filter((n) => n.endsWith('.json')).sort()) {
    const p = parsePolicy(JSON.parse(readFileSync(ARCHIVE + f, 'utf8')));
    table[policyRef(p)] = p;
  }
  for (const p of Object.values(POLICY_PROFILES)) table[policyRef(p)] = p;
  return table;
}

/**
 * Modules evaluated once per worker thread and shared (frozen) by every workflow it runs, instead of once per
 * workflow: the SDK's workflow API and every workflow module of taizhang, and through them the process registry with
 * every decider, the calendar with its holiday tables and the policy table. None keeps per-workflow state: their only
 * module state is the holiday tables, built once from chinese-days, and activity proxies, which find the running
 * workflow when called.
 */
const PRELOADED = ['@temporalio/workflow', WORKFLOWS_PATH];

/**
 * Bundler settings every worker (and every workflow test) uses, with the command keys the workflows verify commands
 * with (the first signs, every one verifies: see src/domain/signature.ts).
 */
export function bundlerOptions(commandKeys: readonly Buffer[]): NonNullable<WorkerOptions['bundlerOptions']> {
  return {
    preloadModules: PRELOADED,
    webpackConfigHook: (config) => {
      // chinese-days ships an ESM build that webpack must treat as plain JavaScript.
      config.module?.rules?.push({ test: /chinese-days[\/].*\.m?js$/, type: 'javascript/auto' });
      // Workflow code reads only the pure parts of a process definition; its schemas and ledgers stay out, and zod with them.
      config.module?.rules?.push({ test: NODE_SIDE_MODULES, use: [{ loader: here('../workflows/bundle/node-side-loader.cjs') }] });
      // The shipped policies, parsed here once, become data in the bundle: a start input names its policy by `name@version`.
      config.module?.rules?.push({ test: /[\\/]src[\\/]workflows[\\/]support[\\/]policies\.ts$/, use: [{ loader: here('../workflows/bundle/policies-loader.cjs'), options: { table: shippedPolicies() } }] });
      config.module?.rules?.push({
        test: /[\\/]src[\\/]workflows[\\/]support[\\/]command-keys\.ts$/,
        use: [{ loader: here('../workflows/bundle/command-keys-loader.cjs'), options: { keys: commandKeys.map((k) => k.toString('hex')) } }],
      });
      return config;
    },
  };
}

const PINO_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The workflow bundler's logger: webpack's report (a multi-line listing of every module) is a debug line, so neither
 * the console nor an info-level log carries it; a failed build stays an error, and the other bundler lines keep their
 * level.
 */
export function bundlerLogger(logger: PinoLogger): DefaultLogger {
  return new DefaultLogger('DEBUG', (entry) => {
    const report = entry.message.includes('\n');
    const level = report && entry.level !== 'ERROR' ? 'debug' : PINO_LEVELS[entry.level];
    logger[level]({ ...(entry.meta ?? {}), ...(report ? { webpack: entry.message } : {}) }, report ? 'workflow bundle: webpack report' : entry.message);
  });
}
