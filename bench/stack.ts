import { freePort } from './chaos/harness';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/config';
import { devServerArgs, ROOT, temporalCli } from '../src/config/tools';
import { localKeys } from '../src/config/keys';
import { encryptedDataConverter } from '../src/support/codec';

/**
 * The stack as `npm start` runs it, one piece at a time, so that each benchmark phase starts from fresh processes:
 * the Temporal dev server with its database in a file of the phase's data directory, the worker and the projector as
 * their own Node processes (the same entry points, environment and sizing), and the bench process as their client.
 */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { freePort };

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU (user + system) a process has used so far, all its threads, in ms (from /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Resident memory of a process now (`VmRSS`) and at its peak (`VmHWM`), in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** A child process of the benchmark, with the tail of its output for error messages. */
export class Proc {
  private readonly tail: string[] = [];
  private readonly exited: Promise<void>;
  private expected = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (d: Buffer) => {
        this.tail.push(...d.toString().split('\n').filter(Boolean));
        this.tail.splice(0, Math.max(0, this.tail.length - 30));
      });
    }
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      if (!this.expected) process.stderr.write(`bench: ${name} exited on its own (${code ?? signal}):\n  ${this.output().replaceAll('\n', '\n  ')}\n`);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.tail.join('\n');
  }

  /** Throws (with its output) when the process has ended. */
  check(): void {
    if (!this.running) throw new Error(`${this.name} is not running (exit ${this.child.exitCode ?? this.child.signalCode}): ${this.output()}`);
  }

  cpuMs(): number {
    return cpuMs(this.pid);
  }

  memoryMb(): { rss: number; peak: number } {
    return memoryMb(this.pid);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.expected = true;
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface DevServer {
  address: string;
  client: Client;
  /** The server process (absent when the SDK runs a downloaded server, on machines without the CLI). */
  proc?: Proc;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev --db-filename <dir>/temporal.db`, as the embedded stack starts it (on its own port, and
 * without the Web UI, which the benchmark does not load).
 */
export async function startDevServer(dir: string): Promise<DevServer> {
  const dbFilename = path.join(dir, 'temporal.db');
  const port = await freePort();
  const cli = temporalCli();
  if (cli.kind !== 'path') {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({ server: { ip: '127.0.0.1', port, ui: false, extraArgs: devServerArgs(dbFilename) } });
    return { address: env.address, client: env.client, stop: () => env.teardown() };
  }
  const proc = new Proc(
    'temporal',
    spawn(cli.path, ['server', 'start-dev', ...devServerArgs(dbFilename), '--ip', '127.0.0.1', '--port', String(port), '--headless', '--namespace', 'default', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let connection: Connection | undefined;
  while (!connection) {
    proc.check();
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.healthService.check({});
      connection = c;
    } catch (err) {
      if (Date.now() > deadline) {
        await proc.stop();
        throw new Error(`the Temporal dev server did not answer within 60 s: ${(err as Error).message}`);
      }
      await sleep(200);
    }
  }
  const client = new Client({ connection });
  return {
    address,
    client,
    proc,
    async stop() {
      await connection.close();
      await proc.stop();
    },
  };
}

/**
 * A client of the stack in `dir` as its API is one: payloads encrypted with the keys its processes generated in
 * DATA_DIR/keys, and the command keys its gateway signs with (the peers use the plain `server.client`).
 */
export function stackClient(server: DevServer, dir: string): { client: Client; commandKeys: Buffer[] } {
  const keys = localKeys(dir);
  return { client: new Client({ connection: server.client.connection, dataConverter: encryptedDataConverter(keys.payloadKeys) }), commandKeys: keys.commandKeys };
}

/** The environment a stack process gets: the data directory, the dev server, a queue of its own, quiet logs. */
export function stackEnv(dir: string, server: DevServer, taskQueue: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'warn', ...extra };
  // The configuration measured is the shipped one: the SQLite event store, a policy chosen by name.
  delete env.EVENTSTORE_URL;
  delete env.TAIZHANG_POLICY_FILE;
  delete env.TEMPORAL_NAMESPACE;
  return env;
}

/** `node --import tsx <file>` from the repository root, as the embedded stack runs its processes. */
export function startNode(name: string, file: string, env: NodeJS.ProcessEnv, args: string[] = []): Proc {
  return new Proc(name, spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Waits until a worker polls the queue for workflow and activity tasks (its bundle built, its threads up). */
export async function waitForPollers(server: DevServer, taskQueue: string, proc: Proc, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = proto.temporal.api.enums.v1.TaskQueueType;
  for (;;) {
    proc.check();
    const polled = await Promise.all(
      [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY].map(async (taskQueueType) => {
        const r = await server.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType });
        return (r.pollers?.length ?? 0) > 0;
      }),
    );
    if (polled.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} did not poll ${taskQueue} within ${timeoutMs / 1000} s: ${proc.output()}`);
    await sleep(250);
  }
}

