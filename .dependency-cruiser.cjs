/**
 * The layer rules of the architecture (the layer table in README.md), checked in `npm test`: dependencies point down only.
 *   domain → processes → events → workflows | activities → projections → audit → config → api | cli → main, worker.ts
 * (support/ is shared infrastructure below events; the workflow bundle leaves out each process's schemas and ledgers.)
 */
const src = (...folders) => `^src/(${folders.join('|')})/`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles make layers meaningless', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain is pure and deterministic: no I/O, no Node built-ins, nothing from the layers above',
      from: { path: '^src/domain/' },
      // Pure libraries only: schemas, the holiday tables, and the hash functions command signatures use; and the
      // local-time formatting the label dictionary renders instants with (Intl only: no I/O, no Node built-ins).
      to: { pathNot: ['^src/domain/', '^policies/', '^node_modules/(zod|chinese-days|@noble/hashes)/', '^src/support/local-time\\.ts$'] },
    },
    {
      name: 'processes-on-the-domain',
      severity: 'error',
      comment: 'a process definition builds on the domain and other processes only',
      from: { path: '^src/processes/' },
      to: { pathNot: ['^src/(domain|processes)/', '^node_modules/zod/'] },
    },
    {
      name: 'events-below-the-rest',
      severity: 'error',
      comment: 'src/events must not import configuration or anything that uses events (pass plain options)',
      from: { path: '^src/events/' },
      to: { path: [src('config', 'workflows', 'activities', 'projections', 'audit', 'api', 'cli', 'main'), '^src/temporal\\.ts$'] },
    },
    {
      name: 'workflows-are-workflow-safe',
      severity: 'error',
      comment: 'workflow code runs in the Temporal sandbox: no Node built-ins, no I/O layers (activities by type only)',
      from: { path: '^src/workflows/', pathNot: '^src/workflows/bundle/' },
      to: {
        path: [src('events', 'projections', 'audit', 'config', 'api', 'cli', 'main', 'support'), '^src/temporal\\.ts$', '^node_modules/(better-sqlite3|pino|fastify|nodemailer|exceljs|commander)/'],
      },
    },
    { name: 'workflows-use-activities-by-type', severity: 'error', from: { path: '^src/workflows/' }, to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] } },
    { name: 'no-node-in-workflows', severity: 'error', from: { path: '^src/workflows/', pathNot: '^src/workflows/bundle/' }, to: { dependencyTypes: ['core'] } },
    { name: 'no-node-in-domain', severity: 'error', from: { path: '^src/(domain|processes)/' }, to: { dependencyTypes: ['core'] } },
    {
      name: 'activities-below-read-side',
      severity: 'error',
      from: { path: '^src/activities/' },
      to: { path: [src('workflows', 'projections', 'audit', 'config', 'api', 'cli', 'main')] },
    },
    {
      name: 'projections-below-audit',
      severity: 'error',
      from: { path: '^src/projections/' },
      to: { path: [src('workflows', 'activities', 'audit', 'config', 'api', 'cli', 'main')] },
    },
    { name: 'audit-below-adapters', severity: 'error', from: { path: '^src/audit/' }, to: { path: [src('workflows', 'activities', 'config', 'api', 'cli', 'main')] } },
    { name: 'config-below-adapters', severity: 'error', from: { path: '^src/config/' }, to: { path: [src('workflows', 'activities', 'projections', 'audit', 'api', 'cli', 'main')] } },
    { name: 'cli-talks-http', severity: 'error', comment: 'the CLI reaches the API over HTTP, never by importing it', from: { path: '^src/cli/' }, to: { path: [src('api', 'workflows', 'activities', 'main')] } },
    { name: 'api-not-cli', severity: 'error', from: { path: '^src/api/' }, to: { path: [src('cli', 'main', 'activities')] } },
    { name: 'support-is-a-leaf', severity: 'error', from: { path: '^src/support/' }, to: { path: '^src/(?!support/)' } },
    { name: 'no-orphans', severity: 'error', comment: 'a module nothing imports is dead code', from: { orphan: true, path: '^src/', pathNot: ['\\.d\\.ts$', '^src/main/', '^src/cli/main\\.ts$', '^src/workflows/index\\.ts$', '^src/workflows/bundle/'] }, to: {} },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.json'] },
    exclude: { path: '^(test|bench)/' },
  },
};
