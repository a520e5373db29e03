import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import type { Config } from '../config/config';
import { devServerArgs, ROOT, temporalCli } from '../config/tools';
import { DEMO_DIRECTORY_FILE, loadDirectory } from '../config/directory';
import { securePrivateDataDir } from '../support/private-files';
import { consoleLine, consoleText } from '../config/logger';
import { ensureLocalTokens } from './tokens';

/**
 * The embedded stack behind `npm start`: the Temporal dev server (persisted in DATA_DIR/temporal.db), the worker,
 * the projector and the HTTP API, each a child process. Crashed children are restarted; SIGINT/SIGTERM stop them
 * all; processes left over from a killed run are cleaned up on the next start; a restart resumes all state.
 */
interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  /** Marker that /proc/<pid>/cmdline must contain for a stale pid file to be trusted. */
  marker: string;
}

export interface StackOptions {
  /** Where the console lines go (default stdout): the stack's own notices and one line per warning or error. */
  out?: (line: string) => void;
  /** Seconds to wait for the API to answer /healthz. */
  readyTimeoutS?: number;
}

export interface Stack {
  apiUrl: string;
  /** DATA_DIR/logs: every process's full log (`<process>.log`). */
  logDir: string;
  uiUrl: string | undefined;
  tokensFile: string | undefined;
  stop(): Promise<void>;
  /** Settles when the stack stops (rejects when a child kept crashing). */
  done: Promise<void>;
}

/** Running; a zombie (killed, not yet reaped) counts as gone. */
const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

const cmdlineOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(200);
  }
}

/** A log file bounded in size: past `maxBytes` it becomes `<file>.1` (the one before is dropped) and a new one starts. */
export class BoundedLog {
  private stream: WriteStream;
  private bytes: number;

  constructor(
    private readonly file: string,
    private readonly maxBytes = 10 * 1024 * 1024,
  ) {
    this.bytes = existsSync(file) ? statSync(file).size : 0;
    this.stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  }