/** The sizing the worker reads from the environment (TAIZHANG_WORKFLOW_THREADS, …), reported with each figure. */
export function workerSizingOf(env: NodeJS.ProcessEnv): Record<string, number> {
  const c = loadConfig(env);
  return {
    workflow_threads: c.TAIZHANG_WORKFLOW_THREADS,
    max_cached_workflows: c.TAIZHANG_MAX_CACHED_WORKFLOWS,
    workflow_task_slots: c.TAIZHANG_WORKFLOW_TASK_SLOTS,
    activity_task_slots: c.TAIZHANG_ACTIVITY_TASK_SLOTS,
  };
}

/**
 * Watches DATA_DIR/ledger.db read-only, as a reader of the ledgers would: `visible(position)` settles once the
 * projector's checkpoint (committed with the rows) has reached that global position. Polled every millisecond while
 * anyone waits.
 */
export class LedgerWatch {
  private db: Database.Database | undefined;
  private readonly waiters: Array<{ position: bigint; resolve: (at: number) => void }> = [];
  private polling = false;
  private closed = false;

  constructor(private readonly file: string) {}

  /** Waits until the projector has created the file and its checkpoint table. */
  async open(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.db) {
      if (existsSync(this.file)) {
        const db = new Database(this.file, { readonly: true, fileMustExist: true });
        db.pragma('busy_timeout = 10000');
        try {
          db.prepare("SELECT position FROM projector_checkpoint WHERE name = 'ledgers'").get();
          this.db = db;
          break;
        } catch {
          db.close();
        }
      }
      if (Date.now() > deadline) throw new Error(`${this.file} has no projector checkpoint after ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  }

  position(): bigint {
    const r = this.db!.prepare("SELECT position FROM projector_checkpoint WHERE name = 'ledgers'").get() as { position: string } | undefined;
    return BigInt(r?.position ?? '0');
  }

  /** Rows of `table` whose `column` is one of `ids`. */
  countRows(table: string, column: string, ids: readonly string[]): number {
    let n = 0;
    const stmt = this.db!.prepare(`SELECT count(*) AS n FROM "${table}" WHERE "${column}" = ?`);
    for (const id of ids) n += (stmt.get(id) as { n: number }).n;
    return n;
  }

  /** Settles with `performance.now()` of the first poll that saw the position applied. */
  visible(position: string): Promise<number> {
    return new Promise((resolve) => {
      this.waiters.push({ position: BigInt(position), resolve });
      if (!this.polling) void this.poll();
    });
  }

  private async poll(): Promise<void> {
    this.polling = true;
    while (this.waiters.length > 0 && !this.closed) {
      const at = this.position();
      const now = performance.now();
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i]!.position <= at) this.waiters.splice(i, 1)[0]!.resolve(now);
      }
      if (this.waiters.length > 0) await sleep(1);
    }
    this.polling = false;
  }

  close(): void {
    this.closed = true;
    this.db?.close();
  }
}
