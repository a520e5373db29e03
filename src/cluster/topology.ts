import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { ROOT } from '../config/tools';

/**
 * The cluster on one machine: two nodes, node-a on 127.0.0.1 and node-b on 127.0.0.2 (the whole of 127/8 is loopback
 * on Linux), each with the same ports on its own address, as two hosts would have. Each node runs a Temporal server
 * (all four services; the two find each other through the `cluster_membership` table of their shared PostgreSQL
 * database, no seeds), a worker, a projector with its own SQLite ledger replica, and an API. PostgreSQL holds
 * Temporal's persistence and visibility and the event store. One Temporal Web UI, on node-a.
 */
export const NODE_NAMES = ['node-a', 'node-b'] as const;
export type NodeName = (typeof NODE_NAMES)[number];

export interface NodeTopology {
  name: NodeName;
  ip: string;
  temporal: { grpc: number; http: number; history: number; matching: number; worker: number; membership: { frontend: number; history: number; matching: number; worker: number } };
  apiPort: number;
  apiUrl: string;
  temporalAddress: string;
  dataDir: string;
}

export interface Topology {
  dir: string;
  /** Names of the three databases this cluster owns on the PostgreSQL server (`<prefix>_temporal`, …). */
  databases: { temporal: string; visibility: string; events: string };
  nodes: NodeTopology[];
  ui: { port: number; url: string };
  pg: { host: string; port: number; user: string; password: string; url: (database: string) => string };
}

/**
 * Ports from a base: Temporal's gRPC ports at base+0…4, its membership ports at base+10…13, the API at base+100 and
 * the Web UI at base+200 (node-a only). The default base 7300 keeps clear of `npm start` (3000, 7233, 8233).
 */
/** Ports a cluster uses above its base, on each node's address. */
export const PORT_OFFSETS = [0, 1, 2, 3, 4, 10, 11, 12, 13, 100, 200] as const;
const PORT_SPAN = 200;

/** Why a port base cannot be used, if it cannot: Temporal records membership ports in a smallint column, so the whole block stays below 32768. */
export const portBaseProblem = (base: number): string | undefined =>
  Number.isInteger(base) && base >= 1024 && base + PORT_SPAN <= 32767 ? undefined : `the cluster's port base must be an integer from 1024 to ${32767 - PORT_SPAN} (got ${base})`;

export function topology(options: { dir: string; pgUrl: string; portBase?: number; databasePrefix?: string }): Topology {
  const base = options.portBase ?? 7300;
  const problem = portBaseProblem(base);
  if (problem) throw new Error(problem);
  const prefix = options.databasePrefix ?? 'taizhang_cluster';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`database prefix "${prefix}" must be lowercase letters, digits and _`);
  const pg = new URL(options.pgUrl);
  if (!/^postgres(ql)?:$/.test(pg.protocol)) throw new Error(`PG_URL must be a postgres:// URL, got ${pg.protocol}`);
  const nodes = NODE_NAMES.map((name, i): NodeTopology => {
    const ip = `127.0.0.${i + 1}`;
    return {
      name,
      ip,
      temporal: { grpc: base, http: base + 1, history: base + 2, matching: base + 3, worker: base + 4, membership: { frontend: base + 10, history: base + 11, matching: base + 12, worker: base + 13 } },
      apiPort: base + 100,
      apiUrl: `http://${ip}:${base + 100}`,
      temporalAddress: `${ip}:${base}`,
      dataDir: path.join(options.dir, name),
    };
  });
  const url = (database: string) => {
    const u = new URL(options.pgUrl);
    u.pathname = `/${database}`;
    return u.toString();
  };
  return {
    dir: options.dir,
    databases: { temporal: `${prefix}_temporal`, visibility: `${prefix}_visibility`, events: `${prefix}_events` },
    nodes,
    ui: { port: base + 200, url: `http://127.0.0.1:${base + 200}` },
    pg: { host: pg.hostname, port: Number(pg.port || 5432), user: decodeURIComponent(pg.username), password: decodeURIComponent(pg.password), url },
  };
}

/**
 * A node's Temporal server configuration (the server's own format, as in its development-postgres12.yaml): both nodes
 * name the same databases, so they form one cluster; each binds and advertises its own address.
 */
export function temporalServerConfig(t: Topology, node: NodeTopology, dynamicConfigFile: string): string {
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${t.pg.host}:${t.pg.port}`,
      connectProtocol: 'tcp',
      user: t.pg.user,
      password: t.pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnIP: node.ip, ...extra } });
  return stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      // Fixed when the cluster is first created; 4 shards share out over two nodes.
      numHistoryShards: 4,
      datastores: { default: sql(t.databases.temporal, 10), visibility: sql(t.databases.visibility, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: node.ip } },
    services: {
      frontend: rpc(node.temporal.grpc, node.temporal.membership.frontend, { httpPort: node.temporal.http }),
      history: rpc(node.temporal.history, node.temporal.membership.history),
      matching: rpc(node.temporal.matching, node.temporal.membership.matching),
      worker: rpc(node.temporal.worker, node.temporal.membership.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: node.temporalAddress } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  });
}

/**
 * Dynamic configuration both nodes read. One task-queue partition, as the embedded dev server runs (a small cluster
 * gains nothing from four, and a poller on one partition cannot miss a task on another); shards are acquired every 10 s
 * instead of every minute, which shortens the takeover after a node is killed.
 */
export const DYNAMIC_CONFIG = stringify({
  'matching.numTaskqueueReadPartitions': [{ value: 1 }],
  'matching.numTaskqueueWritePartitions': [{ value: 1 }],
  'history.acquireShardInterval': [{ value: '10s' }],
  'limit.maxIDLength': [{ value: 255 }],
});

/** The Web UI's configuration (its server's own format): node-a's frontend, payloads decoded by node-a's API. */
export function uiServerConfig(t: Topology): string {
  const a = t.nodes[0]!;
  return stringify({
    temporalGrpcAddress: a.temporalAddress,
    host: '127.0.0.1',
    port: t.ui.port,
    enableUi: true,
    defaultNamespace: 'default',
    refreshInterval: '1m',
    notifyOnNewVersion: false,
    cors: { allowOrigins: [t.ui.url], cookieInsecure: true },
    codec: { endpoint: `${a.apiUrl}/codec`, passAccessToken: false, includeCredentials: true },
    forwardHeaders: [],
  });
}

/** Built by `node scripts/setup.mjs --for-cluster` into .tools (recorded in .tools/tools.json). */
export interface ClusterTools {
  server: string;
  sql: string;
  ui?: string;
}

export function clusterTools(): ClusterTools {
  const file = path.join(ROOT, '.tools', 'tools.json');
  const tools = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { temporalServer?: { server: string; sql: string; ui?: string } }) : {};
  if (!tools.temporalServer || !existsSync(tools.temporalServer.server) || !existsSync(tools.temporalServer.sql)) {
    throw new Error('the Temporal server is not built: run `node scripts/setup.mjs --for-cluster` (npm run cluster does)');
  }
  const { server, sql, ui } = tools.temporalServer;
  return { server, sql, ...(ui && existsSync(ui) ? { ui } : {}) };
}
