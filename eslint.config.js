// ESLint (flat config) with typescript-eslint, part of `npm test`: no floating promises anywhere, and workflow code
// (which runs in Temporal's deterministic sandbox) free of Node built-ins and I/O modules.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const IO_MODULES = ['better-sqlite3', 'pino', 'fastify', '@fastify/*', 'nodemailer', 'exceljs', 'commander', '@kurrent/kurrentdb-client', 'pg', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'tsx', 'yaml'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'data/**', 'coverage/**', 'dist/**', 'bench/peers/**', '**/*.cjs', 'eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    // Workflow code: the generic workflow body, the domain, and the pure parts of each process definition.
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts', 'src/processes/**/*.ts'],
    ignores: ['src/processes/*/schemas.ts', 'src/processes/*/ledger.ts', 'src/processes/*/calculator.ts', 'src/domain/**/schema.ts', 'src/domain/deadlines/replan-schemas.ts', 'src/domain/policy/profiles.ts', 'src/domain/policy/index.ts', 'src/domain/calendar/settings.ts', 'src/domain/calendar/create.ts', 'src/domain/calendar/calculator.ts', 'src/domain/calendar/index.ts', 'src/domain/fields.ts', 'src/domain/pii.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'workflow code runs in the Temporal sandbox: no Node built-ins' })),
          patterns: [
            { group: IO_MODULES, message: 'workflow code does no I/O: use an activity' },
            { group: ['zod'], allowTypeImports: true, message: 'workflow code evaluates no schemas: validate at the API and the append activity' },
          ],
        },
      ],
    },
  },
);
