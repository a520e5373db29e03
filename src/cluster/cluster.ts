import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { ensureLocalTokens } from '../cli/tokens';
import { DEMO_DIRECTORY_FILE, loadDirectory } from '../config/directory';
import { runningPostgres } from '../config/postgres';
import { ROOT } from '../config/tools';
import { localKeys } from '../config/keys';
import { securePrivateDataDir } from '../support/private-files';
import { clusterTools, DYNAMIC_CONFIG, NODE_NAMES, PORT_OFFSETS, temporalServerConfig, topology, uiServerConfig, type NodeName, type NodeTopology, type Topology } from './topology';

/**
 * `npm run cluster`: the cluster of topology.ts started from a fresh clone, every process supervised (restarted when it
 * exits, unless held down on purpose), its output in DIR/logs/<process>.log. The chaos run drives the same cluster:
 * it kills processes by name and counts on the supervisor to bring them back.
 */
export type Role = 'temporal' | 'worker' | 'projector' | 'api';
export const ROLES: readonly Role[] = ['temporal', 'worker', 'projector', 'api'];
export const processName = (role: Role, node: NodeName) => `${role}-${node.slice(-1)}`;

export interface ClusterOptions {
  dir: string;
  /** An existing PostgreSQL server (PG_URL); else the private one `scripts/setup.mjs --for-cluster` made. */
  pgUrl?: string;
  portBase?: number;
  databasePrefix?: string;
  /** Extra environment of every taizhang process (NOTIFY_CHANNEL, SMTP_URL, a compressed policy…). */
  env?: NodeJS.ProcessEnv;
  /** The Web UI (default: when it was built). */
  ui?: boolean;
  out?: (line: string) => void;
}

interface Managed {
  name: string;
  start: () => ChildProcess;
  proc?: ChildProcess;
  down: boolean;
  restarts: number;
}

