#!/usr/bin/env node
// The compiled CLI: `node scripts/build.mjs` (run by the set-up step) bundles src/cli/main.ts with esbuild into
// dist/cli/, so `taizhang` starts without compiling TypeScript. bin/taizhang.js runs it while it is up to date with
// its sources (freshBuild below) and otherwise runs the TypeScript sources through tsx, so development needs no build.
//  - What the CLI needs of the process registry (every command with the options of its zod input schema, the ledgers'
//    headers) is derived once here, by running src/cli/manifest.ts, and compiled in as TAIZHANG_CLI_MANIFEST:
//    no command evaluates the schemas to build its options.
//  - zod and commander, pure JavaScript on every command's path, are compiled in (one file loads faster than their
//    hundred modules); every other package stays in node_modules and loads only with the command that needs it.
//  - dist/cli/build.json lists every source of the build with its size and mtime; a source that differs makes the
//    build stale. The new build replaces the old one in one rename.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = 'build.json';
const INLINE = /^(zod|commander)(\/|$)/;
/** Sources of every build besides the bundled modules: the recipe itself and the compiler settings. */
const RECIPE = ['scripts/build.mjs', 'tsconfig.json'];

const cliDir = (root) => path.join(root, 'dist', 'cli');

/** The compiled CLI's entry when dist/cli was built from exactly the sources there now, else undefined. */
export function freshBuild(root = ROOT) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(cliDir(root), STAMP), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(stamp.inputs) || stamp.inputs.length === 0) return undefined;
  for (const [file, size, mtimeMs] of stamp.inputs) {
    let st;
    try {
      st = statSync(path.resolve(root, file));
    } catch {
      return undefined;
    }
    if (st.size !== size || st.mtimeMs !== mtimeMs) return undefined;
  }
  return path.join(cliDir(root), 'main.js');
}

/** Packages stay in node_modules, except the inlined ones and JSON data (chinese-days' tables). */
const externals = {
  name: 'taizhang-externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.endsWith('.json') || INLINE.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/** Builds dist/cli from the sources under root; returns where, from how many sources, in how long. */
export async function buildCli({ root = ROOT } = {}) {
  const { build, version } = await import('esbuild');
  const started = Date.now();
  const dist = path.join(root, 'dist');
  const tmp = path.join(dist, `.cli-${process.pid}`);
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externals],
    // commander is CommonJS: its require() calls of Node built-ins need a require in an ES module.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
  };
  for (let attempt = 1; ; attempt++) {
    const begun = Date.now();
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      const live = path.join(tmp, `manifest-${attempt}.mjs`);
      const derived = await build({ ...common, entryPoints: ['src/cli/manifest.ts'], outfile: live });
      const manifest = (await import(pathToFileURL(live).href)).manifestOf();
      rmSync(live);
      const cli = await build({
        ...common,
        entryPoints: ['src/cli/main.ts'],
        outdir: tmp,
        splitting: true,
        chunkNames: '[name]-[hash]',
        minifyWhitespace: true,
        minifySyntax: true,
        define: { TAIZHANG_CLI_MANIFEST: JSON.stringify(manifest) },
      });
      // Every file the builds read (`<define:…>` entries are the compiled-in manifest, not files).
      const read = [...Object.keys(derived.metafile.inputs), ...Object.keys(cli.metafile.inputs)].filter((f) => !f.startsWith('<'));
      const files = [...new Set([...RECIPE, ...read])].sort();
      // A source saved while the build read it (file times are coarse: a tenth of a second's margin): build again,
      // and after three tries record it as changed, so the stamp never vouches for content the build did not see. A
      // time ahead of the clock is no sign of that (a file from a machine whose clock runs ahead); the exact
      // comparison still holds for it.
      const finished = Date.now();
      const changing = (mtimeMs) => mtimeMs >= begun - 100 && mtimeMs <= finished;
      const inputs = files.map((f) => {
        const st = statSync(path.resolve(root, f));
        return [f, st.size, changing(st.mtimeMs) && attempt === 3 ? null : st.mtimeMs];
      });
      if (attempt < 3 && inputs.some(([, , mtimeMs]) => changing(mtimeMs))) continue;
      writeFileSync(path.join(tmp, STAMP), JSON.stringify({ esbuild: version, builtAt: new Date().toISOString(), inputs }) + '\n');
      const out = cliDir(root);
      const old = path.join(dist, `.cli-old-${process.pid}`);
      try {
        renameSync(out, old);
      } catch (err) {
        if (err.code !== 'ENOENT') throw err;
      }
      try {
        renameSync(tmp, out);
      } catch (err) {
        // Another build (a second set-up at the same time) was installed in between: it is as fresh as this one.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        rmSync(tmp, { recursive: true, force: true });
      }
      rmSync(old, { recursive: true, force: true });
      return { dir: out, sources: files.length, ms: Date.now() - started };
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes('--check')) {
      const fresh = freshBuild();
      process.stdout.write(fresh ? `up to date: ${path.relative(process.cwd(), fresh)}\n` : 'stale or missing: run `node scripts/build.mjs`\n');
      process.exit(fresh ? 0 : 1);
    }
    const r = await buildCli();
    process.stderr.write(`build: compiled the CLI from ${r.sources} sources into ${path.relative(process.cwd(), r.dir) || r.dir} in ${(r.ms / 1000).toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(`build failed: ${err.message}\n`);
    process.exit(1);
  }
}
