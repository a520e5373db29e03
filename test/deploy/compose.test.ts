/**
 * Static checks of the two-node cluster deployment (docker-compose.yml, the topology of `npm run cluster`) and of the
 * Dockerfile; no Docker engine needed.
 *
 *  - docker-compose.yml is valid against the official compose-spec JSON schema. The schema file,
 *    test/deploy/compose-spec.json, is `schema/compose-spec.json` of the Go module
 *    github.com/compose-spec/compose-go/v2@v2.16.2 (the loader Docker Compose uses), copied unchanged;
 *    see test/deploy/README.md to update it.
 *  - the workers, projectors and APIs of both nodes are configured only through variables of ENV_SCHEMA, with values
 *    the configuration module accepts, each naming its node (TAIZHANG_NODE) and its node's Temporal frontend;
 *  - the topology: two Temporal nodes on one set of databases (one cluster), every app service on the one PostgreSQL
 *    event store (a database the file creates), each API reading a ledger volume only its node's projector writes;
 *  - images are pinned, the app services build `.`;
 *  - only the APIs are published (Temporal's frontends and Web UI, KurrentDB and PostgreSQL stay inside the network),
 *    no password has a default (required `${VAR:?…}` variables), KurrentDB's AtomPub is off, and the TLS settings
 *    of Temporal and KurrentDB are shown;
 *  - `docker compose config -q` (or `docker-compose config -q`) accepts the file when such a binary is on PATH.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_SCHEMA, loadConfig } from '../../src/config/config';
import { composeCli } from '../../src/config/tools';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const DEBIAN_COMPOSE = '/usr/bin/docker-compose';
const SCHEMA_FILE = path.join(ROOT, 'test', 'deploy', 'compose-spec.json');
/** sha256 of compose-spec.json as shipped in compose-go v2.16.2. */
const SCHEMA_SHA256 = 'f266dcbb043229405d7cedd5aec918f9102c2b3d5e3850808fdd8edd564a43ff';

/** The app services of the two nodes (`-a`, `-b`, as the processes of `npm run cluster`) and their entry files. */
const APP_SERVICES = {
  'worker-a': 'worker.ts',
  'worker-b': 'worker.ts',
  'projector-a': 'src/main/projector.ts',
  'projector-b': 'src/main/projector.ts',
  'api-a': 'src/main/api.ts',
  'api-b': 'src/main/api.ts',
} as const;
const NODES = ['a', 'b'] as const;
const WORKERS = NODES.map((n) => `worker-${n}`);
const APIS = NODES.map((n) => `api-${n}`);
/** The Temporal node each node's app services talk to (src/cluster/topology.ts: each node runs its own server). */
const TEMPORAL_OF_NODE: Record<(typeof NODES)[number], string> = { a: 'temporal', b: 'temporal-2' };
/** The database settings both Temporal nodes must agree on to be one cluster. */
const TEMPORAL_DB_SETTINGS = ['DB', 'DB_PORT', 'POSTGRES_SEEDS', 'POSTGRES_USER', 'POSTGRES_PWD', 'DBNAME', 'VISIBILITY_DBNAME', 'NUM_HISTORY_SHARDS'];

/** The variables the file requires (no password has a default). */
const REQUIRED_ENV = {
  POSTGRES_PASSWORD: 'n3Yq8vR2kLx7Pw0cT5mZ',
  TAIZHANG_COMMAND_KEYS: 'Jm3cJ1mVn0v0QmHq8y3fTt1l0o4V5b6n7m8a9s0d1f0=',
  TAIZHANG_PAYLOAD_KEYS: 'Qm9zZXMgYXJlIHJlZCwgdmlvbGV0cyBhcmUgYmx1ZSE=',
  TAIZHANG_DATA_KEY_WRAP_KEY: 'V2hhdCBpcyBzZWFsZWQgc3RheXMgc2VhbGVkIGhlcmU=',
};

/** Host environments the file is checked under: only the required variables set, and the optional ones set too. */
const HOST_ENVS: Record<string, Record<string, string>> = {
  'only the required variables set': REQUIRED_ENV,
  'LOG_LEVEL, TAIZHANG_TOKENS and Temporal mTLS set': {
    ...REQUIRED_ENV,
    LOG_LEVEL: 'debug',
    TAIZHANG_TOKENS: 'ops:admin:q8Yc0b3kP2vT9mXr+J6dLw1sHn5Ge7Ua4ZfRi2Ko0Bc=,li:agent:Zt3mW9pQ1xL7cV5bN8rK2hJ6dF4sG0aE+yU1iO3eRw=',
    TEMPORAL_TLS_CERT: '/certs/client.pem',
    TEMPORAL_TLS_KEY: '/certs/client.key',
    TEMPORAL_TLS_CA: '/certs/ca.pem',
    TEMPORAL_TLS_SERVER_NAME: 'temporal',
  },
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Doc = Record<string, unknown>;
type Service = Record<string, unknown>;

// ---------- loading: YAML (with merge keys, as Compose) and variable interpolation ----------

/**
 * Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}` (defaults may contain further `${…}`).
 */
function interpolate(value: string, env: Record<string, string | undefined>, where: string): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < value.length && depth > 0; j++) {
        if (value[j] === '{') depth++;
        else if (value[j] === '}') depth--;
      }
      if (depth !== 0) throw new Error(`${where}: unterminated \${ in ${JSON.stringify(value)}`);
      const body = value.slice(i + 2, j - 1);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$/s.exec(body);
      if (!m) throw new Error(`${where}: invalid interpolation \${${body}}`);
      const [, name, op, arg = ''] = m;
      const v = env[name!];
      const unset = v === undefined;
      const empty = unset || v === '';
      switch (op) {
        case undefined:
          out += v ?? '';
          break;
        case ':-':
          out += empty ? interpolate(arg, env, where) : v;
          break;
        case '-':
          out += unset ? interpolate(arg, env, where) : v;
          break;
        case ':?':
        case '?':
          if (op === ':?' ? empty : unset) throw new Error(`${where}: required variable ${name} is missing: ${arg}`);
          out += v;
          break;
        case ':+':
          out += empty ? '' : interpolate(arg, env, where);
          break;
        case '+':
          out += unset ? '' : interpolate(arg, env, where);
          break;
      }
      i = j;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1));
    if (m) {
      out += env[m[0]] ?? '';
      i += 1 + m[0].length;
      continue;
    }
    out += '$';
    i++;
  }
  return out;
}

