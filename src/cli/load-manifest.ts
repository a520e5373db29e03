import type { CliManifest } from './manifest';

/** Replaced by the build with the manifest it derived from the same sources; undeclared when run from TypeScript. */
declare const TAIZHANG_CLI_MANIFEST: CliManifest | undefined;

/** The CLI's commands and ledgers: compiled in by the build, else derived from the registry (run from TypeScript). */
export async function cliManifest(): Promise<CliManifest> {
  if (typeof TAIZHANG_CLI_MANIFEST !== 'undefined') return TAIZHANG_CLI_MANIFEST;
  return (await import('./manifest')).manifestOf();
}
