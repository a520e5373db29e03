// Webpack loader for the workflow bundle: src/workflows/support/policies.ts keeps its functions, and its empty table
// becomes the shipped policies parsed on the node side (passed as the loader's `table` option, see src/config/bundle.ts).
module.exports = function shippedPolicies(source) {
  const { table } = this.getOptions();
  const marker = 'export const SHIPPED_POLICIES: Readonly<Record<string, Policy>> = {};';
  if (!source.includes(marker)) throw new Error('policies-loader: the SHIPPED_POLICIES declaration changed; update the loader');
  return source.replace(marker, `export const SHIPPED_POLICIES: Readonly<Record<string, Policy>> = ${JSON.stringify(table)};`);
};
