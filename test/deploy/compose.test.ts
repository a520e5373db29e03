/**
 * Static checks of the scale-out deployment (docker-compose.yml and the Dockerfile); no Docker engine needed.
 *
 *  - docker-compose.yml is valid against the official compose-spec JSON schema. The schema file,
 *    test/deploy/compose-spec.json, is `schema/compose-spec.json` of the Go module
 *    github.com/compose-spec/compose-go/v2@v2.16.2 (the loader Docker Compose uses), copied unchanged;
 *    see test/deploy/README.md to update it.
 *  - the worker, projector and API are configured only through variables of ENV_SCHEMA, with values the
 *    configuration module accepts;
 *  - images are pinned, the app services build `.`;
 *  - only the API is published (Temporal's frontend and Web UI, KurrentDB and PostgreSQL stay inside the network),
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

const APP_SERVICES = {
  worker: 'worker.ts',
  projector: 'src/main/projector.ts',
  api: 'src/main/api.ts',
} as const;

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
      const hosts = (/^[a-z+]+:\/\/([^/?]*)/.exec(env.EVENTSTORE_URL)?.[1] ?? '').split(',').map((h) => h.split(':')[0]!);
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

/**
 * Only the API is published: whoever reaches Temporal's frontend sends commands past the API, its Web UI shows every
 * history, and KurrentDB and PostgreSQL hold the data. Those stay inside the network, with the ports they serve
 * there under `expose`.
 */
function portProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const all = services(doc);
  const byImage = (prefix: string) => Object.entries(all).find(([, s]) => typeof s.image === 'string' && s.image.startsWith(prefix));
  const internal: Array<[string, [string, Service] | undefined, number]> = [
    ['Temporal server (temporalio/auto-setup or temporalio/server)', byImage('temporalio/auto-setup:') ?? byImage('temporalio/server:'), 7233],
    ['Temporal Web UI (temporalio/ui)', byImage('temporalio/ui:'), 8080],
    ['KurrentDB', byImage('docker.kurrent.io/') ?? byImage('kurrentplatform/kurrentdb:') ?? byImage('eventstore/eventstore:'), 2113],
  ];
  for (const [what, found, port] of internal) {
    if (!found) problems.push(`no ${what} service`);
    else if (!exposedPorts(found[1]).includes(port)) problems.push(`${found[0]}: port ${port} is not listed under expose`);
  }
  for (const [name, service] of Object.entries(all)) {
    if (name !== 'api' && publishedTargets(service).length) problems.push(`${name}: publishes ${publishedTargets(service).join(', ')}; only the API may be published`);
  }
  const api = all.api;
  if (api) {
    const port = Number(environmentOf(api).PORT ?? 3000);
    if (!Number.isNaN(port) && JSON.stringify(publishedTargets(api)) !== JSON.stringify([port])) problems.push(`api: publishes ${JSON.stringify(publishedTargets(api))}, expected its PORT ${port} only`);
  }
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

