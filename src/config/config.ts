import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ROLES, type Role } from '../domain/roles';
import { MIN_SECRET_LENGTH, secretFromFile } from '../support/links';

/**
 * Every environment variable taizhang reads, with its rule. The README's configuration table
 * is generated from the same descriptions (`taizhang config --table`), so they cannot drift.
 */
const port = z.coerce.number().int().min(1).max(65535);
/** `host:port` (port 0: a free one) or `off`. */
const metricsAddress = z.string().refine((v) => v === 'off' || (/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535), 'must be host:port (port 0 for a free one) or off');
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be one of 1, 0, true, false, yes, no' })
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** Configured API tokens: long and varied enough that guessing one is hopeless (`openssl rand -base64 32` gives 44). */
export const MIN_TOKEN_LENGTH = 32;
/** Fewer different characters than this is a pattern (`aaaa…`, `abab…`), not a random token. */
const MIN_TOKEN_DISTINCT_CHARACTERS = 10;
const randomToken = () =>
  z
    .string()
    .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`)
    .refine((t) => new Set(t).size >= MIN_TOKEN_DISTINCT_CHARACTERS, `must be random (at least ${MIN_TOKEN_DISTINCT_CHARACTERS} different characters), e.g. \`openssl rand -base64 32\``);

const tokenEntry = z.object({
  token: randomToken(),
  role: z.enum(ROLES),
  actor: z.string().min(1).max(100),
});
export type TokenEntry = z.infer<typeof tokenEntry>;

