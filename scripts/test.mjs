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
step('vitest', bin('vitest'), ['run', ...process.argv.slice(2)]);
process.stderr.write(`test: all passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