describe('docker-compose.yml (scale-out deployment)', () => {
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

      it('configures worker, projector and api only through ENV_SCHEMA variables with accepted values', () => {
        expect(envProblems(doc), 'environment of the app services vs src/config/config.ts').toEqual([]);
      });
    });
  }

  const doc = loadCompose(TEXT, REQUIRED_ENV);

  it('points the app services at the Temporal and KurrentDB services of the file', () => {
    expect(addressProblems(doc)).toEqual([]);
  });

  it('pins every image to a tag other than latest', () => {
    expect(imageProblems(doc)).toEqual([]);
    // the ones the deployment is made of
    const images = Object.values(services(doc)).map((s) => String(s.image ?? ''));
    for (const prefix of ['postgres:', 'temporalio/auto-setup:', 'temporalio/ui:']) expect(images.some((i) => i.startsWith(prefix)), `an image ${prefix}…`).toBe(true);
    expect(images.some((i) => /^(docker\.kurrent\.io\/kurrent-latest\/kurrentdb|kurrentplatform\/kurrentdb|eventstore\/eventstore):/.test(i)), 'a KurrentDB/EventStoreDB image').toBe(true);
  });

  it('publishes only the API; Temporal, its Web UI and KurrentDB are reachable inside the network only', () => {
    expect(portProblems(doc)).toEqual([]);
  });

  it('has no default passwords: Compose refuses to start without them, naming the variable', () => {
    expect(secretProblems(RAW)).toEqual([]);
    const { POSTGRES_PASSWORD: _, ...keys } = REQUIRED_ENV;
    expect(() => loadCompose(TEXT, keys)).toThrow(/required variable POSTGRES_PASSWORD is missing: set POSTGRES_PASSWORD/);
    // Nor default keys: the API and the worker must be given the same ones.
    for (const k of ['TAIZHANG_COMMAND_KEYS', 'TAIZHANG_PAYLOAD_KEYS', 'TAIZHANG_DATA_KEY_WRAP_KEY'] as const) {
      const { [k]: _k, ...rest } = REQUIRED_ENV;
      expect(() => loadCompose(TEXT, rest)).toThrow(new RegExp(`required variable ${k} is missing: set ${k}`));
      for (const name of ['worker', 'api']) expect(environmentOf(services(doc)[name]!)[k], `${name}: ${k}`).toBe(REQUIRED_ENV[k]);
    }
    // The customers' data keys are in one volume both mount: an erasure destroys the key the API reads with.
    for (const name of ['worker', 'api']) expect(JSON.stringify(services(doc)[name]!.volumes), name).toContain('customer-keys');
    expect(environmentOf(services(doc).postgresql!).POSTGRES_PASSWORD).toBe(REQUIRED_ENV.POSTGRES_PASSWORD);
    expect(environmentOf(services(doc).temporal!).POSTGRES_PWD).toBe(REQUIRED_ENV.POSTGRES_PASSWORD);
  });

  it('shows the TLS settings: Temporal mTLS for the server, the Web UI and the app services; KurrentDB secure, AtomPub off', () => {
    expect(kurrentProblems(doc, TEXT)).toEqual([]);
    for (const setting of ['TEMPORAL_TLS_SERVER_CERT', 'TEMPORAL_TLS_REQUIRE_CLIENT_AUTH', 'TEMPORAL_TLS_FRONTEND_CERT']) expect(TEXT, `temporal: ${setting}`).toContain(setting);
    for (const name of Object.keys(APP_SERVICES)) {
      const env = environmentOf(services(RAW)[name]!);
      for (const v of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY']) expect(env[v], `${name}: ${v}`).toBe(`\${${v}:-}`);
    }
    const tls = loadConfig(environmentOf(services(loadCompose(TEXT, HOST_ENVS['LOG_LEVEL, TAIZHANG_TOKENS and Temporal mTLS set']!)).worker!));
    expect(tls).toMatchObject({ TEMPORAL_TLS_CERT: '/certs/client.pem', TEMPORAL_TLS_KEY: '/certs/client.key', TEMPORAL_TLS_CA: '/certs/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'temporal' });
  });

  it('builds worker, projector and api from the Dockerfile in "." with their entry files', () => {
    expect(appServiceProblems(doc)).toEqual([]);
    for (const entry of Object.values(APP_SERVICES)) expect(existsSync(path.join(ROOT, entry)), `${entry} exists`).toBe(true);
  });

  it('has healthchecks behind every service_healthy condition and declares its named volumes', () => {
    expect(wiringProblems(doc)).toEqual([]);
    for (const name of ['postgresql', 'temporal', 'kurrentdb', 'api']) {
      const service = Object.entries(services(doc)).find(([n]) => n === name)?.[1];
      expect(service?.healthcheck, `${name} has a healthcheck`).toBeTruthy();
    }
  });

  it('the checks catch a wrong file', () => {
    const bad = loadCompose(TEXT, REQUIRED_ENV);
    const svc = services(bad);
    (svc.worker!.environment as Record<string, unknown>).EVENTSTORE_URL = 'http://kurrentdb:2113';
    (svc.worker!.environment as Record<string, unknown>).NODE_OPTIONS = '--max-old-space-size=512';
    (svc.api!.environment as Record<string, unknown>).PORT = 'eighty';
    svc['temporal-ui']!.image = 'temporalio/ui:latest';
    svc.projector!.build = { context: './src' };
    svc.api!.depends_on = { nowhere: { condition: 'service_started' } };
    svc.postgresql!.imagee = 'postgres:16';
    svc.kurrentdb!.depends_on = { postgresql: { condition: 'service_ready' } };
    svc.temporal!.ports = ['7233:7233'];
    (svc.kurrentdb!.environment as Record<string, unknown>).KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP = 'true';
    const rawBad = parse(TEXT, { merge: true }) as Doc;
    (services(rawBad).postgresql!.environment as Record<string, unknown>).POSTGRES_PASSWORD = '${POSTGRES_PASSWORD:-temporal}';
    (services(rawBad).temporal!.environment as Record<string, unknown>).POSTGRES_PWD = 'temporal';
    expect(envProblems(bad).join('\n')).toMatch(/worker: EVENTSTORE_URL="http:\/\/kurrentdb:2113" is rejected: must be a KurrentDB connection string/);
    expect(envProblems(bad).join('\n')).toMatch(/worker: NODE_OPTIONS is not a variable of ENV_SCHEMA/);
    expect(envProblems(bad).join('\n')).toMatch(/api: PORT="eighty" is rejected/);
    expect(imageProblems(bad)).toEqual(['temporal-ui: image temporalio/ui:latest uses the tag latest']);
    expect(appServiceProblems(bad)).toEqual(['projector: build context is "./src", not "."']);
    expect(wiringProblems(bad)).toEqual(['api: depends on nowhere, which is not a service']);
    expect(schemaProblems(bad).join('\n')).toMatch(/\/services\/postgresql must NOT have unevaluated properties \{"unevaluatedProperty":"imagee"\}/);
    expect(schemaProblems(bad).join('\n')).toMatch(/\/services\/kurrentdb\/depends_on\/postgresql\/condition must be equal to one of the allowed values/);
    expect(portProblems(bad)).toEqual(['temporal: publishes 7233; only the API may be published']);
    expect(kurrentProblems(bad, TEXT)).toEqual(['kurrentdb: KURRENTDB_ENABLE_ATOM_PUB_OVER_HTTP is true; must be false']);
    expect(secretProblems(rawBad)).toEqual([
      'postgresql: POSTGRES_PASSWORD has a default or literal value "${POSTGRES_PASSWORD:-temporal}"; use ${VAR:?message}',
      'temporal: POSTGRES_PWD has a default or literal value "temporal"; use ${VAR:?message}',
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
