#!/usr/bin/env node
// `npm test`: typecheck, then the whole vitest suite (extra arguments go to vitest).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const started = Date.now();
const step = (name, cmd, args) => {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  process.stderr.write(`test: ${name} ${r.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
// ESLint: no floating promises; no Node built-ins or I/O modules in workflow code.
step('lint', bin('eslint'), ['--max-warnings=0', '.']);
// dependency-cruiser: the layer rules (dependencies point down only, no cycles, no orphans).
step('layers', bin('depcruise'), ['src', 'worker.ts', '--config', '.dependency-cruiser.cjs']);
const args = process.argv.slice(2);
step('vitest', bin('vitest'), ['run', ...args]);
// Wall-clock punctuality tests (*.solo.test.ts) run on their own, so the rest of the suite cannot skew them.
if (args.length === 0) {
  process.env.VITEST_SOLO = '1';
  step('vitest (solo: punctuality)', bin('vitest'), ['run', '--maxWorkers=1', 'solo.test']);
}
process.stderr.write(`test: all passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
