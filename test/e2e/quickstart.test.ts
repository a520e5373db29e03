import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/cli/format';
import { ROOT } from '../../src/config/tools';
import { type RunningStack, startStackOnFreePorts, stopStack } from '../support/stack';
import { tempDir } from '../support/store';

const run = promisify(execFile);

/** The README's quick start: the block a person pastes into a second terminal while `npm start` runs in the first. */
export function quickStartBlock(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quick start'));
  if (!section) throw new Error('README.md has no "## Quick start" section');
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const second = blocks.find((b) => b.includes('TAIZHANG_TOKEN'));
  if (!second) throw new Error('the quick start has no block for the second terminal (one that sets TAIZHANG_TOKEN)');
  return second;
}

/**
 * The quick start runs as written: the stack started as `npm start` starts it, and the second terminal's block pasted
 * into a fresh bash (with only DATA_DIR and PORT of that stack in its environment, which the block itself exports with
 * npm start's defaults) runs to the end without an error, leaving a closed complaint.
 */
describe('README quick start', () => {
  const t = tempDir('taizhang-quickstart-');
  let stack: RunningStack | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ stack, env } = await startStackOnFreePorts({ DATA_DIR: t.dir, LOG_LEVEL: 'warn', TAIZHANG_TOKENS: '', TAIZHANG_TOKENS_FILE: '' }));
  }, 200_000);

  afterAll(async () => {
    await stopStack(stack);
    t.cleanup();
  });

  it('the second terminal block runs to the end and closes the complaint', async () => {
    const block = quickStartBlock(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    const shellEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: t.dir, PORT: env.PORT, LANG: 'C.UTF-8' };
    const r = await run('bash', ['-euo', 'pipefail', '-c', block], { cwd: ROOT, env: shellEnv, timeout: 240_000, maxBuffer: 16 << 20 }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
      throw new Error(`the quick start stopped (exit ${err.code}):\n${err.stdout}\n${err.stderr}`);
    });
    // The complaints ledger, as the supervisor reads it: the complaint closed, with the customer's name, in Beijing time.
    expect(r.stdout).toMatch(/^K\w+\s+上海某物业公司\s+已结案\s+一般\s+李娜\s+\d{4}-\d\d-\d\d \d\d:\d\d/m);
    expect(r.stdout).toMatch(/北京时间 UTC\+08:00/);
    // Each command prints what it changed, from the views its one request answered with: the state before → after.
    expect(r.stdout).toMatch(/^  状态: 已受理 → 已首次响应$/m);
    expect(r.stdout).toMatch(/^  状态: 待审核 → 已登记$/m);
    // The audit history names who acted by their display name, in Beijing time.
    expect(r.stdout).toMatch(/^#0 \d{4}-\d\d-\d\d \d\d:\d\d 受理投诉 李娜（客服专员）/m);
    // Every table line fits 120 terminal columns (CJK characters take two).
    const table = r.stdout.slice(r.stdout.indexOf('投诉台账'));
    for (const line of table.split('\n').slice(0, 4)) expect(displayWidth(line)).toBeLessThanOrEqual(120);
  }, 300_000);
});