function interpolateTree(node: unknown, env: Record<string, string | undefined>, where = ''): unknown {
  if (typeof node === 'string') return interpolate(node, env, where || '(root)');
  if (Array.isArray(node)) return node.map((v, i) => interpolateTree(v, env, `${where}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, where ? `${where}.${k}` : k)]));
  }
  return node;
}

/** Parses a compose file as Docker Compose does: YAML with `<<` merge keys, then interpolation from `env`. */
function loadCompose(text: string, env: Record<string, string | undefined>): Doc {
  const doc = parse(text, { merge: true, prettyErrors: true }) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('docker-compose.yml: the top level must be a mapping');
  return interpolateTree(doc, env) as Doc;
}

// ---------- checks; each returns the problems it finds (empty when the file is right) ----------

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateSchema = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);

function schemaProblems(doc: Doc): string[] {
  if (validateSchema(JSON.parse(JSON.stringify(doc)) as Json)) return [];
  return (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`);
}

function services(doc: Doc): Record<string, Service> {
  return (doc.services ?? {}) as Record<string, Service>;
}

/** A service's environment as name → value, from either the mapping or the `NAME=value` list form. */
function environmentOf(service: Service): Record<string, string | undefined> {
  const env = service.environment;
  if (env === undefined || env === null) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const s = String(entry);
        const eq = s.indexOf('=');
        return eq < 0 ? [s, undefined] : [s.slice(0, eq), s.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

/** Variables of the app services that ENV_SCHEMA does not know, or whose values the config module rejects. */
function envProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const known = new Set(Object.keys(ENV_SCHEMA));
  for (const name of Object.keys(APP_SERVICES)) {
    const service = services(doc)[name];
    if (!service) {
      problems.push(`service ${name} is missing`);
      continue;
    }
    const env = environmentOf(service);
    for (const [key, value] of Object.entries(env)) {
      if (!known.has(key)) {
        problems.push(`${name}: ${key} is not a variable of ENV_SCHEMA (src/config/config.ts)`);
        continue;
      }
      if (value === undefined) {
        problems.push(`${name}: ${key} has no value (a bare name passes the host's value through, which this file must not rely on)`);
        continue;
      }
      if (value === '') continue; // loadConfig treats an empty value as unset
      const parsed = ENV_SCHEMA[key as keyof typeof ENV_SCHEMA].safeParse(value);
      if (!parsed.success) problems.push(`${name}: ${key}=${JSON.stringify(value)} is rejected: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    try {
      loadConfig(env, (file) => {
        throw new Error(`static check does not read ${file}`);
      });
    } catch (err) {
      problems.push(`${name}: loadConfig rejects the environment: ${err instanceof ConfigError ? err.message : String(err)}`);
    }
  }
  return problems;
}

/** The hosts the app services are pointed at (TEMPORAL_ADDRESS, EVENTSTORE_URL) are services of this file. */
function addressProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const all = services(doc);
  for (const name of Object.keys(APP_SERVICES)) {
    const env = environmentOf(all[name] ?? {});
    if (!env.TEMPORAL_ADDRESS) problems.push(`${name}: TEMPORAL_ADDRESS is not set (the app would start its own embedded Temporal)`);
    else {
      const host = env.TEMPORAL_ADDRESS.split(':')[0]!;
      if (!all[host]) problems.push(`${name}: TEMPORAL_ADDRESS host ${host} is not a service of this file`);
    }
    if (!env.EVENTSTORE_URL) problems.push(`${name}: EVENTSTORE_URL is not set (the app would use a private SQLite event store)`);
    else {
      // `user:password@host:port[,host:port…]`: the hosts after the credentials
      const hosts = (/^[a-z+]+:\/\/([^/?]*)/.exec(env.EVENTSTORE_URL)?.[1] ?? '').replace(/^.*@/, '').split(',').map((h) => h.split(':')[0]!);
      for (const host of hosts) if (!all[host]) problems.push(`${name}: EVENTSTORE_URL host ${host} is not a service of this file`);
    }
  }
  return problems;
}

/** `name[:tag][@digest]` → the tag (undefined when absent). */
function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : noDigest.slice(colon + 1);
}

function imageProblems(doc: Doc): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services(doc))) {
    const image = service.image as string | undefined;
    if (!image) {
      if (!service.build) problems.push(`${name}: neither image nor build`);
      continue;
    }
    const tag = imageTag(image);
    if (!tag && !image.includes('@sha256:')) problems.push(`${name}: image ${image} is not pinned to a tag`);
    else if (tag === 'latest') problems.push(`${name}: image ${image} uses the tag latest`);
  }
  return problems;
}

/** Container ports a service publishes. */
function publishedTargets(service: Service): number[] {
  return ((service.ports ?? []) as unknown[]).map((p) => {
    if (typeof p === 'object' && p !== null) return Number((p as { target: unknown }).target);
    const spec = String(p).split('/')[0]!;
    return Number(spec.split(':').pop());
  });
}

/** Container ports a service names under `expose` (reachable inside the compose network only). */
function exposedPorts(service: Service): number[] {
  return ((service.expose ?? []) as unknown[]).map((p) => Number(String(p).split('/')[0]));
}

/** Host ports a service publishes (`host:container` or the long form's `published`). */
function publishedHostPorts(service: Service): string[] {
  return ((service.ports ?? []) as unknown[]).map((p) => {
    if (typeof p === 'object' && p !== null) return String((p as { published?: unknown }).published ?? '');
    const parts = String(p).split('/')[0]!.split(':');
    return parts.length > 1 ? parts.at(-2)! : '';
  });
}

const isTemporalServer = (s: Service) => typeof s.image === 'string' && /^temporalio\/(auto-setup|server):/.test(s.image);

/** The Temporal server nodes of the file (temporalio/auto-setup or temporalio/server). */
function temporalNodes(doc: Doc): Array<[string, Service]> {
  return Object.entries(services(doc)).filter(([, s]) => isTemporalServer(s));
}

/**
 * Only the APIs are published: whoever reaches Temporal's frontend sends commands past the API, its Web UI shows every
 * history, and KurrentDB and PostgreSQL hold the data. Those stay inside the network, with the ports they serve
 * there under `expose`. Each API publishes its PORT only, on a host port of its own.
 */
function portProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const all = services(doc);
  const byImage = (prefix: string) => Object.entries(all).filter(([, s]) => typeof s.image === 'string' && s.image.startsWith(prefix));
  const internal: Array<[string, Array<[string, Service]>, number]> = [
    ['Temporal server (temporalio/auto-setup or temporalio/server)', temporalNodes(doc), 7233],
    ['Temporal Web UI (temporalio/ui)', byImage('temporalio/ui:'), 8080],
    ['PostgreSQL', Object.entries(all).filter(([, s]) => typeof s.image === 'string' && s.image.startsWith('postgres:') && s.command === undefined), 5432],
    ['KurrentDB', [...byImage('docker.kurrent.io/'), ...byImage('kurrentplatform/kurrentdb:'), ...byImage('eventstore/eventstore:')], 2113],
  ];
  for (const [what, found, port] of internal) {
    if (!found.length) problems.push(`no ${what} service`);
    for (const [name, service] of found) if (!exposedPorts(service).includes(port)) problems.push(`${name}: port ${port} is not listed under expose`);
  }
  for (const [name, service] of Object.entries(all)) {
    if (!APIS.includes(name) && publishedTargets(service).length) problems.push(`${name}: publishes ${publishedTargets(service).join(', ')}; only the APIs may be published`);
  }
  const hostPorts = new Map<string, string>();
  for (const name of APIS) {
    const api = all[name];
    if (!api) continue;
    const port = Number(environmentOf(api).PORT ?? 3000);
    if (!Number.isNaN(port) && JSON.stringify(publishedTargets(api)) !== JSON.stringify([port])) problems.push(`${name}: publishes ${JSON.stringify(publishedTargets(api))}, expected its PORT ${port} only`);
    for (const hostPort of publishedHostPorts(api)) {
      if (hostPorts.has(hostPort)) problems.push(`${name}: publishes host port ${hostPort}, as ${hostPorts.get(hostPort)} does`);
      else hostPorts.set(hostPort, name);
    }
  }
  return problems;
}

/** The named volume a service mounts at `target` (undefined when none). */
function volumeAt(service: Service, target: string): string | undefined {
  for (const v of (service.volumes ?? []) as unknown[]) {
    if (typeof v === 'string') {
      const [source, t] = v.split(':');
      if (t === target) return source;
    } else if ((v as { target?: string }).target === target) return (v as { source?: string }).source;
  }
  return undefined;
}

/** Named volumes → the services that mount them. */
function volumeUsers(doc: Doc): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services(doc))) {
    for (const v of (service.volumes ?? []) as unknown[]) {
      const source = typeof v === 'string' ? v.split(':')[0]! : String((v as { source?: string }).source ?? '');
      if (!source || /^[./~]/.test(source)) continue;
      users.set(source, [...(users.get(source) ?? []), name]);
    }
  }
  return users;
}

/**
 * Each API node reads its own ledger replica: the volume on its DATA_DIR is mounted by it and its node's projector and
 * by no other service (a projector per replica; two projectors on one ledger.db would fight over it), and it waits
 * for that projector. Each node's app services name the node (TAIZHANG_NODE, one value per node) and its Temporal node.
 */
function nodeProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const all = services(doc);
  const users = volumeUsers(doc);
  const nodeNames = new Map<string, string>();
  for (const n of NODES) {
    const api = all[`api-${n}`];
    const projector = `projector-${n}`;
    if (!api || !all[projector]) {
      problems.push(`node ${n}: api-${n} or ${projector} is missing`);
      continue;
    }
    const dataDir = environmentOf(api).DATA_DIR ?? '';
    const ledger = volumeAt(api, dataDir);
    if (!ledger) problems.push(`api-${n}: no named volume on its DATA_DIR ${dataDir}`);
    else {
      const sharing = [...(users.get(ledger) ?? [])].sort();
      const expected = [`api-${n}`, projector].sort();
      if (JSON.stringify(sharing) !== JSON.stringify(expected)) problems.push(`api-${n}: its ledger volume ${ledger} is mounted by ${sharing.join(', ')}; expected ${expected.join(' and ')} only`);
      if (volumeAt(all[projector], environmentOf(all[projector]).DATA_DIR ?? '') !== ledger) problems.push(`${projector}: does not write ${ledger} (api-${n}'s ledger volume) on its DATA_DIR`);
    }
    const waits = (api.depends_on ?? {}) as Record<string, { condition?: string }>;
    if (waits[projector]?.condition !== 'service_healthy') problems.push(`api-${n}: does not wait for ${projector} to be healthy`);
    const values = new Set(['worker', 'projector', 'api'].map((role) => environmentOf(all[`${role}-${n}`] ?? {}).TAIZHANG_NODE));
    const [value] = values;
    if (values.size !== 1 || !value) problems.push(`node ${n}: worker-${n}, projector-${n} and api-${n} must set one TAIZHANG_NODE, got ${JSON.stringify([...values])}`);
    else if (nodeNames.has(value)) problems.push(`node ${n}: TAIZHANG_NODE ${value} is node ${nodeNames.get(value)}'s too`);
    else nodeNames.set(value, n);
    for (const role of ['worker', 'projector', 'api']) {
      const address = environmentOf(all[`${role}-${n}`] ?? {}).TEMPORAL_ADDRESS;
      if (address !== `${TEMPORAL_OF_NODE[n]}:7233`) problems.push(`${role}-${n}: TEMPORAL_ADDRESS is ${address}, expected its node's ${TEMPORAL_OF_NODE[n]}:7233`);
    }
  }
  return problems;
}

/**
 * Two Temporal nodes, one cluster: they name the same databases on the file's PostgreSQL service (they find each other
 * in its cluster_membership table) and the same number of history shards; exactly one (auto-setup) creates the schemas
 * and the namespace, the others start once it is healthy; each has a healthcheck.
 */
function temporalClusterProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const all = services(doc);
  const nodes = temporalNodes(doc);
  if (nodes.length < 2) return [`${nodes.length} Temporal node(s); the cluster has two`];
  const setup = nodes.filter(([, s]) => String(s.image).startsWith('temporalio/auto-setup:'));
  if (setup.length !== 1) problems.push(`${setup.length} auto-setup nodes; exactly one creates the schemas`);
  const [first, firstService] = nodes[0]!;
  const reference = environmentOf(firstService);
  for (const key of TEMPORAL_DB_SETTINGS) if (!reference[key]) problems.push(`${first}: ${key} is not set (each node must name it, the same)`);
  const seed = all[reference.POSTGRES_SEEDS ?? ''];
  if (!seed || !String(seed.image ?? '').startsWith('postgres:')) problems.push(`${first}: POSTGRES_SEEDS ${reference.POSTGRES_SEEDS} is not the PostgreSQL service of this file`);
  for (const [name, service] of nodes.slice(1)) {
    const env = environmentOf(service);
    for (const key of TEMPORAL_DB_SETTINGS) if (env[key] !== reference[key]) problems.push(`${name}: ${key}=${JSON.stringify(env[key])}, ${first} has ${JSON.stringify(reference[key])}: not one cluster`);
  }
  for (const [name, service] of nodes) {
    if (!(service.healthcheck as { test?: unknown } | undefined)?.test) problems.push(`${name}: no healthcheck`);
    if (setup.length === 1 && name !== setup[0]![0]) {
      const waits = (service.depends_on ?? {}) as Record<string, { condition?: string }>;
      if (waits[setup[0]![0]]?.condition !== 'service_healthy') problems.push(`${name}: does not wait for ${setup[0]![0]} (the schemas) to be healthy`);
    }
  }
  return problems;
}

/**
 * One event store for the cluster: every app service has the same postgres:// EVENTSTORE_URL, on the PostgreSQL
 * service of this file, with its user and password; the database is created by a one-shot the app services wait for
 * (the store creates its tables, not its database).
 */
function eventStoreProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const all = services(doc);
  const urls = new Set<string>();
  for (const name of Object.keys(APP_SERVICES)) {
    const url = environmentOf(all[name] ?? {}).EVENTSTORE_URL ?? '';
    urls.add(url);
    if (!/^postgres(ql)?:\/\//.test(url)) {
      problems.push(`${name}: EVENTSTORE_URL ${JSON.stringify(url)} is not PostgreSQL (the leases of the single writers are PostgreSQL's)`);
      continue;
    }
    const u = new URL(url);
    const pgService = all[u.hostname];
    if (!pgService || !String(pgService.image ?? '').startsWith('postgres:')) problems.push(`${name}: EVENTSTORE_URL host ${u.hostname} is not the PostgreSQL service`);
    else {
      const pgEnv = environmentOf(pgService);
      if (decodeURIComponent(u.username) !== pgEnv.POSTGRES_USER || decodeURIComponent(u.password) !== pgEnv.POSTGRES_PASSWORD) problems.push(`${name}: EVENTSTORE_URL does not log in as ${u.hostname}'s POSTGRES_USER with its POSTGRES_PASSWORD`);
    }
    const database = u.pathname.slice(1);
    const creators = Object.entries(all).filter(([, s]) => JSON.stringify(s.command ?? '').includes(`CREATE DATABASE ${database}`));
    if (!database) problems.push(`${name}: EVENTSTORE_URL names no database`);
    else if (creators.length !== 1) problems.push(`${name}: no one-shot service creates the database ${database}`);
    else {
      const waits = (all[name]?.depends_on ?? {}) as Record<string, { condition?: string }>;
      if (waits[creators[0]![0]]?.condition !== 'service_completed_successfully') problems.push(`${name}: does not wait for ${creators[0]![0]} (CREATE DATABASE ${database}) to complete`);
    }
  }
  if (urls.size > 1) problems.push(`the app services use ${urls.size} different EVENTSTORE_URLs; the cluster has one store`);
  return problems;
}

/** Names of variables that hold a secret. */
const SECRET_NAME = /PASSWORD|PWD|SECRET|TOKEN|API_KEY/;

/**
 * No secret has a default: in the file as written (before interpolation), every environment value of a secret is a
 * variable that is required (`${VAR:?message}`) or empty unless set (`${VAR:-}`), never a literal or a default.
 */
function secretProblems(raw: Doc): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services(raw))) {
    for (const [key, value] of Object.entries(environmentOf(service))) {
      if (!SECRET_NAME.test(key) || value === undefined) continue;
      if (!/^\$\{[A-Za-z_][A-Za-z0-9_]*(:\?[^}]+|:-)?\}$/.test(value)) problems.push(`${name}: ${key} has a default or literal value ${JSON.stringify(value)}; use \${VAR:?message}`);
    }
  }
  return problems;
}

