import { parseArgs } from 'node:util';
import { runChaos } from './chaos/harness';

/** `npm run chaos [-- --complaints 500 --kills 50 --seconds 240 --seed 42]`: prints a summary, exits 1 on any violation. */
const { values } = parseArgs({
  options: {
    complaints: { type: 'string', default: '500' },
    kills: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '240' },
    seed: { type: 'string' },
  },
});
const summary = await runChaos({
  complaints: Number(values.complaints),
  kills: Number(values.kills),
  seconds: Number(values.seconds),
  seed: values.seed === undefined ? undefined : Number(values.seed),
});
process.stdout.write(JSON.stringify({ ...summary, violations: summary.violations.slice(0, 50), violationCount: summary.violations.length }, null, 2) + '\n');
process.exit(summary.violations.length === 0 ? 0 : 1);