export interface Cluster {
  topology: Topology;
  tokensFile: string;
  /** The process names: temporal-a, worker-a, projector-a, api-a, the same for b, and ui. */
  names(): string[];
  pid(name: string): number | undefined;
  /** Kills a process (SIGKILL by default) and holds it down until `restart`; resolves once it has exited. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  restart(name: string): void;
  restarts(): Record<string, number>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (p: ChildProcess | undefined) => !p || p.exitCode !== null || p.signalCode !== null;

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

/** Creates the cluster's databases where missing and brings Temporal's two schemas up to date (idempotent). */
async function prepareDatabases(t: Topology, sqlTool: string, out: (l: string) => void): Promise<void> {
  const admin = new pg.Client({ connectionString: t.pg.url('postgres') });
  await admin.connect();
  const fresh: string[] = [];
  try {
    for (const db of Object.values(t.databases)) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${db}`);
        fresh.push(db);
      }
    }
  } finally {
    await admin.end();
  }
  const base = ['--plugin', 'postgres12', '--ep', t.pg.host, '-p', String(t.pg.port), '-u', t.pg.user, ...(t.pg.password ? ['--pw', t.pg.password] : [])];
  for (const [db, schema] of [
    [t.databases.temporal, 'postgresql/v12/temporal'],
    [t.databases.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    const steps = [...(fresh.includes(db) ? [['setup-schema', '-v', '0.0']] : []), ['update-schema', '--schema-name', schema]];
    for (const step of steps) {
      const r = spawnSync(sqlTool, [...base, '--db', db, ...step], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`Temporal's SQL tool failed on ${db} (${step[0]}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    }
  }
  if (fresh.length) out(`cluster: created ${fresh.join(', ')} and Temporal's schemas`);
}

/** Each cluster directory has databases of its own (its keys sealed their events): named after the directory. */
export const databasePrefixOf = (dir: string) => `taizhang_cluster_${createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 8)}`;

/** Drops a cluster's databases (the chaos run's, when it is done). */
export async function dropClusterDatabases(t: Topology): Promise<void> {
  const admin = new pg.Client({ connectionString: t.pg.url('postgres') });
  await admin.connect();
  try {
    for (const db of Object.values(t.databases)) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

const secret = (file: string) => readFileSync(file, 'utf8').trim();

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const tools = clusterTools();
  const pgUrl = await runningPostgres(options.pgUrl);
  const t = topology({ dir: options.dir, pgUrl, ...(options.portBase === undefined ? {} : { portBase: options.portBase }), databasePrefix: options.databasePrefix ?? databasePrefixOf(options.dir) });
  securePrivateDataDir(t.dir, { warn: () => undefined });
  for (const sub of ['logs', 'run', 'temporal/config', 'shared', ...t.nodes.map((n) => n.name)]) mkdirSync(path.join(t.dir, sub), { recursive: true, mode: 0o700 });
  await prepareDatabases(t, tools.sql, out);

  // One deployment: the nodes share its keys (generated once into DIR/keys), its tokens, and the customers' data keys.
  localKeys(t.dir);
  const keysDir = path.join(t.dir, 'keys');
  const directoryFile = options.env?.TAIZHANG_DIRECTORY_FILE ?? process.env.TAIZHANG_DIRECTORY_FILE ?? DEMO_DIRECTORY_FILE;
  const tokens = ensureLocalTokens(t.dir, loadDirectory(directoryFile));
  const dynamicConfig = path.join(t.dir, 'temporal', 'config', 'dynamic.yaml');
  writeFileSync(dynamicConfig, DYNAMIC_CONFIG);
  const shared: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    TAIZHANG_SUPERVISED: '1',
    EVENTSTORE_URL: t.pg.url(t.databases.events),
    TAIZHANG_COMMAND_KEYS: secret(path.join(keysDir, 'command-key')),
    TAIZHANG_PAYLOAD_KEYS: secret(path.join(keysDir, 'payload-key')),
    TAIZHANG_DATA_KEY_WRAP_KEY: secret(path.join(keysDir, 'wrap-key')),
    TAIZHANG_CUSTOMER_KEYS_FILE: path.join(t.dir, 'shared', 'customer-keys.db'),
    TAIZHANG_TOKENS_FILE: tokens.file,
    TAIZHANG_DIRECTORY_FILE: directoryFile,
    TAIZHANG_UI_ORIGIN: t.ui.url,
    ...options.env,
  };
  const nodeEnv = (n: NodeTopology): NodeJS.ProcessEnv => ({
    ...shared,
    TAIZHANG_NODE: n.name,
    DATA_DIR: n.dataDir,
    TEMPORAL_ADDRESS: n.temporalAddress,
    HOST: n.ip,
    PORT: String(n.apiPort),
    TAIZHANG_WORKER_METRICS_ADDRESS: `${n.ip}:0`,
    TAIZHANG_SDK_METRICS_ADDRESS: `${n.ip}:0`,
  });

  const logs = new Map<string, WriteStream>();
  const logOf = (name: string) => {
    let s = logs.get(name);
    if (!s) logs.set(name, (s = createWriteStream(path.join(t.dir, 'logs', `${name}.log`), { flags: 'a', mode: 0o600 })));
    return s;
  };
  const spawnLogged = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = logOf(name);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    if (child.pid) writeFileSync(path.join(t.dir, 'run', `${name}.pid`), String(child.pid));
    return child;
  };
  const managed: Managed[] = [];
  const add = (name: string, start: () => ChildProcess) => managed.push({ name, start, down: false, restarts: 0 });
  for (const n of t.nodes) {
    // The server reads <root>/config/<env>.yaml: one file per node.
    writeFileSync(path.join(t.dir, 'temporal', 'config', `${n.name}.yaml`), temporalServerConfig(t, n, dynamicConfig));
    add(processName('temporal', n.name), () => spawnLogged(processName('temporal', n.name), tools.server, ['--root', path.join(t.dir, 'temporal'), '--config', 'config', '--env', n.name, '--allow-no-auth', 'start'], process.env));
  }
  const nodeProcess = (role: Exclude<Role, 'temporal'>, file: string) => {
    for (const n of t.nodes) {
      const name = processName(role, n.name);
      add(name, () => spawnLogged(name, process.execPath, ['--import', 'tsx', path.join(ROOT, file)], nodeEnv(n)));
    }
  };
  const withUi = (options.ui ?? true) && tools.ui !== undefined;
  if (withUi) {
    const uiRoot = path.join(t.dir, 'ui');
    mkdirSync(path.join(uiRoot, 'config'), { recursive: true });
    writeFileSync(path.join(uiRoot, 'config', 'cluster.yaml'), uiServerConfig(t));
    add('ui', () => spawnLogged('ui', tools.ui!, ['--root', uiRoot, '--config', 'config', '--env', 'cluster', 'start'], process.env, uiRoot));
  }

  let stopping = false;
  const launch = (m: Managed) => {
    m.proc = m.start();
    m.proc.once('exit', () => rmSync(path.join(t.dir, 'run', `${m.name}.pid`), { force: true }));
  };
  // The supervisor: whatever exits on its own (a worker that lost its frontend, a crashed server) is started again.
  const supervising = (async () => {
    while (!stopping) {
      for (const m of managed) {
        if (m.proc && !m.down && exited(m.proc) && !stopping) {
          m.restarts++;
          launch(m);
        }
      }
      await sleep(300);
    }
  })();

