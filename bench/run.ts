import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchAppends } from './appends';
import { benchRebuild, benchTemporal, benchWorkerMemory } from './processes';

/**
 * `npm run bench`: one JSON object per line, every figure from this one run on this machine.
 * BENCH_SCALE=small shrinks the workloads tenfold for a quick look.
 */
const peers = fileURLToPath(new URL('./peers/', import.meta.url));
if (!existsSync(`${peers}node_modules/@event-driven-io/emmett-sqlite`)) {
  process.stderr.write('bench: installing the peers compared against (bench/peers)…\n');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: peers, stdio: ['ignore', 'ignore', 'inherit'] });
}
process.stderr.write(`bench: ${new Date().toISOString()}, node ${process.version}, ${process.env.BENCH_SCALE === 'small' ? 'small scale' : 'full scale'}\n`);
await benchAppends();
benchRebuild();
await benchTemporal();
await benchWorkerMemory();