/** KurrentDB serves no AtomPub (the HTTP API that lists every event); the TLS/user settings are shown beside it. */
function kurrentProblems(doc: Doc, text: string): string[] {
  const problems: string[] = [];
  const kurrent = services(doc).kurrentdb;
  if (!kurrent) return ['no kurrentdb service'];
  const atomPub = environmentOf(kurrent).KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP;
  if (atomPub !== undefined && atomPub !== 'false') problems.push(`kurrentdb: KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP is ${atomPub}; must be false`);
  for (const setting of ['KURRENTDB_CERTIFICATE_FILE', 'KURRENTDB_CERTIFICATE_PRIVATE_KEY_FILE', 'KURRENTDB_TRUSTED_ROOT_CERTIFICATES_PATH', 'KURRENTDB_DEFAULT_ADMIN_PASSWORD']) {
    if (!text.includes(setting)) problems.push(`kurrentdb: its secure setting ${setting} is not shown`);
  }
  return problems;
}

function appServiceProblems(doc: Doc): string[] {
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(APP_SERVICES)) {
    const service = services(doc)[name];
    if (!service) {
      problems.push(`service ${name} is missing`);
      continue;
    }
    const build = service.build;
    const context = typeof build === 'string' ? build : (build as { context?: string } | undefined)?.context;
    if (context !== '.' && context !== './') problems.push(`${name}: build context is ${JSON.stringify(context)}, not "."`);
    const dockerfile = typeof build === 'object' && build ? (build as { dockerfile?: string }).dockerfile : undefined;
    if (dockerfile !== undefined && dockerfile !== 'Dockerfile') problems.push(`${name}: builds ${dockerfile}, not the Dockerfile`);
    const command = Array.isArray(service.command) ? service.command.map(String) : String(service.command ?? '').split(/\s+/).filter(Boolean);
    const expected = ['node', '--import', 'tsx', entry];
    if (JSON.stringify(command) !== JSON.stringify(expected)) problems.push(`${name}: command is ${JSON.stringify(command)}, expected ${JSON.stringify(expected)}`);
  }
  return problems;
}