export const ENV_SCHEMA = {
  DATA_DIR: z.string().min(1).default('data').describe('Directory for the embedded stack: events.db, ledger.db, temporal.db, logs.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the HTTP API binds to.'),
  PORT: port.default(3000).describe('Port of the HTTP API.'),
  PUBLIC_URL: z.url({ message: 'must be an absolute URL' }).optional().describe('Base URL the CLI uses to reach the API (default http://HOST:PORT).'),
  TAIZHANG_PUBLIC_URL: z.url({ message: 'must be an absolute URL' }).optional().describe('Base URL of the personal survey links sent to respondents, `<url>/s/<token>` (default: the API URL).'),
  TAIZHANG_LINK_SECRET: z
    .string()
    .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`)
    .optional()
    .describe('Secret that signs the personal survey links (the API and the worker need the same); default: generated once into DATA_DIR/link-secret.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  LOG_FORMAT: z
    .enum(['auto', 'json', 'pretty'], { message: 'must be one of auto, json, pretty' })
    .default('auto')
    .describe('How logs are written: `json` lines, `pretty` (pino-pretty, for people), or `auto`: pretty when stdout is a terminal, JSON otherwise.'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')
    .optional()
    .describe('Use this Temporal frontend instead of starting the embedded dev server.'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace.'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('taizhang').describe('Task queue of the worker.'),
  TEMPORAL_PORT: port.default(7233).describe('Port of the embedded Temporal dev server (ignored with TEMPORAL_ADDRESS).'),
  TEMPORAL_UI_PORT: port.default(8233).describe('Port of the embedded Temporal Web UI (ignored with TEMPORAL_ADDRESS).'),
  TAIZHANG_UI_ORIGIN: z
    .string()
    .optional()
    .describe('Origins (comma-separated) of a Temporal Web UI allowed to call the API\'s codec endpoint `/codec/decode` from a browser (default: the embedded Web UI, http://127.0.0.1:<TEMPORAL_UI_PORT> and http://localhost:<TEMPORAL_UI_PORT>).'),
  TEMPORAL_TLS_CERT: z.string().min(1).optional().describe('PEM file of the client certificate for mTLS to the Temporal frontend (with TEMPORAL_TLS_KEY; needs TEMPORAL_ADDRESS).'),
  TEMPORAL_TLS_KEY: z.string().min(1).optional().describe('PEM file of the private key of TEMPORAL_TLS_CERT.'),
  TEMPORAL_TLS_CA: z.string().min(1).optional().describe('PEM file of the CA that signed the Temporal frontend\'s certificate (default: the system\'s trusted CAs); turns TLS on.'),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional().describe('Name the Temporal frontend\'s certificate must carry, when it differs from the TEMPORAL_ADDRESS host (SNI and verification); turns TLS on.'),
  TEMPORAL_API_KEY: z.string().min(1).optional().describe('API key for Temporal Cloud (sent as a bearer token, over TLS).'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional().describe('Path of the `temporal` CLI used for the embedded dev server.'),
  TAIZHANG_WORKFLOW_THREADS: z.coerce.number().int().min(1).max(64).default(2).describe('Threads the worker runs workflow code on (the SDK default is 4; 2 measured best on a 2-core machine).'),
  TAIZHANG_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(300).describe('Workflows the worker keeps in memory; an evicted one replays from its history on its next timer or command, so memory stays flat however many are open.'),
  TAIZHANG_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).max(1000).default(40).describe('Workflow tasks the worker runs at once.'),
  TAIZHANG_ACTIVITY_TASK_SLOTS: z.coerce.number().int().min(1).max(1000).default(100).describe('Activities (and local activities: appends) the worker runs at once.'),
  TAIZHANG_WORKER_METRICS_ADDRESS: metricsAddress
    .default('127.0.0.1:0')
    .describe('`host:port` where the worker serves its metrics at /metrics (its own and the Temporal SDK\'s, Prometheus text); port 0 takes a free one. The worker writes the URL to DATA_DIR/run/worker-metrics.json, where the API finds it; `off` serves none.'),
  TAIZHANG_SDK_METRICS_ADDRESS: metricsAddress
    .default('127.0.0.1:0')
    .describe('`host:port` of the Temporal SDK\'s own Prometheus exporter in the worker (workflow task latency, sticky cache, slots), which the worker\'s /metrics includes; port 0 takes a free loopback port; `off` runs none.'),
  TAIZHANG_WORKER_METRICS_URL: z
    .string()
    .refine((v) => v === 'off' || URL.canParse(v), 'must be an absolute URL or off')
    .optional()
    .describe('Where the API\'s /metrics reads the worker\'s metrics to append them (default: the URL the worker wrote to DATA_DIR/run/worker-metrics.json; `off`: the API\'s own only).'),
  TAIZHANG_METRICS_TOKEN: randomToken()
    .optional()
    .describe('Bearer token the API\'s /metrics requires; without it /metrics is open like /healthz (it holds counts and latencies, never personal data).'),
  EVENTSTORE_URL: z
    .string()
    .regex(/^(esdb|kurrentdb|esdb\+discover|kurrentdb\+discover|kdb|kdb\+discover|postgres|postgresql):\/\//, 'must be a KurrentDB connection string (esdb://… or kurrentdb://…) or a PostgreSQL URL (postgres://…)')
    .optional()
    .describe('Use the event store at this URL instead of the SQLite one: PostgreSQL (postgres://user:password@host:5432/database) or KurrentDB/EventStoreDB (esdb://…).'),
  TAIZHANG_NODE: z
    .string()
    .regex(/^[\w.-]{1,40}$/, 'must be 1–40 letters, digits, dots, dashes or underscores')
    .optional()
    .describe('Name of this node in a cluster sharing a PostgreSQL event store (default: the host name); the PostgreSQL session holding a single-writer lease (outbox, chain, schedules) carries it in `application_name`.'),
  EVENTSTORE_MAX_EVENT_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024).describe('Largest event (data + metadata, bytes) the store accepts.'),
  TAIZHANG_TOKENS: z.string().optional().describe('API tokens as `actor:role:token` entries separated by commas.'),
  TAIZHANG_TOKEN: z.string().optional().describe('Token the CLI sends: the CLI acts as its person and role (`--as` picks a local token from DATA_DIR/tokens.json instead; with neither the CLI refuses).'),
  TAIZHANG_TOKENS_FILE: z.string().optional().describe('JSON file of API tokens `[{ "token", "role", "actor" }]`; the embedded stack writes DATA_DIR/tokens.json when no tokens are configured.'),
  TAIZHANG_POLICY: z
    .enum(['default', 'seed-001', 'compressed'], { message: 'must be one of default, seed-001, compressed' })
    .default('default')
    .describe('Shipped policy profile: `default` (the tiers of docs/domain.md), `seed-001` (enquiry 10 minutes, every complaint half a working day), `compressed` (seconds, for demos).'),
  TAIZHANG_POLICY_FILE: z.string().optional().describe('JSON policy file (SLA targets, escalation ladder, enquiry target, business hours); overrides TAIZHANG_POLICY.'),
  TAIZHANG_TIME_ZONE: z.string().default('Asia/Shanghai').describe('IANA time zone of business hours and of displayed instants.'),
  TAIZHANG_HOLIDAYS_FILE: z.string().optional().describe('JSON file of extra holidays and make-up working days for years past the built-in calendar data.'),
  NOTIFY_CHANNEL: z.enum(['log', 'smtp', 'webhook'], { message: 'must be one of log, smtp, webhook' }).default('log').describe('Where warnings and escalations are sent: the log, e-mail over SMTP, or a webhook.'),
  SMTP_URL: z.string().regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL').optional().describe('SMTP server for NOTIFY_CHANNEL=smtp, e.g. smtp://user:pass@mail.example.com:587.'),
  SMTP_FROM: z.string().min(3).default('taizhang <noreply@localhost>').describe('Sender of notification e-mails.'),
  NOTIFY_WEBHOOK_URL: z.url({ message: 'must be an absolute URL' }).optional().describe('Webhook that receives notifications as JSON for NOTIFY_CHANNEL=webhook.'),
  TAIZHANG_DIRECTORY_FILE: z
    .string()
    .optional()
    .describe('JSON staff directory `{ "staff": [{ "id", "name", "roles": [...], "department", "supervisor", "manager", "email" }] }`: local tokens per person, escalations up each owner\'s chain, e-mail addresses. The embedded stack uses policies/demo-directory.json without it.'),
  TAIZHANG_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(600).describe('API requests per minute per token (or address); 0 turns the limit off.'),
  TAIZHANG_COMMAND_KEYS: z
    .string()
    .optional()
    .describe('Keys (32 random bytes in base64, comma-separated; the first signs, all verify) with which the API signs the metadata of every command and the worker checks it; shared by API and worker only. Default: DATA_DIR/keys/command-key, generated once (0600).'),
  TAIZHANG_PAYLOAD_KEYS: z
    .string()
    .optional()
    .describe('AES-256-GCM keys (base64, comma-separated; the first encrypts, all decrypt) of the Temporal payload codec: workflow inputs, results and histories are stored encrypted. Default: DATA_DIR/keys/payload-key, generated once (0600).'),
  TAIZHANG_CUSTOMER_KEYS_FILE: z
    .string()
    .optional()
    .describe('SQLite file of the per-customer data keys (default DATA_DIR/customer-keys.db); the API and the worker must use the same one (a volume both mount, on one host).'),
  TAIZHANG_DATA_KEY_WRAP_KEY: z
    .string()
    .optional()
    .describe('AES-256-GCM key (base64) that wraps the per-customer data keys kept in DATA_DIR/customer-keys.db. Default: DATA_DIR/keys/wrap-key, generated once (0600).'),
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(100000).default(500).describe('Events the projector applies per transaction.'),
  PROJECTOR_POLL_MS: z.coerce.number().int().min(1).max(10000).default(20).describe('How often the projector polls the SQLite event store for new events (ms).'),
} as const;

export type EnvName = keyof typeof ENV_SCHEMA;
const envSchema = z.object(ENV_SCHEMA);
type RawConfig = z.infer<typeof envSchema>;

export interface Config extends RawConfig {
  dataDir: string;
  eventsDbPath: string;
  ledgerDbPath: string;
  temporalDbPath: string;
  notificationsDbPath: string;
  auditDbPath: string;
  /** DATA_DIR/link-secret: the survey links' secret when TAIZHANG_LINK_SECRET is not set. */
  linkSecretPath: string;
  /** DATA_DIR/keys: the generated command, payload and wrapping keys when none are configured. */
  keysDir: string;
  /** DATA_DIR/customer-keys.db: the per-customer data keys (crypto-shredding destroys one to erase a customer). */
  customerKeysDbPath: string;
  /** DATA_DIR/run/worker-metrics.json: where the worker says where its metrics are, for the API on the same host. */
  workerMetricsFile: string;
  tokens: TokenEntry[];
  apiUrl: string;
  /** The base of survey links: TAIZHANG_PUBLIC_URL, else the API URL. */
  publicUrl: string;
  temporalAddress: string;
  embeddedTemporal: boolean;
}

/** The event store the configuration names (KurrentDB with EVENTSTORE_URL, else DATA_DIR/events.db). */
export const eventStoreOptions = (config: Pick<Config, 'EVENTSTORE_URL' | 'EVENTSTORE_MAX_EVENT_BYTES' | 'eventsDbPath' | 'PROJECTOR_POLL_MS'>, readonly = false) => ({
  url: config.EVENTSTORE_URL,
  file: config.eventsDbPath,
  maxEventBytes: config.EVENTSTORE_MAX_EVENT_BYTES,
  pollIntervalMs: config.PROJECTOR_POLL_MS,
  readonly: readonly && !config.EVENTSTORE_URL,
});

/** The event store a configuration names, for people: PostgreSQL or KurrentDB by EVENTSTORE_URL's scheme, else SQLite. */
export const eventStoreName = (url: string | undefined): 'PostgreSQL' | 'KurrentDB' | 'SQLite' => (!url ? 'SQLite' : /^postgres(?:ql)?:\/\//i.test(url) ? 'PostgreSQL' : 'KurrentDB');

/** The Web UI origins the codec endpoint answers cross-origin (TAIZHANG_UI_ORIGIN, else the embedded UI's). */
export function uiOrigins(config: Pick<Config, 'TAIZHANG_UI_ORIGIN' | 'TEMPORAL_UI_PORT'>): string[] {
  if (config.TAIZHANG_UI_ORIGIN) return config.TAIZHANG_UI_ORIGIN.split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean);
  return [`http://127.0.0.1:${config.TEMPORAL_UI_PORT}`, `http://localhost:${config.TEMPORAL_UI_PORT}`];
}

