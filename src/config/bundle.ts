import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The node-side modules of a process (zod schemas, ledgers): the workflow bundle leaves them out. */
export const NODE_SIDE_MODULES = /[\\/]src[\\/]processes[\\/][^\\/]+[\\/](?:schemas|ledger)\.ts$/;

/** Bundler settings every worker (and every workflow test) uses. */
export const BUNDLER_OPTIONS: WorkerOptions['bundlerOptions'] = {
  webpackConfigHook: (config) => {
    // chinese-days ships an ESM build that webpack must treat as plain JavaScript.
    config.module?.rules?.push({ test: /chinese-days[\/].*\.m?js$/, type: 'javascript/auto' });
    // Workflow code reads only the pure parts of a process definition; its schemas and ledgers stay out, and zod with them.
    config.module?.rules?.push({ test: NODE_SIDE_MODULES, use: [{ loader: fileURLToPath(new URL('../workflows/bundle/node-side-loader.cjs', import.meta.url)) }] });
    return config;
  },
};

