#!/usr/bin/env node
// The `taizhang` command: the compiled CLI (dist/cli, built by the set-up step or `npm run build`) while it is up to
// date with its sources, else the TypeScript sources through tsx, so a change in src/ runs at once without a build.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// Without the build script (an image that ships only bin/ and src/) there is no build to trust.
const buildScript = new URL('../scripts/build.mjs', import.meta.url);
const compiled = existsSync(buildScript) ? (await import(buildScript.href)).freshBuild() : undefined;
if (compiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
