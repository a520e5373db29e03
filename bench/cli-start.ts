import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../src/config/tools';
import { freePort } from './chaos/harness';
import { benchDir, emit, note } from './lib';

const BIN = path.join(ROOT, 'bin', 'taizhang.js');
const RUNS = 10;

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One `node <args>`, timed from spawn to exit (what a person waits for). */
function node(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

async function ok(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const r = await node(args, env);
  if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  return r;
}

const taizhang = (args: string[], env: NodeJS.ProcessEnv) => ok([BIN, ...args], env);

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

/** `node <args>` RUNS times after one warm-up (which fills the file cache, not the process). */
async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number[]> {
  await ok(args, env);
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) ms.push((await ok(args, env)).ms);
  return ms;
}

/** `npm start` in a scratch data directory on free ports, until it says it is running. */
async function startStack(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [BIN, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 180_000;
  while (!out.includes('taizhang is running')) {
    if (proc.exitCode !== null) throw new Error(`the stack exited with ${proc.exitCode}:\n${out.slice(-2000)}`);
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      throw new Error(`the stack was not running after 180 s:\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return proc;
}

async function stopStack(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * `cli_start`: a ledger read through the CLI (`taizhang ledger customers`, a table of the customers a seed registered,
 * read through the running stack's API as a person's terminal does it), median of 10 runs after one warm-up, with the
 * medians of `taizhang --help` and of a Node.js process that does nothing (`node -e 0`) beside it. Runs the compiled CLI (built here when the set-up's build is stale, as the
 * set-up would).
 */
export async function benchCliStart(): Promise<void> {
  const { buildCli, freshBuild } = (await import(path.join(ROOT, 'scripts', 'build.mjs'))) as {
    buildCli: () => Promise<{ sources: number; ms: number }>;
    freshBuild: () => string | undefined;
  };
  if (!freshBuild()) {
    const b = await buildCli();
    note(`cli_start: compiled the CLI from ${b.sources} sources in ${(b.ms / 1000).toFixed(1)} s`);
  }
  const dir = benchDir('cli');
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dir,
    PORT: String(port),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    LOG_LEVEL: 'warn',
    PUBLIC_URL: '',
    TAIZHANG_TOKEN: '',
    TAIZHANG_TOKENS: '',
    TAIZHANG_TOKENS_FILE: '',
    TAIZHANG_DIRECTORY_FILE: '',
  };
  note('cli_start: starting the stack');
  const stack = await startStack(env);
  try {
    const customers = 20;
    await taizhang(['dev', 'seed', '--customers', String(customers), '--run', 'cli', '--as', 'admin'], env);
    // The ledger shows what the projector has applied: wait for every seeded customer.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const page = JSON.parse((await taizhang(['ledger', 'customers', '--format', 'json', '--as', 'admin'], env)).stdout) as { total: number };
      if (page.total >= customers) break;
      if (Date.now() > deadline) throw new Error(`the customers ledger shows ${page.total} of ${customers} seeded customers after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!freshBuild()) throw new Error('a source changed during the benchmark: the CLI ran from TypeScript, not compiled');
    // A Node.js process that does nothing, measured beside them: the floor any command starts from on this machine now.
    const bare = await timed(['-e', '0'], env);
    const help = await timed([BIN, '--help'], env);
    const read = await timed([BIN, 'ledger', 'customers', '--as', 'admin'], env);
    if (!freshBuild()) throw new Error('a source changed during the benchmark: the CLI ran from TypeScript, not compiled');
    emit({
      name: 'cli_start',
      value: median(read),
      unit: 'ms',
      runs: RUNS,
      help_median_ms: Math.round(median(help)),
      node_median_ms: Math.round(median(bare)),
      read_ms: read.map(Math.round),
      help_ms: help.map(Math.round),
      command: 'taizhang ledger customers',
    });
  } finally {
    await stopStack(stack);
  }
}
