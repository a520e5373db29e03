import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/config/tools';
import { tempDir } from '../support/store';

interface Build {
  buildCli(options: { root: string }): Promise<{ dir: string; sources: number; ms: number }>;
  freshBuild(root: string): string | undefined;
}

/**
 * The compiled CLI (scripts/build.mjs into dist/cli) and bin/taizhang.js choosing between it and the TypeScript
 * sources, in a copy of the sources, so a source can change there without touching this tree's build.
 */
describe('the compiled CLI', () => {
  const t = tempDir('taizhang-cli-build-');
  const root = t.dir;
  let build: Build;
  const entry = path.join(root, 'dist', 'cli', 'main.js');
  /** Printed by the compiled entry only, once the test has marked it (a mark in dist/ is not a source change). */
  const MARK = 'ran dist/cli/main.js';

  /** `taizhang …` through the copy's bin/taizhang.js, or straight from its TypeScript sources through tsx. */
  const run = (how: 'bin' | 'typescript', ...args: string[]) => {
    const argv = how === 'bin' ? [path.join(root, 'bin', 'taizhang.js'), ...args] : ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), ...args];
    const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, TAIZHANG_POLICY: 'default', TAIZHANG_POLICY_FILE: '' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const markEntry = () => writeFileSync(entry, `process.stderr.write(${JSON.stringify(MARK + '\n')});\n` + readFileSync(entry, 'utf8'));

  beforeAll(async () => {
    for (const f of ['src', 'policies', 'package.json', 'tsconfig.json', 'bin/taizhang.js', 'scripts/build.mjs']) cpSync(path.join(ROOT, f), path.join(root, f), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    build = (await import(path.join(root, 'scripts', 'build.mjs'))) as Build;
    await build.buildCli({ root });
    markEntry();
  }, 120_000);

  afterAll(() => t.cleanup());

  it('records every source it read, and bin/taizhang.js runs it while they are unchanged', () => {
    const stamp = JSON.parse(readFileSync(path.join(root, 'dist', 'cli', 'build.json'), 'utf8')) as { inputs: Array<[string, number, number]> };
    const files = stamp.inputs.map(([f]) => f);
    expect(files).toEqual(expect.arrayContaining(['src/cli/main.ts', 'src/processes/registry.ts', 'scripts/build.mjs', 'tsconfig.json']));
    // zod and commander are compiled in: their files are sources of the build too.
    expect(files.some((f) => /node_modules\/zod\//.test(f))).toBe(true);
    expect(build.freshBuild(root)).toBe(entry);

    const r = run('bin', '--version');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(`${MARK}\n`);
    // The compiled CLI finds the repository root from dist/cli as the sources do from src/<layer>.
    expect(r.stdout).toBe(`${(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });

  it('offers exactly the commands and options the TypeScript sources derive from the registry', () => {
    for (const args of [['--help'], ['complaint', '--help'], ['complaint', 'receive', '--help'], ['customer', 'change-grade', '--help'], ['help', 'change'], ['survey', '--help'], ['ledger', '--help']]) {
      const compiled = run('bin', ...args);
      const typescript = run('typescript', ...args);
      expect(compiled.status, `${args.join(' ')}: ${compiled.stderr}`).toBe(0);
      expect(compiled.stderr).toBe(`${MARK}\n`);
      expect(compiled.stdout, args.join(' ')).toBe(typescript.stdout);
    }
    expect(run('bin', 'complaint', 'receive', '--help').stdout).toMatch(/--customer-id <customerId>.*\(required\)/);
    // A command of a process takes its body from the compiled-in fields: a missing required option is refused before
    // any request (no API runs here).
    const missing = run('bin', 'complaint', 'receive', '--channel', 'phone');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^error: --customer-id: is required$/m);
  }, 120_000);

  it('runs the TypeScript sources once a source differs from the build, and the compiled CLI again after a rebuild', async () => {
    const main = path.join(root, 'src', 'cli', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace('台账 — customer-management ledgers', '台账 — ledgers, changed since the build'));
    expect(build.freshBuild(root)).toBeUndefined();
    const changed = run('bin', '--help');
    expect(changed.status, changed.stderr).toBe(0);
    expect(changed.stderr).not.toContain(MARK);
    expect(changed.stdout).toContain('台账 — ledgers, changed since the build');

    await build.buildCli({ root });
    expect(build.freshBuild(root)).toBe(entry);
    markEntry();
    const rebuilt = run('bin', '--help');
    expect(rebuilt.stderr).toBe(`${MARK}\n`);
    expect(rebuilt.stdout).toContain('台账 — ledgers, changed since the build');

    // Only the time changed (a checkout, a touch): stale too, the stamp vouches for exactly what it read.
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, 'src', 'cli', 'format.ts'), later, later);
    expect(build.freshBuild(root)).toBeUndefined();
    expect(run('bin', '--version').stderr).not.toContain(MARK);
    // Back in the past, so the next build does not take the file for one being saved while it reads it.
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(path.join(root, 'src', 'cli', 'format.ts'), earlier, earlier);
  }, 120_000);

  it('a damaged or missing stamp counts as stale', () => {
    writeFileSync(path.join(root, 'dist', 'cli', 'build.json'), '{"inputs":');
    expect(build.freshBuild(root)).toBeUndefined();
    writeFileSync(path.join(root, 'dist', 'cli', 'build.json'), '{"inputs":[]}');
    expect(build.freshBuild(root)).toBeUndefined();
    expect(build.freshBuild(path.join(root, 'nowhere'))).toBeUndefined();
  });

  it('without the build script (an image that ships bin/ and src/ only), bin/taizhang.js runs the TypeScript sources', async () => {
    await build.buildCli({ root });
    markEntry();
    expect(run('bin', '--version').stderr).toBe(`${MARK}\n`);
    renameSync(path.join(root, 'scripts', 'build.mjs'), path.join(root, 'scripts', 'build.mjs.away'));
    try {
      const r = run('bin', '--version');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toContain(MARK);
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    } finally {
      renameSync(path.join(root, 'scripts', 'build.mjs.away'), path.join(root, 'scripts', 'build.mjs'));
    }
  }, 120_000);
});
