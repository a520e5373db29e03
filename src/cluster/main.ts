import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../config/tools';
import { leftoverPids, startCluster } from './cluster';
import { portBaseProblem } from './topology';

/**
 * `npm run cluster [-- --foreground] [--dir .cluster] [--port-base 7300]` starts the two-node cluster in the background
 * and returns once both API nodes answer; `npm run cluster -- --down` stops everything it started. `--foreground`
 * keeps it attached (Ctrl-C stops it). State (keys, tokens, replicas, logs) lives in DIR; the databases on PostgreSQL.
 */
const { values } = parseArgs({
  options: {
    down: { type: 'boolean', default: false },
    foreground: { type: 'boolean', default: false },
    supervise: { type: 'boolean', default: false },
    dir: { type: 'string', default: process.env.CLUSTER_DIR ?? path.join(ROOT, '.cluster') },
    'port-base': { type: 'string', default: process.env.CLUSTER_PORT_BASE ?? '7300' },
  },
  strict: true,
});
const dir = path.resolve(values.dir!);
const portBase = Number(values['port-base']);
const badBase = portBaseProblem(portBase);
if (badBase) {
  process.stderr.write(`cluster: --port-base: ${badBase}\n`);
  process.exit(2);
}
const run = path.join(dir, 'run');
const supervisorPidFile = path.join(run, 'cluster.pid');
const readyFile = path.join(run, 'ready.json');
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runningSupervisor = () => {
  if (!existsSync(supervisorPidFile)) return undefined;
  const pid = Number(readFileSync(supervisorPidFile, 'utf8'));
  return isAlive(pid) ? pid : undefined;
};

async function down(): Promise<void> {
  const pid = runningSupervisor();
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 600 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  // What a killed supervisor left running.
  let left = 0;
  for (const { name, pid: child } of leftoverPids(dir)) {
    if (isAlive(child)) {
      process.kill(child, 'SIGKILL');
      left++;
      process.stdout.write(`cluster: stopped ${name} (pid ${child}), left by a supervisor that was killed\n`);
    }
    rmSync(path.join(run, `${name}.pid`), { force: true });
  }
  rmSync(supervisorPidFile, { force: true });
  rmSync(readyFile, { force: true });
  process.stdout.write(pid || left ? `cluster: stopped (${dir})\n` : `cluster: nothing was running for ${dir}\n`);
}

function summary(ready: { nodes: Array<{ name: string; apiUrl: string; temporalAddress: string }>; ui?: string; tokensFile: string; eventStore: string }): string {
  return [
    `cluster: ready (${dir})`,
    ...ready.nodes.map((n) => `  ${n.name}: API ${n.apiUrl}  Temporal ${n.temporalAddress}`),
    ...(ready.ui ? [`  Temporal Web UI: ${ready.ui}`] : []),
    `  event store: ${ready.eventStore}`,
    `  tokens: ${ready.tokensFile}`,
    `  logs: ${path.join(dir, 'logs')}`,
    '  stop with: npm run cluster -- --down',
  ].join('\n');
}

async function supervise(foreground: boolean): Promise<void> {
  mkdirSync(run, { recursive: true, mode: 0o700 });
  writeFileSync(supervisorPidFile, String(process.pid));
  rmSync(readyFile, { force: true });
  const cluster = await startCluster({ dir, portBase, out: (l) => process.stdout.write(l + '\n') });
  const t = cluster.topology;
  const ready = {
    nodes: t.nodes.map((n) => ({ name: n.name, apiUrl: n.apiUrl, temporalAddress: n.temporalAddress })),
    ...(cluster.names().includes('ui') ? { ui: t.ui.url } : {}),
    tokensFile: cluster.tokensFile,
    eventStore: `PostgreSQL database ${t.databases.events}`,
  };
  writeFileSync(readyFile, JSON.stringify(ready));
  if (foreground) process.stdout.write(summary(ready) + '\n');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    rmSync(readyFile, { force: true });
    rmSync(supervisorPidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

if (values.down) {
  await down();
} else if (values.supervise || values.foreground) {
  try {
    await supervise(values.foreground!);
  } catch (err) {
    process.stderr.write(`cluster: ${(err as Error).message}\n`);
    rmSync(supervisorPidFile, { force: true });
    process.exit(1);
  }
} else {
  const pid = runningSupervisor();
  if (pid && existsSync(readyFile)) {
    process.stdout.write(`cluster: already running (supervisor pid ${pid})\n${summary(JSON.parse(readFileSync(readyFile, 'utf8')))}\n`);
    process.exit(0);
  }
  if (pid) {
    process.stderr.write(`cluster: a cluster for ${dir} is starting or stuck (supervisor pid ${pid}); stop it with npm run cluster -- --down\n`);
    process.exit(1);
  }
  mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = path.join(dir, 'logs', 'cluster.log');
  const log = openSync(logFile, 'a', 0o600);
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--supervise', '--dir', dir, '--port-base', String(portBase)], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  process.stdout.write(`cluster: starting (supervisor pid ${child.pid}; log ${logFile})…\n`);
  const started = Date.now();
  for (;;) {
    if (existsSync(readyFile)) {
      process.stdout.write(`${summary(JSON.parse(readFileSync(readyFile, 'utf8')))}\n  started in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.exit(0);
    }
    if (child.exitCode !== null || !isAlive(child.pid!)) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n');
      process.stderr.write(`cluster: did not start:\n${tail}\n`);
      process.exit(1);
    }
    if (Date.now() - started > 600_000) {
      process.stderr.write(`cluster: not ready after 10 minutes; see ${logFile} and ${path.join(dir, 'logs')}\n`);
      process.exit(1);
    }
    await sleep(250);
  }
}
