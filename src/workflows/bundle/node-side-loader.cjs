// Webpack loader for the workflow bundle: a process's node-side module (its zod schemas, its ledgers) becomes an empty
// module, so workflow code never evaluates zod or ledger code. See WORKFLOW_BUNDLE in worker.ts.
module.exports = function nodeSideModule() {
  return 'export {};';
};
