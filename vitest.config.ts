import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Wall-clock punctuality tests run alone afterwards (scripts/test.mjs), so other suites cannot skew them.
    exclude: process.env.VITEST_SOLO ? [] : ['test/**/*.solo.test.ts', '**/node_modules/**'],
    pool: 'forks',
    // Two cores: at most two test files at a time (several start real Temporal servers).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