/** The display time zone (TAIZHANG_TIME_ZONE) with its current UTC offset: the one place instants shown to people, KPI periods and exports take their zone from. */
export function displayZone(config: Pick<Config, 'TAIZHANG_TIME_ZONE'>, at = new Date()): { name: string; offsetMinutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: config.TAIZHANG_TIME_ZONE, timeZoneName: 'longOffset' }).formatToParts(at);
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(parts.find((p) => p.type === 'timeZoneName')?.value ?? '');
  const offsetMinutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
  return { name: config.TAIZHANG_TIME_ZONE, offsetMinutes };
}

/**
 * What signs and prefixes the personal survey links: the API (which reads them) and the worker (whose notification
 * dispatcher writes them) must agree. Without TAIZHANG_LINK_SECRET the secret is generated once into DATA_DIR/link-secret.
 */
export function surveyLinkSettings(config: Pick<Config, 'TAIZHANG_LINK_SECRET' | 'linkSecretPath' | 'publicUrl'>): { secret: string; baseUrl: string } {
  return { secret: config.TAIZHANG_LINK_SECRET ?? secretFromFile(config.linkSecretPath), baseUrl: config.publicUrl };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly rule: string,
  ) {
    super(`configuration: ${variable} ${rule}`);
    this.name = 'ConfigError';
  }
}

