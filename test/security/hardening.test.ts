import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportLedger } from '../../src/audit/export';
import { ConfigError, loadConfig } from '../../src/config/config';
import { ROOT } from '../../src/config/tools';
import { customersLedger } from '../../src/processes/customer/ledger';
import { securePrivateDir, writePrivateFile } from '../../src/support/private-files';
import { connectClient, connectWorker, temporalConnectionOptions } from '../../src/temporal';
import { testLogger } from '../support/temporal';
import { tempDir } from '../support/store';

/** Permission bits only. */
const modeOf = (p: string) => statSync(p).mode & 0o777;

const dirs: Array<{ cleanup: () => void }> = [];
const fresh = (prefix: string) => {
  const t = tempDir(prefix);
  dirs.push(t);
  return t.dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

/** The test process keeps the usual umask (022), so what is owner-only here is so because the code made it so. */
describe('owner-only files', () => {
  it('an existing DATA_DIR written 0755/0644 by an earlier run is tightened, all the way down; symlinks are left alone', () => {
    const dir = path.join(fresh('taizhang-private-'), 'data');
    mkdirSync(path.join(dir, 'run'), { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, 'events.db'), 'x', { mode: 0o644 });
    writeFileSync(path.join(dir, 'run', 'api.pid'), '1', { mode: 0o664 });
    const outside = path.join(path.dirname(dir), 'outside.txt');
    writeFileSync(outside, 'y', { mode: 0o644 });
    symlinkSync(outside, path.join(dir, 'link'));

    expect(securePrivateDir(dir)).toEqual([]);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(path.join(dir, 'run'))).toBe(0o700);
    expect(modeOf(path.join(dir, 'events.db'))).toBe(0o600);
    expect(modeOf(path.join(dir, 'run', 'api.pid'))).toBe(0o600);
    expect(modeOf(outside), 'a symlink target outside DATA_DIR').toBe(0o644);
  });

  it('a missing DATA_DIR is created 0700', () => {
    const dir = path.join(fresh('taizhang-private-'), 'a', 'data');
    securePrivateDir(dir);
    expect(modeOf(dir)).toBe(0o700);
  });

  it('a file written privately is 0600, also when it existed world-readable', () => {
    const file = path.join(fresh('taizhang-private-'), 'export.csv');
    writeFileSync(file, 'old', { mode: 0o644 });
    writePrivateFile(file, '客户,电话\r\n');
    expect(modeOf(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('客户,电话\r\n');
  });

  it('ledger exports (CSV and Excel) are written 0600', async () => {
    const dir = fresh('taizhang-export-mode-');
    const rows = [{ customer_id: 'C1', name: '张三', phone: '13800138000', grade: 'A' }];
    for (const format of ['csv', 'xlsx'] as const) {
      const out = path.join(dir, `customers.${format}`);
      writeFileSync(out, 'an earlier export', { mode: 0o644 });
      const r = await exportLedger(rows, customersLedger, { format, out, role: 'admin' });
      expect(r.rows).toBe(1);
      expect(modeOf(out), format).toBe(0o600);
      expect(readFileSync(out).length).toBeGreaterThan(20);
    }
  });

  it('a service started as its own process makes DATA_DIR 0700 and creates its files 0600 (umask 077)', async () => {
    const dir = path.join(fresh('taizhang-projector-mode-'), 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(path.join(dir, 'left-over.log'), 'from an earlier run', { mode: 0o644 });
    const env = { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn', EVENTSTORE_URL: '', TAIZHANG_TOKENS: '', TAIZHANG_TOKENS_FILE: '' };
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'main', 'projector.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!(existsSync(path.join(dir, 'ledger.db')) && existsSync(path.join(dir, 'events.db')))) {
        if (proc.exitCode !== null) throw new Error(`projector exited ${proc.exitCode}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`no ledger.db after 30 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(modeOf(dir)).toBe(0o700);
      expect(modeOf(path.join(dir, 'left-over.log'))).toBe(0o600);
      expect(modeOf(path.join(dir, 'ledger.db'))).toBe(0o600);
      expect(modeOf(path.join(dir, 'events.db'))).toBe(0o600);
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});

describe('Temporal connection options (TLS, mTLS, Temporal Cloud)', () => {
  const remote = { TEMPORAL_ADDRESS: 'temporal.example.com:7233' };
  const pems = () => {
    const dir = fresh('taizhang-tls-');
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    return {
      ca: file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n'),
      cert: file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n'),
      key: file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n'),
      dir,
    };
  };

  it('the embedded dev server: plain gRPC, nothing else', () => {
    expect(temporalConnectionOptions(loadConfig({}))).toEqual({ address: '127.0.0.1:7233' });
  });

  it('mTLS: the client certificate and key, the CA and the server name, read from the files named', () => {
    const f = pems();
    const o = temporalConnectionOptions(loadConfig({ ...remote, TEMPORAL_TLS_CERT: f.cert, TEMPORAL_TLS_KEY: f.key, TEMPORAL_TLS_CA: f.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }));
    expect(o.address).toBe('temporal.example.com:7233');
    expect(o.apiKey).toBeUndefined();
    const tls = o.tls as Exclude<typeof o.tls, true | undefined>;
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toBe(readFileSync(f.ca, 'utf8'));
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe(readFileSync(f.cert, 'utf8'));
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toBe(readFileSync(f.key, 'utf8'));
  });

  it('TLS with the system CAs for a server name alone; Temporal Cloud: an API key over TLS', () => {
    expect(temporalConnectionOptions(loadConfig({ ...remote, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }))).toEqual({
      address: 'temporal.example.com:7233',
      tls: { serverNameOverride: 'temporal.internal' },
    });
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'cloud-api-key' }))).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      apiKey: 'cloud-api-key',
    });
  });

  it('a file that cannot be read stops start-up naming its variable', () => {
    const f = pems();
    const attempt = (env: Record<string, string>) => {
      try {
        temporalConnectionOptions(loadConfig({ ...remote, ...env }));
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    const ca = attempt({ TEMPORAL_TLS_CA: path.join(f.dir, 'none.pem') });
    expect(ca).toBeInstanceOf(ConfigError);
    expect(ca.variable).toBe('TEMPORAL_TLS_CA');
    expect(ca.message).toBe(`configuration: TEMPORAL_TLS_CA cannot be read (${path.join(f.dir, 'none.pem')}: ENOENT)`);
    expect(attempt({ TEMPORAL_TLS_CERT: f.cert, TEMPORAL_TLS_KEY: path.join(f.dir, 'none.key') }).variable).toBe('TEMPORAL_TLS_KEY');
    expect(attempt({ TEMPORAL_TLS_CERT: path.join(f.dir, 'none.pem'), TEMPORAL_TLS_KEY: f.key }).variable).toBe('TEMPORAL_TLS_CERT');
  });

  /**
   * The first bytes the client and the worker send to a listener that answers nothing: a TLS ClientHello (record type
   * 0x16) naming the server in its SNI when TLS is configured, the HTTP/2 preface of plain gRPC when it is not.
   */
  const firstBytes = async (env: Record<string, string>, connect: 'client' | 'worker'): Promise<Buffer> => {
    let received: (b: Buffer) => void;
    const got = new Promise<Buffer>((r) => (received = r));
    const server = createServer((socket) => socket.once('data', (d: Buffer) => (received(d), socket.destroy())));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const config = loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${(server.address() as AddressInfo).port}`, ...env });
    try {
      const attempt = connect === 'client' ? connectClient(config, testLogger, 300).then((c) => c.connection) : connectWorker(config, testLogger, 300);
      attempt.then((c) => void c.close(), () => undefined);
      return await got;
    } finally {
      server.close();
    }
  };

  it('the client and the worker really speak TLS when it is configured, with the server name as SNI', async () => {
    for (const connect of ['client', 'worker'] as const) {
      const tls = await firstBytes({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }, connect);
      expect(tls[0], `${connect}: a TLS handshake record`).toBe(0x16);
      expect(tls.includes(Buffer.from('temporal.internal')), `${connect}: SNI`).toBe(true);
      const plain = await firstBytes({}, connect);
      expect(plain.subarray(0, 14).toString(), `${connect}: plain HTTP/2`).toBe('PRI * HTTP/2.0');
    }
  });
});
