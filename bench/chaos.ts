import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChaos } from './chaos/harness';

/**
 * `npm run chaos [-- --complaints 500 --kills 50 --seconds 240 --seed 42]`: one node (the Temporal dev server, the
 * worker, the projector). `npm run chaos -- --cluster [--complaints 300 --kills 32]`: the two-node cluster of `npm run
 * cluster` (bench/chaos/cluster.ts); with `--beside-single-node` the one-node run goes first, with the same seed,
 * complaints and kills, and both are printed with their lateness side by side. Prints a summary, exits 1 on any
 * violation.
 */
const { values } = parseArgs({
  options: {
    cluster: { type: 'boolean', default: false },
    'beside-single-node': { type: 'boolean', default: false },
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
const printed = <T extends { violations: string[]; latenessViolations: string[] }>(s: T) => ({ ...s, violations: s.violations.slice(0, 50), violationCount: s.violations.length, latenessViolations: s.latenessViolations.slice(0, 20), latenessViolationCount: s.latenessViolations.length });
const failures = (s: { violations: string[]; latenessViolations: string[] }) => s.violations.length + s.latenessViolations.length;
if (values.cluster && values['beside-single-node']) {
  const seed = options.seed ?? Date.now();
  const single = await runChaos({ ...options, seed });
  const cluster = await (await import('./chaos/cluster')).runClusterChaos({ ...options, seed });
  const side = {
    escalationLatenessMs: { singleNode: single.escalationLatenessMs, cluster: cluster.escalationLatenessMs },
    lateOver1sByKill: { singleNode: single.lateOver1sByKill, cluster: cluster.lateOver1sByKill },
    recoveryAfterTemporalKillMs: { singleNodeRestart: single.temporalRecoveryMs.max, clusterShardTakeover: cluster.shardTakeoverMs.max },
  };
  process.stdout.write(JSON.stringify({ singleNode: printed(single), cluster: printed(cluster), sideBySide: side }, null, 2) + '\n');
  process.exit(failures(single) + failures(cluster) === 0 ? 0 : 1);
}
const summary = values.cluster ? await (await import('./chaos/cluster')).runClusterChaos(options) : await runChaos(options);
process.stdout.write(JSON.stringify(printed(summary), null, 2) + '\n');
process.exit(failures(summary) === 0 ? 0 : 1);
