#!/usr/bin/env node
// Set-up for a fresh clone, run by `npm start` and `npm test` (plain Node: it runs before dependencies exist).
//  1. installs npm dependencies with `npm ci` when missing or stale (the lock file lists every platform's packages, so
//     `npm ci` never rewrites it; when it fails, set-up fails), then compiles the CLI into dist/cli (scripts/build.mjs)
//     unless the build there is up to date with its sources;
//  2. finds or builds the real Temporal CLI: TEMPORAL_CLI_PATH, `temporal` on PATH, .tools/bin/temporal,
//     `go install github.com/temporalio/cli/cmd/temporal@v1.5.1`, else the SDK's own download (needs internet);
//  3. with --for-tests, fetches Temporal's time-skipping Java test server through Maven and writes its wrapper (and one
//     whose clock starts at a chosen instant, compiled from tools/temporal-test-server/TestServerAt.java), and
//     finds or builds Docker Compose (`go install github.com/docker/compose/v2/cmd@v2.29.7`) for the deployment check,
//     and installs Debian's chromium (`apt-get install -y chromium`) for the browser tests when it is missing, and makes
//     PostgreSQL available for the PostgreSQL event store tests: PG_URL when set, else a private cluster in
//     .tools/postgres (initdb + pg_ctl of Debian's PostgreSQL, `apt-get install -y postgresql` when it is missing);
//  4. with --for-cluster (npm run cluster) or --for-tests (the cluster test), builds the Temporal server, its SQL tool and the Web UI server from the Go
//     module proxy, and makes PostgreSQL available as for the tests;
//  5. records what it found in .tools/tools.json. Idempotent: seconds on the second run.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli, freshBuild } from './build.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(ROOT, '.tools');
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const TEST_SERVER_VERSION = '1.38.0';
const COMPOSE_MODULE = 'github.com/docker/compose/v2/cmd@v2.29.7';
const forTests = process.argv.includes('--for-tests');
const forCluster = process.argv.includes('--for-cluster');
const TEMPORAL_SERVER_MODULES = ['go.temporal.io/server/cmd/server@v1.29.1', 'go.temporal.io/server/cmd/tools/sql@v1.29.1'];
const TEMPORAL_UI_MODULE = 'github.com/temporalio/ui-server/v2/cmd/server@v2.42.1';
const quiet = process.argv.includes('--quiet');
const log = (msg) => {
  if (!quiet) process.stderr.write(`setup: ${msg}\n`);
};

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'], cwd: ROOT, ...opts });
  return r.status === 0;
}

// 1. dependencies
/** Whether a platform list of the lock file (`os`, `cpu`: names, or `!name` to exclude one) admits this machine's value. */
const admits = (list, value) => !list || (list.some((v) => !v.startsWith('!')) ? list.includes(value) : !list.includes(`!${value}`));

/**
 * Missing, or not what the lock file lists: a package it needs here is absent or at another version, or one it no
 * longer lists is installed. Compared by content when the lock file is newer than the last install (a lock file
 * rewritten with the same packages needs no reinstall); optional packages may be absent (other platforms', or one npm
 * could not build).
 */
function dependenciesStale(lock) {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  if (statSync(lock).mtimeMs <= statSync(marker).mtimeMs + 1000) return false;
  const wanted = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
  const installed = JSON.parse(readFileSync(marker, 'utf8')).packages ?? {};
  for (const [name, entry] of Object.entries(wanted)) {
    if (name === '' || entry.link) continue;
    const got = installed[name];
    if (!got) {
      if (entry.optional || entry.devOptional || !admits(entry.os, process.platform) || !admits(entry.cpu, process.arch)) continue;
      return true;
    }
    if (got.version !== entry.version || (entry.integrity && got.integrity !== entry.integrity)) return true;
  }
  return Object.keys(installed).some((name) => !(name in wanted));
}

function ensureDependencies() {
  const lock = path.join(ROOT, 'package-lock.json');
  if (!existsSync(lock)) throw new Error('package-lock.json is missing: it pins every package `npm ci` installs');
  if (!dependenciesStale(lock)) return;
  log('installing npm dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (!run(npm, ['ci', '--no-audit', '--no-fund'])) {
    throw new Error('`npm ci` failed (see its output above). When it says package.json and package-lock.json are out of sync, regenerate the lock file with `npm install --package-lock-only` and commit it');
  }
}