function parseTokens(inline: string | undefined): TokenEntry[] {
  if (!inline) return [];
  return inline
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [actor, role, ...rest] = entry.split(':');
      const parsed = tokenEntry.safeParse({ actor, role, token: rest.join(':') });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ConfigError('TAIZHANG_TOKENS', `entry ${i + 1} (${actor ?? ''}): ${issue.path.join('.')} ${issue.message}`);
      }
      return parsed.data;
    });
}

export function parseTokenFile(text: string, source: string): TokenEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(source, 'is not valid JSON');
  }
  const parsed = z.array(tokenEntry).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(source, `[${issue.path.join('.')}] ${issue.message}`);
  }
  return parsed.data;
}

/** Reads and validates the environment; throws ConfigError naming the variable and the rule. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, readFile: (p: string) => string = defaultReadFile): Config {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(ENV_SCHEMA)) {
    const v = env[name];
    input[name] = v === '' ? undefined : v;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const raw = parsed.data;
  if (!isValidTimeZone(raw.TAIZHANG_TIME_ZONE)) throw new ConfigError('TAIZHANG_TIME_ZONE', 'must be an IANA time zone such as Asia/Shanghai');
  if (raw.NOTIFY_CHANNEL === 'smtp' && !raw.SMTP_URL) throw new ConfigError('SMTP_URL', 'is required when NOTIFY_CHANNEL=smtp');
  if (raw.NOTIFY_CHANNEL === 'webhook' && !raw.NOTIFY_WEBHOOK_URL) throw new ConfigError('NOTIFY_WEBHOOK_URL', 'is required when NOTIFY_CHANNEL=webhook');
  checkTemporalTls(raw);
  const dataDir = path.resolve(raw.DATA_DIR);
  let tokens = parseTokens(raw.TAIZHANG_TOKENS);
  if (raw.TAIZHANG_TOKENS_FILE) {
    let text: string;
    try {
      text = readFile(path.resolve(raw.TAIZHANG_TOKENS_FILE));
    } catch {
      throw new ConfigError('TAIZHANG_TOKENS_FILE', `cannot be read (${raw.TAIZHANG_TOKENS_FILE})`);
    }
    tokens = tokens.concat(parseTokenFile(text, 'TAIZHANG_TOKENS_FILE'));
  }
  const apiUrl = raw.PUBLIC_URL ?? `http://${raw.HOST === '0.0.0.0' ? '127.0.0.1' : raw.HOST}:${raw.PORT}`;
  const seen = new Set<string>();
  for (const t of tokens) {
    if (seen.has(t.token)) throw new ConfigError('TAIZHANG_TOKENS', `token of ${t.actor} is used twice`);
    seen.add(t.token);
  }
  return {
    ...raw,
    dataDir,
    eventsDbPath: path.join(dataDir, 'events.db'),
    ledgerDbPath: path.join(dataDir, 'ledger.db'),
    temporalDbPath: path.join(dataDir, 'temporal.db'),
    notificationsDbPath: path.join(dataDir, 'notifications.db'),
    auditDbPath: path.join(dataDir, 'audit.db'),
    linkSecretPath: path.join(dataDir, 'link-secret'),
    keysDir: path.join(dataDir, 'keys'),
    customerKeysDbPath: raw.TAIZHANG_CUSTOMER_KEYS_FILE ? path.resolve(raw.TAIZHANG_CUSTOMER_KEYS_FILE) : path.join(dataDir, 'customer-keys.db'),
    workerMetricsFile: path.join(dataDir, 'run', 'worker-metrics.json'),
    tokens,
    apiUrl,
    publicUrl: raw.TAIZHANG_PUBLIC_URL ?? apiUrl,
    temporalAddress: raw.TEMPORAL_ADDRESS ?? `127.0.0.1:${raw.TEMPORAL_PORT}`,
    embeddedTemporal: !raw.TEMPORAL_ADDRESS,
  };
}

/** The TLS settings of a Temporal connection, which only a real cluster (TEMPORAL_ADDRESS) can use. */
export const TEMPORAL_TLS_VARIABLES = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;

