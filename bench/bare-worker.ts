import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import { installRuntimeLogger } from '../src/config/runtime';
import { connectWorker } from '../src/temporal';
import { workerSizing } from '../worker';

/**
 * A worker process for the peers Temporal is measured with (`bare-workflow.ts`, `floor-workflow.ts`, named by the
 * first argument): the same environment and sizing as the real worker, no domain code. Stops on SIGTERM.
 */
const WORKFLOWS: Record<string, string> = {
  bare: fileURLToPath(new URL('./bare-workflow.ts', import.meta.url)),
  floor: fileURLToPath(new URL('./floor-workflow.ts', import.meta.url)),
};
const workflowsPath = WORKFLOWS[process.argv[2] ?? ''];
if (!workflowsPath) throw new Error(`bare-worker: first argument must be one of ${Object.keys(WORKFLOWS).join(', ')}`);
const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, name: 'bare-worker' });
installRuntimeLogger(logger);
const connection = await connectWorker(config, logger);
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  workflowsPath,
  activities: { noop: async (target: number) => Date.now() - target },
  ...workerSizing(config),
});
const stop = () => worker.shutdown();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await worker.run();
await connection.close();