/** The compiled CLI (dist/cli), rebuilt when a source changed since the last build. */
async function ensureCliBuild() {
  if (freshBuild()) return;
  log('compiling the CLI into dist/cli…');
  try {
    const r = await buildCli();
    log(`compiled the CLI from ${r.sources} sources in ${(r.ms / 1000).toFixed(1)} s`);
  } catch (err) {
    throw new Error(`the CLI could not be compiled (scripts/build.mjs): ${err.message}`);
  }
}

// 2. Temporal CLI
function temporalVersion(p) {
  try {
    return execFileSync(p, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

function ensureTemporalCli() {
  const candidates = [
    ['TEMPORAL_CLI_PATH', process.env.TEMPORAL_CLI_PATH],
    ['PATH', onPath('temporal')],
    ['.tools/bin', path.join(TOOLS, 'bin', 'temporal')],
  ];
  for (const [source, p] of candidates) {
    if (!p) continue;
    if (source === 'TEMPORAL_CLI_PATH' && !executable(p)) throw new Error(`TEMPORAL_CLI_PATH=${p} is not an executable file`);
    if (executable(p) && temporalVersion(p)) return { kind: 'path', path: path.resolve(p), source, version: temporalVersion(p) };
  }
  const go = onPath('go');
  if (go) {
    log(`building the Temporal CLI from the Go module proxy (${TEMPORAL_CLI_MODULE}); the first build takes several minutes…`);
    const started = Date.now();
    mkdirSync(path.join(TOOLS, 'bin'), { recursive: true });
    const ok = run(go, ['install', TEMPORAL_CLI_MODULE], { env: { ...process.env, GOBIN: path.join(TOOLS, 'bin'), CGO_ENABLED: '0' } });
    const p = path.join(TOOLS, 'bin', 'temporal');
    if (ok && executable(p)) {
      log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s`);
      return { kind: 'path', path: p, source: 'go install', version: temporalVersion(p), buildSeconds: Math.round((Date.now() - started) / 1000) };
    }
    log('go install failed; falling back to the SDK download');
  }
  log('no Temporal CLI found; the SDK will download its dev server on first use (needs internet)');
  return { kind: 'download' };
}

// 3. time-skipping test server
function ensureTestServer() {
  const dir = path.join(TOOLS, 'temporal-test-server');
  const lib = path.join(dir, 'lib');
  const wrapper = path.join(dir, 'bin', 'temporal-test-server');
  const jar = `temporal-test-server-${TEST_SERVER_VERSION}.jar`;
  const haveJars = () => existsSync(lib) && readdirSync(lib).includes(jar);
  if (!haveJars()) {
    const mvn = onPath('mvn');
    const java = onPath('java');
    if (!mvn || !java) {
      log('Maven or Java missing; the SDK will download the time-skipping test server on first use (needs internet)');
      return { kind: 'download' };
    }
    log(`fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} and its dependencies through Maven…`);
    const ok = run(mvn, [
      '-q',
      '-B',
      '-f',
      path.join(ROOT, 'tools', 'temporal-test-server', 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${lib}`,
      '-DincludeScope=runtime',
    ]);
    if (!ok || !haveJars()) {
      log('Maven could not fetch the test server; the SDK will download it on first use (needs internet)');
      return { kind: 'download' };
    }
  }
  mkdirSync(path.dirname(wrapper), { recursive: true });
  // The SDK starts `<path> <port> [args]`; the Java server takes the same arguments.
  const script = '#!/bin/sh\nexec java -cp "$(dirname "$0")/../lib/*" io.temporal.testserver.TestServer "$@"\n';
  if (!existsSync(wrapper) || readFileSync(wrapper, 'utf8') !== script) writeFileSync(wrapper, script);
  chmodSync(wrapper, 0o755);
  return { kind: 'path', path: wrapper, version: TEST_SERVER_VERSION, ...ensureTestServerAt(dir) };
}

// The same server with its clock starting at a chosen instant (tools/temporal-test-server/TestServerAt.java), for tests
// that must begin on a given day (a request submitted on 2026-09-30 16:00, before the National Day holiday).
function ensureTestServerAt(dir) {
  const source = path.join(ROOT, 'tools', 'temporal-test-server', 'TestServerAt.java');
  const classes = path.join(dir, 'classes');
  const compiled = path.join(classes, 'TestServerAt.class');
  const javac = onPath('javac');
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) {
    if (!javac) {
      log('javac missing: the tests that start the test server at a chosen instant will fail');
      return {};
    }
    mkdirSync(classes, { recursive: true });
    if (!run(javac, ['-cp', path.join(dir, 'lib', '*'), '-d', classes, source])) {
      log('compiling TestServerAt failed: the tests that start the test server at a chosen instant will fail');
      return {};
    }
  }
  const at = path.join(dir, 'bin', 'temporal-test-server-at');
  const script = '#!/bin/sh\nd="$(dirname "$0")/.."\nexec java -cp "$d/classes:$d/lib/*" TestServerAt "$@"\n';
  if (!existsSync(at) || readFileSync(at, 'utf8') !== script) writeFileSync(at, script);
  chmodSync(at, 0o755);
  return { startAtPath: at };
}

