import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchAppends } from './appends';
import { benchCliStart } from './cli-start';
import { benchCluster } from './cluster';
import { benchLateness, benchMemory, benchThroughput } from './processes';
import { benchRebuild } from './rebuild';

/**
 * `npm run bench [-- --only throughput,memory]`: one JSON object per line, every figure from this one run on this
 * machine. Each part runs on processes of its own; BENCH_SCALE=small shrinks the workloads tenfold for a quick look.
 */

const installPeers = () => {
  const peers = fileURLToPath(new URL('./peers/', import.meta.url));
  if (existsSync(`${peers}node_modules/@event-driven-io/emmett-sqlite`)) return;
  process.stderr.write('bench: installing the peers compared against (bench/peers)…\n');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: peers, stdio: ['ignore', 'ignore', 'inherit'] });
};

/** The parts, in the order a full run takes them. */
const PARTS: Record<string, () => Promise<void>> = {
  appends: async () => {
    installPeers();
    await benchAppends();
  },
  rebuild: async () => benchRebuild(),
  lateness: benchLateness,
  throughput: benchThroughput,
  memory: benchMemory,
  cli: benchCliStart,
  // Opt-in (`--cluster` or `--only cluster`): builds the Temporal server and runs PostgreSQL, as `npm run cluster` does.
  cluster: benchCluster,
};
const NAMES = Object.keys(PARTS);
const DEFAULT_PARTS = NAMES.filter((n) => n !== 'cluster');

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: npm run bench [-- --only <part>[,<part>…]] [--cluster]   parts: ${NAMES.join(', ')}\n`);
  process.exit(2);
}

let only: string | undefined;
let cluster: boolean | undefined;
try {
  ({
    values: { only, cluster },
  } = parseArgs({ options: { only: { type: 'string' }, cluster: { type: 'boolean' } }, strict: true, allowPositionals: false }));
} catch (err) {
  fail((err as Error).message);
}
if (cluster) only = only ? `${only},cluster` : 'cluster';
const chosen = only === undefined ? DEFAULT_PARTS : only.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = chosen.filter((n) => !NAMES.includes(n));
if (unknown.length > 0 || chosen.length === 0) fail(`unknown part${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `"${n}"`).join(', ') || '(none given)'}; the parts are ${NAMES.join(', ')}`);

process.stderr.write(`bench: ${new Date().toISOString()}, node ${process.version}, ${process.env.BENCH_SCALE === 'small' ? 'small scale' : 'full scale'}, parts: ${NAMES.filter((n) => chosen.includes(n)).join(', ')}\n`);
const failed: string[] = [];
for (const name of NAMES.filter((n) => chosen.includes(n))) {
  const t = performance.now();
  try {
    await PARTS[name]!();
    process.stderr.write(`bench: ${name} done in ${Math.round((performance.now() - t) / 1000)} s\n`);
  } catch (err) {
    failed.push(name);
    process.stderr.write(`bench: ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
  }
}
if (failed.length > 0) process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
// Every process a part started has stopped; nothing else is left to wait for.
process.exit(failed.length > 0 ? 1 : 0);