/** depends_on targets exist; service_healthy targets define a healthcheck; named volumes are declared. */
function wiringProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const all = services(doc);
  const declaredVolumes = new Set(Object.keys((doc.volumes ?? {}) as object));
  for (const [name, service] of Object.entries(all)) {
    const deps = service.depends_on;
    const entries: [string, { condition?: string }][] = Array.isArray(deps)
      ? deps.map((d) => [String(d), {}])
      : Object.entries((deps ?? {}) as Record<string, { condition?: string }>);
    for (const [target, spec] of entries) {
      if (!all[target]) problems.push(`${name}: depends on ${target}, which is not a service`);
      else if (spec.condition === 'service_healthy' && !(all[target]!.healthcheck as { test?: unknown } | undefined)?.test) {
        problems.push(`${name}: waits for ${target} to be healthy, but ${target} has no healthcheck`);
      }
    }
    for (const v of (service.volumes ?? []) as unknown[]) {
      const source = typeof v === 'string' ? v.split(':')[0]! : String((v as { source?: string }).source ?? '');
      const type = typeof v === 'string' ? undefined : (v as { type?: string }).type;
      const named = source !== '' && !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~') && (type === undefined || type === 'volume');
      if (named && v !== source && !declaredVolumes.has(source)) problems.push(`${name}: volume ${source} is not declared under volumes`);
    }
  }
  return problems;
}