// 4. Docker Compose, for `docker compose config` on the deployment file (no engine needed for that)
function ensureCompose() {
  const built = path.join(TOOLS, 'bin', 'docker-compose');
  const works = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  if (executable(built) && works(built, ['version'])) return { kind: 'path', path: built, source: '.tools/bin' };
  const onPathCompose = onPath('docker-compose');
  if (onPathCompose && works(onPathCompose, ['version'])) return { kind: 'path', path: onPathCompose, source: 'PATH' };
  if (onPath('docker') && works('docker', ['compose', 'version'])) return { kind: 'path', path: onPath('docker'), args: ['compose'], source: 'docker compose plugin' };
  const go = onPath('go');
  if (!go) {
    log('no Docker Compose and no Go to build it: the deployment test that runs `docker compose config` will fail');
    return { kind: 'missing' };
  }
  log(`building Docker Compose from the Go module proxy (${COMPOSE_MODULE}); the first build takes several minutes…`);
  const started = Date.now();
  const gobin = path.join(TOOLS, 'compose-build');
  const ok = run(go, ['install', COMPOSE_MODULE], { env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' } });
  if (!ok || !executable(path.join(gobin, 'cmd'))) {
    log('go install of Docker Compose failed; the deployment test that runs `docker compose config` will fail');
    return { kind: 'missing' };
  }
  mkdirSync(path.dirname(built), { recursive: true });
  renameSync(path.join(gobin, 'cmd'), built);
  rmSync(gobin, { recursive: true, force: true });
  log(`Docker Compose built in ${Math.round((Date.now() - started) / 1000)} s`);
  return { kind: 'path', path: built, source: 'go install' };
}

// 5. Debian's chromium, for the browser tests (playwright-core drives /usr/bin/chromium). Never fails set-up: without
// it the browser tests fail, saying how to install it.
const CHROMIUM = '/usr/bin/chromium';
function ensureChromium() {
  if (executable(CHROMIUM)) return { kind: 'path', path: CHROMIUM };
  const aptGet = onPath('apt-get');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !root && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  if (!aptGet || (!root && !sudo)) {
    log(`no ${CHROMIUM} and apt-get cannot be used here: the browser tests will fail until chromium is installed (apt-get install chromium)`);
    return { kind: 'missing' };
  }
  log('installing Debian\'s chromium for the browser tests (apt-get install -y chromium)…');
  const asRoot = (args) => (root ? run(aptGet, args) : run('sudo', ['-n', aptGet, ...args]));
  const env = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  const installed = () => (root ? run(aptGet, ['install', '-y', 'chromium'], env) : run('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', aptGet, 'install', '-y', 'chromium']));
  if (!installed()) {
    asRoot(['update']);
    installed();
  }
  if (executable(CHROMIUM)) return { kind: 'path', path: CHROMIUM };
  log(`apt-get could not install chromium: the browser tests will fail until ${CHROMIUM} exists`);
  return { kind: 'missing' };
}

// 6. PostgreSQL, for the PostgreSQL event store tests. PG_URL names an existing server (recorded as "use PG_URL", never
// the URL itself: it may hold a password). Otherwise a private cluster in .tools/postgres: its own data directory, TCP
// on 127.0.0.1 only, no Unix socket, trust authentication (nothing but this machine can reach it), on a free port chosen
// once. It never touches the system's cluster. PostgreSQL refuses to run as root, so under root the cluster belongs to
// the `postgres` account the Debian package creates. Never fails set-up: the PostgreSQL tests fail, saying why.
const PG_DIR = path.join(TOOLS, 'postgres');
const PG_USER = 'taizhang';

/** The newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/<major>/bin, else `pg_config --bindir`. */
function postgresBinaries() {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian).filter((v) => /^\d+$/.test(v) && executable(path.join(debian, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (majors.length) return path.join(debian, majors[0], 'bin');
  }
  const pgConfig = onPath('pg_config');
  if (pgConfig) {
    const bindir = spawnSync(pgConfig, ['--bindir'], { encoding: 'utf8' }).stdout?.trim();
    if (bindir && executable(path.join(bindir, 'initdb')) && executable(path.join(bindir, 'pg_ctl'))) return bindir;
  }
  return undefined;
}

function installPostgres() {
  const aptGet = onPath('apt-get');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !root && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  if (!aptGet || (!root && !sudo)) return false;
  log("installing Debian's PostgreSQL for the event store tests (apt-get install -y postgresql)…");
  const install = () => (root ? run(aptGet, ['install', '-y', 'postgresql'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) : run('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', aptGet, 'install', '-y', 'postgresql']));
  if (!install()) {
    if (root) run(aptGet, ['update']);
    else run('sudo', ['-n', aptGet, 'update']);
    install();
  }
  return postgresBinaries() !== undefined;
}

/** A TCP port nothing listens on, near one derived from this checkout's path (two checkouts rarely pick the same). */
function freePort() {
  let h = 0;
  for (const c of ROOT) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const base = 55000 + (h % 2000);
  for (let port = base; port < base + 200; port++) {
    const probe = spawnSync(process.execPath, ['-e', `const s=require('net').createServer();s.once('error',()=>process.exit(1));s.listen(${port},'127.0.0.1',()=>s.close(()=>process.exit(0)))`], { stdio: 'ignore', timeout: 5000 });
    if (probe.status === 0) return port;
  }
  throw new Error(`no free TCP port in ${base}–${base + 199}`);
}

function ensurePostgres() {
  if (process.env.PG_URL) return { kind: 'env', source: 'PG_URL' };
  let bin = postgresBinaries();
  if (!bin && !installPostgres()) {
    log('no PostgreSQL and apt-get cannot be used here: the PostgreSQL event store tests will fail until it is installed (apt-get install postgresql) or PG_URL is set');
    return { kind: 'missing', reason: 'PostgreSQL is not installed and apt-get cannot be used; install it (apt-get install postgresql) or set PG_URL' };
  }
  bin ??= postgresBinaries();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const runAs = root ? 'postgres' : undefined;
  const as = (cmd, args, opts = {}) => (runAs ? run('runuser', ['-u', runAs, '--', cmd, ...args], opts) : run(cmd, args, opts));
  const data = path.join(PG_DIR, 'data');
  const logFile = path.join(PG_DIR, 'postgres.log');
  mkdirSync(PG_DIR, { recursive: true });
  if (runAs) run('chown', [runAs, PG_DIR]);
  const autoConf = path.join(data, 'postgresql.auto.conf');
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    log(`creating a private PostgreSQL cluster in ${path.relative(ROOT, data)}…`);
    rmSync(data, { recursive: true, force: true });
    if (!as(path.join(bin, 'initdb'), ['-D', data, '-U', PG_USER, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '-N'], { stdio: 'ignore' })) {
      return { kind: 'missing', reason: `initdb failed for ${data}` };
    }
    // Settings the cluster starts with on every start, whoever starts it (set-up here, or a test); the port is read
    // back from this file, its only record.
    const conf = `listen_addresses = '127.0.0.1'\nport = ${freePort()}\nunix_socket_directories = ''\nmax_connections = 200\n`;
    if (runAs) spawnSync('runuser', ['-u', runAs, '--', 'sh', '-c', `cat >> '${autoConf}'`], { input: conf });
    else writeFileSync(autoConf, conf, { flag: 'a' });
  }
  const port = /^port = (\d+)$/m.exec(readFileSync(autoConf, 'utf8'))?.[1];
  if (!port) return { kind: 'missing', reason: `${autoConf} names no port; remove ${data} to create the cluster again` };
  const pgCtl = path.join(bin, 'pg_ctl');
  const running = () => (runAs ? spawnSync('runuser', ['-u', runAs, '--', pgCtl, 'status', '-D', data], { stdio: 'ignore' }) : spawnSync(pgCtl, ['status', '-D', data], { stdio: 'ignore' })).status === 0;
  if (!running() && !as(pgCtl, ['start', '-D', data, '-l', logFile, '-w', '-t', '60'], { stdio: 'ignore' })) {
    return { kind: 'missing', reason: `the private PostgreSQL cluster in ${data} did not start (see ${logFile})` };
  }
  return { kind: 'cluster', url: `postgres://${PG_USER}@127.0.0.1:${port}/postgres`, dataDir: data, bin, logFile, ...(runAs ? { runAs } : {}) };
}

// 7. The real Temporal server, its SQL schema tool and the Web UI server, for `npm run cluster`: built from the Go module
// proxy into .tools/temporal-server and .tools/temporal-ui (minutes, once). The schemas are built into the SQL tool.
function ensureTemporalServer() {
  const bin = path.join(TOOLS, 'temporal-server', 'bin');
  const uiBin = path.join(TOOLS, 'temporal-ui', 'bin');
  const server = path.join(bin, 'server');
  const sql = path.join(bin, 'sql');
  const ui = path.join(uiBin, 'server');
  const go = onPath('go');
  if (!executable(server) || !executable(sql)) {
    if (!go) throw new Error('the cluster needs the Temporal server, built with Go (go install ' + TEMPORAL_SERVER_MODULES.join(' ') + '); Go is not on PATH');
    log(`building the Temporal server and its SQL tool from the Go module proxy (${TEMPORAL_SERVER_MODULES.join(', ')}); the first build takes several minutes…`);
    const t = Date.now();
    if (!run(go, ['install', ...TEMPORAL_SERVER_MODULES], { env: { ...process.env, GOBIN: bin, CGO_ENABLED: '0' } }) || !executable(server) || !executable(sql)) {
      throw new Error('go install of the Temporal server failed (see its output above)');
    }
    log(`Temporal server built in ${Math.round((Date.now() - t) / 1000)} s`);
  }
  if (!executable(ui) && go) {
    log(`building the Temporal Web UI server (${TEMPORAL_UI_MODULE})…`);
    if (!run(go, ['install', TEMPORAL_UI_MODULE], { env: { ...process.env, GOBIN: uiBin, CGO_ENABLED: '0' } })) log('the Web UI server could not be built: the cluster runs without it');
  }
  return { server, sql, ...(executable(ui) ? { ui } : {}) };
}

const started = Date.now();
try {
  ensureDependencies();
  await ensureCliBuild();
  mkdirSync(TOOLS, { recursive: true });
  const file = path.join(TOOLS, 'tools.json');
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const tools = { ...previous, temporalCli: ensureTemporalCli() };
  if (forCluster) {
    tools.temporalServer = ensureTemporalServer();
    if (!forTests) tools.postgres = ensurePostgres();
  } else if (forTests) {
    // The cluster test starts the same cluster; without the server it fails, saying why.
    try {
      tools.temporalServer = ensureTemporalServer();
    } catch (err) {
      log(`the Temporal server could not be built (${err.message}): the cluster test will fail`);
      delete tools.temporalServer;
    }
  }
  if (forTests) {
    tools.testServer = ensureTestServer();
    tools.compose = ensureCompose();
    try {
      tools.chromium = ensureChromium();
    } catch (err) {
      log(`chromium could not be set up (${err.message}): the browser tests will fail`);
      tools.chromium = { kind: 'missing' };
    }
    try {
      tools.postgres = ensurePostgres();
    } catch (err) {
      log(`PostgreSQL could not be set up (${err.message}): the PostgreSQL event store tests will fail`);
      tools.postgres = { kind: 'missing', reason: err.message };
    }
  }
  writeFileSync(file, JSON.stringify(tools, null, 2) + '\n');
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Temporal CLI: ${tools.temporalCli.path ?? 'SDK download'}${forTests ? `; test server: ${tools.testServer.path ?? 'SDK download'}` : ''})`);
} catch (err) {
  process.stderr.write(`setup failed: ${err.message}\n`);
  process.exit(1);
}
