import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../src/config/tools';

import { freePort } from '../../bench/chaos/harness';

export { freePort };

/** Every descendant of a process (from /proc), deepest last. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/** Running (a zombie, killed but not yet reaped by its parent, counts as gone). */
export const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

export const running = (proc: ChildProcess) => proc.exitCode === null && proc.signalCode === null;

export interface RunningStack {
  proc: ChildProcess;
  output: () => string;
  /** The process and all its descendants, as started. */
  tree: () => number[];
}

/** Runs `node bin/taizhang.js start` (what `npm start` runs after set-up) and waits until it says it is running. */
export async function startStack(env: NodeJS.ProcessEnv, timeoutMs = 150_000): Promise<RunningStack> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), 'start'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('taizhang is running')) {
    if (proc.exitCode !== null) throw new Error(`stack exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`stack not running after ${timeoutMs} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, output: () => out, tree: () => [proc.pid!, ...descendants(proc.pid!)] };
}

export interface StackPorts {
  port: number;
  temporalPort: number;
  uiPort: number;
}

/**
 * Starts a stack on ports free when asked. Tests run in parallel, so another test's server can take such a port before
 * the stack binds it: a start that fails on a port in use is tried again on new ports, at most three times.
 */
export async function startStackOnFreePorts(base: NodeJS.ProcessEnv, timeoutMs = 150_000): Promise<{ stack: RunningStack; env: NodeJS.ProcessEnv; ports: StackPorts }> {
  for (let attempt = 1; ; attempt++) {
    const ports = { port: await freePort(), temporalPort: await freePort(), uiPort: await freePort() };
    const env = { ...base, PORT: String(ports.port), TEMPORAL_PORT: String(ports.temporalPort), TEMPORAL_UI_PORT: String(ports.uiPort) };
    try {
      return { stack: await startStack(env, timeoutMs), env, ports };
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE|address already in use/.test((err as Error).message)) throw err;
    }
  }
}

/** Runs the CLI and returns its exit code and output. */
export function cli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Stops a stack the way a person does (SIGTERM to `taizhang start`) and waits for it to exit. */
export async function stopStack(stack: RunningStack | undefined): Promise<void> {
  if (!stack || !running(stack.proc)) return;
  stack.proc.kill('SIGTERM');
  await new Promise((r) => stack.proc.once('exit', r));
}