  const byName = (name: string) => {
    const m = managed.find((x) => x.name === name);
    if (!m) throw new Error(`no process ${name} in the cluster (${managed.map((x) => x.name).join(', ')})`);
    return m;
  };
  const stopProcess = async (m: Managed, timeoutMs: number) => {
    const p = m.proc;
    if (!p || exited(p)) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(timer);
  };
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await supervising;
    const apps = managed.filter((m) => !m.name.startsWith('temporal-'));
    await Promise.all(apps.map((m) => stopProcess(m, 10_000)));
    await Promise.all(managed.filter((m) => m.name.startsWith('temporal-')).map((m) => stopProcess(m, 15_000)));
    for (const s of logs.values()) s.end();
  };

  try {
    // Temporal first: both servers, then the namespace (registered once, through node-a; node-b learns it within its
    // namespace refresh), then the taizhang processes.
    const frontendAnswers = (address: string) => async () => {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await c.healthService.check({});
        return true;
      } finally {
        await c.close();
      }
    };
    // One after the other: the first server to start writes the cluster's metadata, which the second then finds.
    for (const n of t.nodes) {
      launch(byName(processName('temporal', n.name)));
      await waitUntil(`Temporal on ${n.name} (${n.temporalAddress}; see ${path.join(t.dir, 'logs', processName('temporal', n.name))}.log)`, frontendAnswers(n.temporalAddress), 120_000);
    }
    const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
    await registerNamespace(t.nodes[0]!.temporalAddress, namespace);
    for (const n of t.nodes) await waitUntil(`namespace ${namespace} on ${n.name}`, () => describeNamespace(n.temporalAddress, namespace), 60_000);
    nodeProcess('worker', 'worker.ts');
    nodeProcess('projector', 'src/main/projector.ts');
    nodeProcess('api', 'src/main/api.ts');
    for (const m of managed.filter((x) => !x.name.startsWith('temporal-'))) launch(m);
    for (const n of t.nodes) {
      await waitUntil(`the API on ${n.name} (${n.apiUrl}; see ${path.join(t.dir, 'logs', processName('api', n.name))}.log)`, async () => (await fetch(`${n.apiUrl}/healthz`)).ok, 180_000);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    topology: t,
    tokensFile: tokens.file,
    names: () => managed.map((m) => m.name),
    pid: (name) => byName(name).proc?.pid,
    async kill(name, signal = 'SIGKILL') {
      const m = byName(name);
      m.down = true;
      const p = m.proc;
      if (!p || exited(p)) return;
      const gone = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill(signal);
      await gone;
    },
    restart(name) {
      const m = byName(name);
      if (exited(m.proc)) launch(m);
      m.down = false;
    },
    restarts: () => Object.fromEntries(managed.map((m) => [m.name, m.restarts])),
    stop,
  };
}

async function registerNamespace(address: string, namespace: string): Promise<void> {
  const c = await Connection.connect({ address });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
        return;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === 6 /* ALREADY_EXISTS */) return;
        if (attempt > 60) throw err;
        await sleep(500);
      }
    }
  } finally {
    await c.close();
  }
}

async function describeNamespace(address: string, namespace: string): Promise<boolean> {
  const c = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await c.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await c.close();
  }
}

/** A port base whose every port (PORT_OFFSETS, on 127.0.0.1 and 127.0.0.2) is free now, from 20000 to 32000. */
export async function freePortBase(): Promise<number> {
  const free = (port: number, host: string) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, host, () => s.close(() => resolve(true)));
    });
  for (let tries = 0; tries < 100; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 24) * 500;
    const ok = await Promise.all(PORT_OFFSETS.flatMap((o) => [free(base + o, '127.0.0.1'), free(base + o, '127.0.0.2')]));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free block of ports for a cluster between 20000 and 32000');
}

/** The pid files of processes a cluster in DIR started (for `--down` after the supervisor itself was killed). */
export function leftoverPids(dir: string): Array<{ name: string; pid: number }> {
  const run = path.join(dir, 'run');
  if (!existsSync(run)) return [];
  const names = [...ROLES.flatMap((role) => NODE_NAMES.map((node) => processName(role, node))), 'ui'];
  return names.filter((n) => existsSync(path.join(run, `${n}.pid`))).map((name) => ({ name, pid: Number(readFileSync(path.join(run, `${name}.pid`), 'utf8')) }));
}