  write(line: string): void {
    if (this.bytes > 0 && this.bytes + line.length + 1 > this.maxBytes) {
      this.stream.end();
      renameSync(this.file, `${this.file}.1`);
      this.stream = createWriteStream(this.file, { flags: 'a', mode: 0o600 });
      this.bytes = 0;
    }
    this.stream.write(line + '\n');
    this.bytes += Buffer.byteLength(line) + 1;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/**
 * What the Temporal dev server logs as an error on every restart over its persisted database while nothing is wrong:
 * its matching service re-takes the task queues the previous run held (their lease, `rangeID`, moved on), and the
 * first write under the stale lease fails and is retried. Kept in DATA_DIR/logs/temporal.log, not shown.
 */
export const TEMPORAL_RESTART_NOISE: readonly RegExp[] = [/UpdateTaskQueue failed/i, /update-task-queue/i, /Failed to lock task queue/i, /task queue.*(?:range ?id|lease)/i];

/**
 * The console line (or none) for one output line of a child: JSON log lines at warning level and above (errors only
 * for the Temporal server, less its restart noise); of plain text, what a Node process writes on stderr (a crash's
 * message, without its stack frames), never the Temporal server's banner.
 */
export function childConsoleLine(name: string, line: string, fromStderr: boolean, timeZone: string): string | undefined {
  const temporal = name === 'temporal';
  const json = line.trimStart().startsWith('{');
  if (json) return consoleLine(line, name, { timeZone, minLevel: temporal ? 50 : 40, ignore: temporal ? TEMPORAL_RESTART_NOISE : [] });
  if (temporal || !fromStderr || line.trim() === '' || /^\s+at\s/.test(line) || /^\s*[\^~]+\s*$/.test(line)) return undefined;
  const word = /warn/i.test(line) ? '警告' : '错误';
  return consoleText(word, name, line.trim(), timeZone);
}

export async function startStack(config: Config, options: StackOptions = {}): Promise<Stack> {
  const write = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const timeZone = config.TAIZHANG_TIME_ZONE;
  // The stack's own notices, in the console's one-line form: local time, level, `stack`, message.
  const out = (message: string, word = '信息') => write(consoleText(word, 'stack', message, timeZone));
  // Owner-only: DATA_DIR (0700, earlier runs' files tightened) holds personal data; the children inherit the umask.
  securePrivateDataDir(config.dataDir, { warn: (detail, message) => out(`${message} ${JSON.stringify(detail)}`, '警告') });
  const runDir = path.join(config.dataDir, 'run');
  mkdirSync(runDir, { recursive: true });
  // Every process's full log (its JSON lines, the Temporal server's too), size-bounded: DATA_DIR/logs/<process>.log.
  const logDir = path.join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const logs = new Map<string, BoundedLog>();
  const logOf = (name: string) => {
    let log = logs.get(name);
    if (!log) logs.set(name, (log = new BoundedLog(path.join(logDir, `${name}.log`))));
    return log;
  };

  // One stack per data directory; leftovers of a killed stack are removed.
  const stackPidFile = path.join(runDir, 'stack.pid');
  if (existsSync(stackPidFile)) {
    const pid = Number(readFileSync(stackPidFile, 'utf8'));
    if (pid !== process.pid && isAlive(pid) && cmdlineOf(pid).includes('taizhang')) {
      throw new Error(`a stack for ${config.dataDir} is already running (pid ${pid}); stop it first`);
    }
  }
  writeFileSync(stackPidFile, String(process.pid));

  const env: NodeJS.ProcessEnv = { ...process.env, TAIZHANG_SUPERVISED: '1', DATA_DIR: config.dataDir };
  // Without a directory of its own, the embedded stack runs a demo service desk (two teams, their supervisors, …).
  const directoryFile = config.TAIZHANG_DIRECTORY_FILE ?? DEMO_DIRECTORY_FILE;
  env.TAIZHANG_DIRECTORY_FILE = directoryFile;
  let tokensFile: string | undefined;
  if (config.tokens.length === 0) {
    const t = ensureLocalTokens(config.dataDir, loadDirectory(directoryFile));
    tokensFile = t.file;
    env.TAIZHANG_TOKENS_FILE = t.file;
    if (t.created) out(`no API tokens configured; wrote a token for each person of ${path.basename(directoryFile)} to ${t.file}`);
  }

  const specs: ChildSpec[] = [];
  let temporalInProcess: { teardown(): Promise<void> } | undefined;
  if (config.embeddedTemporal) {
    const cli = temporalCli();
    if (cli.kind === 'path') {
      specs.push({
        name: 'temporal',
        command: cli.path,
        args: [
          'server',
          'start-dev',
          ...devServerArgs(config.temporalDbPath),
          '--ip',
          '127.0.0.1',
          '--ui-ip',
          '127.0.0.1',
          '--port',
          String(config.TEMPORAL_PORT),
          '--ui-port',
          String(config.TEMPORAL_UI_PORT),
          // Temporal stores payloads encrypted: its Web UI decodes them through the API's codec endpoint.
          '--ui-codec-endpoint',
          `${config.apiUrl}/codec`,
          '--namespace',
          config.TEMPORAL_NAMESPACE,
          '--log-level',
          'warn',
          // JSON, so that DATA_DIR/logs/temporal.log keeps every line and the console shows only the real errors.
          '--log-format',
          'json',
        ],
        marker: config.temporalDbPath,
      });
    } else {
      // No CLI here: the SDK downloads and runs the same dev server (machines with internet).
      const { TestWorkflowEnvironment } = await import('@temporalio/testing');
      out('starting the Temporal dev server downloaded by the SDK');
      temporalInProcess = await TestWorkflowEnvironment.createLocal({
        server: {
          ip: '127.0.0.1',
          port: config.TEMPORAL_PORT,
          ui: true,
          uiPort: config.TEMPORAL_UI_PORT,
          namespace: config.TEMPORAL_NAMESPACE,
          extraArgs: [...devServerArgs(config.temporalDbPath), '--ui-codec-endpoint', `${config.apiUrl}/codec`],
        },
      });
    }
  }
  const node = (name: string, file: string): ChildSpec => ({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ROOT, file)],
    marker: path.join(ROOT, file),
  });
  const apps = [node('worker', 'worker.ts'), node('projector', 'src/main/projector.ts'), node('api', 'src/main/api.ts')];
  specs.push(...apps);

