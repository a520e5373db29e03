import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChaos } from './chaos/harness';

/**
 * `npm run chaos [-- --complaints 500 --kills 50 --seconds 240 --seed 42]`: one node (the Temporal dev server, the
 * worker, the projector). `npm run chaos -- --cluster [--complaints 300 --kills 32]`: the two-node cluster of `npm run
 * cluster` (bench/chaos/cluster.ts). Prints a summary, exits 1 on any violation.
 */
const { values } = parseArgs({
  options: {
    cluster: { type: 'boolean', default: false },
    complaints: { type: 'string' },
    kills: { type: 'string' },
    seconds: { type: 'string', default: '240' },
    seed: { type: 'string' },
  },
});
const options = {
  complaints: Number(values.complaints ?? (values.cluster ? 300 : 500)),
  kills: Number(values.kills ?? (values.cluster ? 32 : 50)),
  seconds: Number(values.seconds),
  seed: values.seed === undefined ? undefined : Number(values.seed),
};
// The cluster needs the Temporal server and PostgreSQL: built and started as `npm run cluster` does.
if (values.cluster) execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/setup.mjs', import.meta.url)), '--quiet', '--for-cluster'], { stdio: 'inherit' });
const summary = values.cluster ? await (await import('./chaos/cluster')).runClusterChaos(options) : await runChaos(options);
process.stdout.write(JSON.stringify({ ...summary, violations: summary.violations.slice(0, 50), violationCount: summary.violations.length }, null, 2) + '\n');
process.exit(summary.violations.length === 0 ? 0 : 1);
