import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** The Prometheus text exposition format, as Prometheus scrapes it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `host:port` → its parts (a bracketed IPv6 host loses its brackets). */
export function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  if (i <= 0) throw new Error(`${address} is not host:port`);
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${address} has no valid port`);
  return { host, port };
}

/** A URL a client on this host reaches a server bound to `host:port` at (the wildcard addresses become loopback). */
export function localUrl(host: string, port: number, pathname = '/metrics'): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}${pathname}`;
}

/** A loopback port nobody listens on right now (the kernel's choice), for a server that cannot bind port 0 itself and tell. */
export async function freeLoopbackPort(host = '127.0.0.1'): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** Fetches another process's Prometheus text, or undefined when it does not answer in time. */
export async function fetchMetricsText(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return await res.text();
  } catch {
    return undefined;
  }
}

export interface MetricsServer {
  /** Where a client on this host scrapes it. */
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text from `render`) on `host:port`; port 0 takes a free one. */
export async function serveMetrics(address: string, render: () => Promise<string>): Promise<MetricsServer> {
  const { host, port } = parseAddress(address);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  const bound = server.address() as AddressInfo;
  return {
    url: localUrl(host, bound.port),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * Where a process tells others on its host where its metrics are (a file beside its data: DATA_DIR/run/…), so a
 * server on a free port is found without configuring one.
 */
export function announceMetrics(file: string, url: string): () => void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ url, pid: process.pid }) + '\n');
  renameSync(tmp, file);
  return () => {
    if (announcedMetrics(file) === url) rmSync(file, { force: true });
  };
}

/** The URL a process announced in `file`, if any. */
export function announcedMetrics(file: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown };
    return typeof parsed.url === 'string' ? parsed.url : undefined;
  } catch {
    return undefined;
  }
}
