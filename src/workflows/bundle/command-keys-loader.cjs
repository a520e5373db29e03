// Webpack loader for the workflow bundle: the empty COMMAND_KEYS of src/workflows/support/command-keys.ts becomes the
// worker's command keys (passed as the loader's `keys` option, see src/config/bundle.ts). The bundle is built in the
// worker's memory; it is never written to disk with the keys in it.
module.exports = function commandKeys(source) {
  const { keys } = this.getOptions();
  const marker = 'export const COMMAND_KEYS: readonly string[] = [];';
  if (!source.includes(marker)) throw new Error('command-keys-loader: the COMMAND_KEYS declaration changed; update the loader');
  return source.replace(marker, `export const COMMAND_KEYS: readonly string[] = ${JSON.stringify(keys)};`);
};