/**
 * A client certificate comes with its key (mTLS needs both); TLS settings need TEMPORAL_ADDRESS, since the embedded dev
 * server listens in plain gRPC on 127.0.0.1 and a TLS handshake with it would only fail later, less clearly.
 */
function checkTemporalTls(raw: Pick<RawConfig, (typeof TEMPORAL_TLS_VARIABLES)[number] | 'TEMPORAL_ADDRESS'>): void {
  if (raw.TEMPORAL_TLS_CERT && !raw.TEMPORAL_TLS_KEY) throw new ConfigError('TEMPORAL_TLS_KEY', 'is required with TEMPORAL_TLS_CERT (the client certificate\'s private key)');
  if (raw.TEMPORAL_TLS_KEY && !raw.TEMPORAL_TLS_CERT) throw new ConfigError('TEMPORAL_TLS_CERT', 'is required with TEMPORAL_TLS_KEY (the client certificate)');
  const set = TEMPORAL_TLS_VARIABLES.find((name) => raw[name]);
  if (set && !raw.TEMPORAL_ADDRESS) throw new ConfigError(set, 'needs TEMPORAL_ADDRESS (the embedded dev server has no TLS)');
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function defaultReadFile(p: string): string {
  return readFileSync(p, 'utf8');
}

/** Markdown table of the variables, for the README. */
export function configTable(): string {
  const rows = Object.entries(ENV_SCHEMA).map(([name, schema]) => {
    const def = (schema as z.ZodType).safeParse(undefined);
    const shown = def.success && def.data !== undefined ? `\`${String(def.data)}\`` : '—';
    return `| \`${name}\` | ${shown} | ${(schema as z.ZodType).description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export type { Role };