  // Remove processes a killed stack left behind (they would hold the ports and files).
  for (const spec of specs) {
    const f = path.join(runDir, `${spec.name}.pid`);
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, 'utf8'));
    if (isAlive(pid) && cmdlineOf(pid).includes(spec.marker)) {
      out(`stopping ${spec.name} (pid ${pid}) left over from an earlier run`);
      process.kill(pid, 'SIGKILL');
      await waitUntil(`${spec.name} exit`, async () => !isAlive(pid), 5000).catch(() => undefined);
    }
    rmSync(f, { force: true });
  }

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  let failStack!: (err: Error) => void;
  let finishStack!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    finishStack = resolve;
    failStack = reject;
  });
  const crashes = new Map<string, number[]>();

  const launch = (spec: ChildSpec) => {
    const child = spawn(spec.command, spec.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(spec.name, child);
    if (child.pid) writeFileSync(path.join(runDir, `${spec.name}.pid`), String(child.pid));
    const log = logOf(spec.name);
    for (const [stream, fromStderr] of [
      [child.stdout, false],
      [child.stderr, true],
    ] as const) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        log.write(line);
        const shown = childConsoleLine(spec.name, line, fromStderr, timeZone);
        if (shown !== undefined) write(shown);
      });
    }
    child.on('exit', (code, signal) => {
      children.delete(spec.name);
      rmSync(path.join(runDir, `${spec.name}.pid`), { force: true });
      if (stopping) return;
      const now = Date.now();
      const recent = (crashes.get(spec.name) ?? []).filter((t) => now - t < 60_000).concat(now);
      crashes.set(spec.name, recent);
      if (recent.length > 5) {
        out(`${spec.name} crashed ${recent.length} times in a minute; stopping the stack (its log: ${path.join(logDir, `${spec.name}.log`)})`, '错误');
        void stop().then(() => failStack(new Error(`${spec.name} keeps crashing (last exit ${code ?? signal})`)));
        return;
      }
      out(`${spec.name} exited (${code ?? signal}); restarting`, '警告');
      setTimeout(() => {
        if (!stopping) launch(spec);
      }, 500 * recent.length);
    });
  };

  const stopChild = async (name: string, timeoutMs: number) => {
    const child = children.get(name);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(apps.map((a) => stopChild(a.name, 10_000)));
    await stopChild('temporal', 10_000);
    await temporalInProcess?.teardown();
    await Promise.all([...logs.values()].map((l) => l.close()));
    rmSync(stackPidFile, { force: true });
    finishStack();
  };

  const temporalSpec = specs.find((s) => s.name === 'temporal');
  try {
    if (temporalSpec) {
      launch(temporalSpec);
      await waitUntil(
        'the Temporal dev server',
        async () => {
          const c = await Connection.connect({ address: config.temporalAddress, connectTimeout: 1000 });
          try {
            await c.healthService.check({});
            return true;
          } finally {
            await c.close();
          }
        },
        60_000,
      );
    }
    for (const a of apps) launch(a);
    await waitUntil(
      'the HTTP API',
      async () => {
        const res = await fetch(new URL('/healthz', config.apiUrl));
        return res.ok;
      },
      (options.readyTimeoutS ?? 120) * 1000,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const uiUrl = config.embeddedTemporal ? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}` : undefined;
  return { apiUrl: config.apiUrl, logDir, uiUrl, tokensFile, stop, done };
}