/** A `docker-compose` binary, or `docker` with the compose plugin, when one is on PATH. */

// ---------- the tests ----------

const TEXT = readFileSync(COMPOSE_FILE, 'utf8');
/** The file as written, before interpolation. */
const RAW = parse(TEXT, { merge: true }) as Doc;

describe('docker-compose.yml (two-node cluster deployment)', () => {
  it('the compose-spec schema is the one recorded (compose-go v2.16.2)', () => {
    const sha = createHash('sha256').update(readFileSync(SCHEMA_FILE)).digest('hex');
    expect(sha, 'test/deploy/compose-spec.json changed: update SCHEMA_SHA256 and the version in test/deploy/README.md').toBe(SCHEMA_SHA256);
  });

  for (const [label, hostEnv] of Object.entries(HOST_ENVS)) {
    describe(`with ${label}`, () => {
      const doc = loadCompose(TEXT, hostEnv);

      it('is valid against the compose-spec JSON schema', () => {
        expect(schemaProblems(doc), 'docker-compose.yml does not match test/deploy/compose-spec.json').toEqual([]);
      });

      it('configures the workers, projectors and APIs only through ENV_SCHEMA variables with accepted values', () => {
        expect(envProblems(doc), 'environment of the app services vs src/config/config.ts').toEqual([]);
      });
    });
  }

  const doc = loadCompose(TEXT, REQUIRED_ENV);

  it('points the app services at the Temporal and PostgreSQL services of the file', () => {
    expect(addressProblems(doc)).toEqual([]);
  });

  it('runs two Temporal nodes on one set of databases: one cluster', () => {
    expect(temporalClusterProblems(doc)).toEqual([]);
    expect(temporalNodes(doc).map(([n]) => n)).toEqual(['temporal', 'temporal-2']);
  });

  it('has every app service on the one PostgreSQL event store, in a database the file creates', () => {
    expect(eventStoreProblems(doc)).toEqual([]);
    // The password in the URL is the required variable, never a default.
    expect(environmentOf(services(RAW)['api-a']!).EVENTSTORE_URL).toMatch(/^postgres:\/\/temporal:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgresql:5432\/taizhang_events$/);
  });

  it('gives each node its Temporal node, its TAIZHANG_NODE, and an API reading a ledger only its projector writes', () => {
    expect(nodeProblems(doc)).toEqual([]);
    expect(environmentOf(services(doc)['worker-a']!).TAIZHANG_NODE).toBe('node-a');
    expect(environmentOf(services(doc)['worker-b']!).TAIZHANG_NODE).toBe('node-b');
    // Each API reads its own node's worker metrics.
    for (const n of NODES) expect(environmentOf(services(doc)[`api-${n}`]!).TAIZHANG_WORKER_METRICS_URL).toBe(`http://worker-${n}:9464/metrics`);
  });

  it('keeps KurrentDB as the alternative store, behind a profile, with the way to switch to it', () => {
    const kurrent = services(doc).kurrentdb!;
    expect(kurrent.profiles).toEqual(['kurrentdb']);
    expect(TEXT).toMatch(/EVENTSTORE_URL: esdb:\/\/kurrentdb:2113\?tls=false/);
    expect(TEXT).toMatch(/--profile kurrentdb up/);
    // Nothing that always starts may wait for a service that starts only with its profile.
    for (const [name, service] of Object.entries(services(doc))) expect(Object.keys((service.depends_on ?? {}) as object), name).not.toContain('kurrentdb');
  });

  it('pins every image to a tag other than latest', () => {
    expect(imageProblems(doc)).toEqual([]);
    // the ones the deployment is made of
    const images = Object.values(services(doc)).map((s) => String(s.image ?? ''));
    for (const prefix of ['postgres:', 'temporalio/auto-setup:', 'temporalio/server:', 'temporalio/ui:']) expect(images.some((i) => i.startsWith(prefix)), `an image ${prefix}…`).toBe(true);
    expect(images.some((i) => /^(docker\.kurrent\.io\/kurrent-latest\/kurrentdb|kurrentplatform\/kurrentdb|eventstore\/eventstore):/.test(i)), 'a KurrentDB/EventStoreDB image').toBe(true);
  });

  it('publishes only the APIs (3000, 3001); Temporal, its Web UI, PostgreSQL and KurrentDB are reachable inside the network only', () => {
    expect(portProblems(doc)).toEqual([]);
    expect(APIS.map((n) => publishedHostPorts(services(doc)[n]!))).toEqual([['3000'], ['3001']]);
  });

  it('has no default passwords: Compose refuses to start without them, naming the variable', () => {
    expect(secretProblems(RAW)).toEqual([]);
    const { POSTGRES_PASSWORD: _, ...keys } = REQUIRED_ENV;
    expect(() => loadCompose(TEXT, keys)).toThrow(/required variable POSTGRES_PASSWORD is missing: set POSTGRES_PASSWORD/);
    // Nor default keys: the API and the worker must be given the same ones.
    for (const k of ['TAIZHANG_COMMAND_KEYS', 'TAIZHANG_PAYLOAD_KEYS', 'TAIZHANG_DATA_KEY_WRAP_KEY'] as const) {
      const { [k]: _k, ...rest } = REQUIRED_ENV;
      expect(() => loadCompose(TEXT, rest)).toThrow(new RegExp(`required variable ${k} is missing: set ${k}`));
      for (const name of [...WORKERS, ...APIS]) expect(environmentOf(services(doc)[name]!)[k], `${name}: ${k}`).toBe(REQUIRED_ENV[k]);
    }
    // The customers' data keys are in one volume every worker and API mounts: an erasure destroys the key all read with.
    for (const name of [...WORKERS, ...APIS]) expect(volumeAt(services(doc)[name]!, '/app/keys'), name).toBe('customer-keys');
    expect(environmentOf(services(doc).postgresql!).POSTGRES_PASSWORD).toBe(REQUIRED_ENV.POSTGRES_PASSWORD);
    for (const [name, service] of temporalNodes(doc)) expect(environmentOf(service).POSTGRES_PWD, name).toBe(REQUIRED_ENV.POSTGRES_PASSWORD);
    expect(environmentOf(services(doc)['events-db']!).PGPASSWORD).toBe(REQUIRED_ENV.POSTGRES_PASSWORD);
  });

  it('shows the TLS settings: Temporal mTLS for the server, the Web UI and the app services; KurrentDB secure, AtomPub off', () => {
    expect(kurrentProblems(doc, TEXT)).toEqual([]);
    for (const setting of ['TEMPORAL_TLS_SERVER_CERT', 'TEMPORAL_TLS_REQUIRE_CLIENT_AUTH', 'TEMPORAL_TLS_FRONTEND_CERT']) expect(TEXT, `temporal: ${setting}`).toContain(setting);
    for (const name of Object.keys(APP_SERVICES)) {
      const env = environmentOf(services(RAW)[name]!);
      for (const v of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY']) expect(env[v], `${name}: ${v}`).toBe(`\${${v}:-}`);
    }
    const tls = loadConfig(environmentOf(services(loadCompose(TEXT, HOST_ENVS['LOG_LEVEL, TAIZHANG_TOKENS and Temporal mTLS set']!))['worker-b']!));
    expect(tls).toMatchObject({ TEMPORAL_TLS_CERT: '/certs/client.pem', TEMPORAL_TLS_KEY: '/certs/client.key', TEMPORAL_TLS_CA: '/certs/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'temporal' });
  });

  it('builds the workers, projectors and APIs from the Dockerfile in "." with their entry files', () => {
    expect(appServiceProblems(doc)).toEqual([]);
    for (const entry of Object.values(APP_SERVICES)) expect(existsSync(path.join(ROOT, entry)), `${entry} exists`).toBe(true);
  });

  it('has healthchecks behind every service_healthy condition and declares its named volumes', () => {
    expect(wiringProblems(doc)).toEqual([]);
    for (const name of ['postgresql', 'temporal', 'temporal-2', 'kurrentdb', 'projector-a', 'projector-b', 'api-a', 'api-b']) {
      const service = Object.entries(services(doc)).find(([n]) => n === name)?.[1];
      expect(service?.healthcheck, `${name} has a healthcheck`).toBeTruthy();
    }
  });

  it('the checks catch a wrong file', () => {
    const bad = loadCompose(TEXT, REQUIRED_ENV);
    const svc = services(bad);
    const env = (name: string) => svc[name]!.environment as Record<string, unknown>;
    env('worker-a').EVENTSTORE_URL = 'http://kurrentdb:2113';
    env('worker-a').NODE_OPTIONS = '--max-old-space-size=512';
    env('api-a').PORT = 'eighty';
    svc['temporal-ui']!.image = 'temporalio/ui:latest';
    svc['projector-a']!.build = { context: './src' };
    svc['api-a']!.depends_on = { nowhere: { condition: 'service_started' } };
    svc.postgresql!.imagee = 'postgres:16';
    svc.kurrentdb!.depends_on = { postgresql: { condition: 'service_ready' } };
    svc.temporal!.ports = ['7233:7233'];
    svc['api-b']!.ports = ['3000:3000'];
    (svc.kurrentdb!.environment as Record<string, unknown>).KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP = 'true';
    const rawBad = parse(TEXT, { merge: true }) as Doc;
    (services(rawBad).postgresql!.environment as Record<string, unknown>).POSTGRES_PASSWORD = '${POSTGRES_PASSWORD:-temporal}';
    (services(rawBad).temporal!.environment as Record<string, unknown>).POSTGRES_PWD = 'temporal';
    expect(envProblems(bad).join('\n')).toMatch(/worker-a: EVENTSTORE_URL="http:\/\/kurrentdb:2113" is rejected: must be a KurrentDB connection string/);
    expect(envProblems(bad).join('\n')).toMatch(/worker-a: NODE_OPTIONS is not a variable of ENV_SCHEMA/);
    expect(envProblems(bad).join('\n')).toMatch(/api-a: PORT="eighty" is rejected/);
    expect(imageProblems(bad)).toEqual(['temporal-ui: image temporalio/ui:latest uses the tag latest']);
    expect(appServiceProblems(bad)).toEqual(['projector-a: build context is "./src", not "."']);
    expect(wiringProblems(bad)).toEqual(['api-a: depends on nowhere, which is not a service']);
    expect(schemaProblems(bad).join('\n')).toMatch(/\/services\/postgresql must NOT have unevaluated properties \{"unevaluatedProperty":"imagee"\}/);
    expect(schemaProblems(bad).join('\n')).toMatch(/\/services\/kurrentdb\/depends_on\/postgresql\/condition must be equal to one of the allowed values/);
    expect(portProblems(bad)).toEqual(['temporal: publishes 7233; only the APIs may be published', 'api-b: publishes host port 3000, as api-a does']);
    expect(kurrentProblems(bad, TEXT)).toEqual(['kurrentdb: KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP is true; must be false']);
    expect(secretProblems(rawBad)).toEqual([
      'postgresql: POSTGRES_PASSWORD has a default or literal value "${POSTGRES_PASSWORD:-temporal}"; use ${VAR:?message}',
      'temporal: POSTGRES_PWD has a default or literal value "temporal"; use ${VAR:?message}',
    ]);
  });

  it('the topology checks catch a wrong cluster', () => {
    const bad = loadCompose(TEXT, REQUIRED_ENV);
    const svc = services(bad);
    const env = (name: string) => svc[name]!.environment as Record<string, unknown>;
    // api-b reads node a's replica; worker-b talks to node a's Temporal and names itself node-a
    svc['api-b']!.volumes = ['ledger-a:/app/data', 'customer-keys:/app/keys'];
    env('worker-b').TEMPORAL_ADDRESS = 'temporal:7233';
    env('worker-b').TAIZHANG_NODE = 'node-a';
    // temporal-2 on databases of its own, without waiting for the schemas
    env('temporal-2').DBNAME = 'temporal_b';
    svc['temporal-2']!.depends_on = { postgresql: { condition: 'service_healthy' } };
    // projector-b on KurrentDB, api-b not waiting for the events database
    env('projector-b').EVENTSTORE_URL = 'esdb://kurrentdb:2113?tls=false';
    svc['api-b']!.depends_on = { 'projector-b': { condition: 'service_healthy' } };
    expect(nodeProblems(bad)).toEqual([
      "api-a: its ledger volume ledger-a is mounted by api-a, api-b, projector-a; expected api-a and projector-a only",
      'api-b: its ledger volume ledger-a is mounted by api-a, api-b, projector-a; expected api-b and projector-b only',
      "projector-b: does not write ledger-a (api-b's ledger volume) on its DATA_DIR",
      'node b: worker-b, projector-b and api-b must set one TAIZHANG_NODE, got ["node-a","node-b"]',
      "worker-b: TEMPORAL_ADDRESS is temporal:7233, expected its node's temporal-2:7233",
    ]);
    expect(temporalClusterProblems(bad)).toEqual([
      'temporal-2: DBNAME="temporal_b", temporal has "temporal": not one cluster',
      'temporal-2: does not wait for temporal (the schemas) to be healthy',
    ]);
    expect(eventStoreProblems(bad)).toEqual([
      'projector-b: EVENTSTORE_URL "esdb://kurrentdb:2113?tls=false" is not PostgreSQL (the leases of the single writers are PostgreSQL\'s)',
      'api-b: does not wait for events-db (CREATE DATABASE taizhang_events) to complete',
      'the app services use 2 different EVENTSTORE_URLs; the cluster has one store',
    ]);
  });

  it('interpolates like Compose', () => {
    expect(interpolate('${A:-x}-${B-y}-$$-${C:+z}-$A', { A: '', C: '1' }, 't')).toBe('x-y-$-z-');
    expect(() => interpolate('${A:?set A}', {}, 't')).toThrow(/required variable A is missing: set A/);
    expect(imageTag('docker.kurrent.io/kurrent-latest/kurrentdb:25.1.4')).toBe('25.1.4');
    expect(imageTag('localhost:5000/app')).toBeUndefined();
  });

  it('Docker Compose itself accepts the file (`docker compose config -q`)', () => {
    // Set-up finds Docker Compose or builds it from the Go module proxy (no engine is needed to check a file).
    const compose = composeCli();
    expect(compose, 'no Docker Compose: run `node scripts/setup.mjs --for-tests`').toBeDefined();
    const [cmd, ...pre] = compose!;
    const r = spawnSync(cmd!, [...pre, '-f', COMPOSE_FILE, 'config', '-q'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TAIZHANG_TOKENS: '', LOG_LEVEL: '', ...REQUIRED_ENV } });
    expect(r.status, `${compose!.join(' ')} config -q failed:\n${r.stderr}${r.stdout}`).toBe(0);
  });

  // Debian's docker-compose 1.29 (`apt-get install docker-compose`) reads the file by an older schema: a top-level
  // `name`, for one, is refused there. Checked where it is installed.
  it.runIf(existsSync(DEBIAN_COMPOSE))('Debian\'s docker-compose 1.29 accepts the file too (`docker-compose config -q`)', () => {
    const r = spawnSync(DEBIAN_COMPOSE, ['-f', COMPOSE_FILE, 'config', '-q'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TAIZHANG_TOKENS: '', LOG_LEVEL: '', ...REQUIRED_ENV } });
    expect(r.status, `docker-compose 1.29 config -q failed:\n${r.stderr}${r.stdout}`).toBe(0);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());

  it('is a multi-stage node:20-bookworm-slim build with the native tool chain, npm ci and a non-root user', () => {
    const froms = text.match(/^FROM\s+\S+/gm) ?? [];
    expect(froms.length, 'stages').toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/node:20-bookworm-slim/);
    expect(text).toMatch(/apt-get install[^\n]*(\\\n[^\n]*)*python3/);
    expect(text).toMatch(/\bg\+\+/);
    expect(text).toMatch(/\bmake\b/);
    expect(text).toMatch(/\bnpm ci\b/);
    const users = [...text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1), 'the final stage runs as a non-root user').toBeDefined();
    expect(['root', '0']).not.toContain(users.at(-1));
  });

  it('copies the three entry files and sets only ENV_SCHEMA variables', () => {
    expect(text).toMatch(/^COPY[^\n]*\bworker\.ts\b/m);
    expect(text).toMatch(/^COPY\s+src\s/m);
    const envBlock = [...text.matchAll(/^ENV\s+((?:[^\n]*\\\n)*[^\n]*)/gm)].map((m) => m[1]!).join(' ');
    const names = [...envBlock.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!);
    for (const n of names) expect(Object.keys(ENV_SCHEMA), `Dockerfile ENV ${n}`).toContain(n);
  });

  it('.dockerignore keeps node_modules, data, .tools, .git and a local dist out of the build context', () => {
    for (const entry of ['node_modules', 'data', '.tools', '.git', 'dist']) expect(dockerignore, entry).toContain(entry);
  });

  it('makes the data directory the service user\'s alone (0700)', () => {
    expect(text).toMatch(/^\s*&& mkdir -p \/app\/data && chown node:node \/app\/data && chmod 700 \/app\/data$/m);
  });

  it('compiles the CLI inside the image, from the sources it copies, before it drops root', () => {
    expect(text).toMatch(/^COPY\s+scripts\s/m);
    const build = text.search(/^RUN node scripts\/build\.mjs\b/m);
    expect(build, 'RUN node scripts/build.mjs').toBeGreaterThan(text.search(/^COPY\s+src\s/m));
    expect(build).toBeGreaterThan(text.search(/^COPY\s+scripts\s/m));
    expect(build).toBeLessThan(text.search(/^USER\s+node/m));
  });
});
