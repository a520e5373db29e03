import { describe, expect, it } from 'vitest';
import { ConfigError, configTable, ENV_SCHEMA, loadConfig } from '../src/config/config';
import { createLogger, redact } from '../src/config/logger';

const fail = (env: Record<string, string>, readFile?: (p: string) => string) => {
  try {
    loadConfig(env, readFile);
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

/** Tokens as `openssl rand -base64 32` makes them. */
const LI = 'q8Yc0b3kP2vT9mXr+J6dLw1sHn5Ge7Ua4ZfRi2Ko0Bc=';
const WANG = 'Zt3mW9pQ1xL7cV5bN8rK2hJ6dF4sG0aE+yU1iO3eRw=';

describe('configuration', () => {
  it('defaults give the embedded stack', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, embeddedTemporal: true, temporalAddress: '127.0.0.1:7233', TEMPORAL_UI_PORT: 8233, tokens: [] });
    expect(c.eventsDbPath.endsWith('data/events.db')).toBe(true);
  });
  it('a wrong value names the variable and the rule', () => {
    expect(fail({ PORT: 'abc' })).toMatchObject({ variable: 'PORT' });
    expect(fail({ EVENTSTORE_URL: 'http://x' }).message).toContain('EVENTSTORE_URL must be a KurrentDB connection string');
    expect(fail({ TEMPORAL_ADDRESS: 'nohost' }).message).toBe('configuration: TEMPORAL_ADDRESS must be host:port');
    expect(fail({ TAIZHANG_TOKENS: 'bob:emperor:0123456789abcdef0123456789abcdef' }).variable).toBe('TAIZHANG_TOKENS');
    expect(fail({ TAIZHANG_TOKENS: 'bob:agent:short' }).message).toContain('at least 32 characters');
    expect(fail({ TAIZHANG_TIME_ZONE: 'Mars/Olympus' }).variable).toBe('TAIZHANG_TIME_ZONE');
  });
  it('reads tokens inline and from a file', () => {
    const c = loadConfig({ TAIZHANG_TOKENS: `li:agent:${LI}`, TAIZHANG_TOKENS_FILE: 't.json' }, () => JSON.stringify([{ actor: 'wang', role: 'auditor', token: WANG }]));
    expect(c.tokens.map((t) => `${t.actor}:${t.role}`)).toEqual(['li:agent', 'wang:auditor']);
  });
  it('a configured token has at least 32 characters and is random, the metrics token too', () => {
    expect(fail({ TAIZHANG_TOKENS: 'li:agent:0123456789abcdef0123456789a' }).message).toBe('configuration: TAIZHANG_TOKENS entry 1 (li): token must be at least 32 characters');
    expect(fail({ TAIZHANG_TOKENS: `li:agent:${LI},bob:admin:${'ab'.repeat(20)}` }).message).toMatch(/^configuration: TAIZHANG_TOKENS entry 2 \(bob\): token must be random \(at least 10 different characters\)/);
    expect(fail({ TAIZHANG_TOKENS_FILE: 't.json' }, () => JSON.stringify([{ actor: 'wang', role: 'auditor', token: 'fedcba9876543210' }])).message).toBe(
      'configuration: TAIZHANG_TOKENS_FILE [0.token] must be at least 32 characters',
    );
    expect(fail({ TAIZHANG_METRICS_TOKEN: 'metrics-token-0123' }).message).toBe('configuration: TAIZHANG_METRICS_TOKEN must be at least 32 characters');
    expect(loadConfig({ TAIZHANG_TOKENS: `li:agent:${LI}`, TAIZHANG_METRICS_TOKEN: WANG }).tokens).toEqual([{ actor: 'li', role: 'agent', token: LI }]);
  });
  it('Temporal TLS settings: a certificate with its key, and only for TEMPORAL_ADDRESS', () => {
    const remote = { TEMPORAL_ADDRESS: 'temporal.example.com:7233' };
    expect(fail({ ...remote, TEMPORAL_TLS_CERT: 'client.pem' }).message).toBe("configuration: TEMPORAL_TLS_KEY is required with TEMPORAL_TLS_CERT (the client certificate's private key)");
    expect(fail({ ...remote, TEMPORAL_TLS_KEY: 'client.key' }).variable).toBe('TEMPORAL_TLS_CERT');
    expect(fail({ TEMPORAL_TLS_CA: 'ca.pem' }).message).toBe('configuration: TEMPORAL_TLS_CA needs TEMPORAL_ADDRESS (the embedded dev server has no TLS)');
    expect(fail({ TEMPORAL_API_KEY: 'key' }).variable).toBe('TEMPORAL_API_KEY');
    expect(loadConfig({ ...remote, TEMPORAL_TLS_CERT: 'client.pem', TEMPORAL_TLS_KEY: 'client.key', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).toMatchObject({
      TEMPORAL_TLS_CERT: 'client.pem',
      TEMPORAL_TLS_KEY: 'client.key',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      embeddedTemporal: false,
    });
  });
  it('TEMPORAL_ADDRESS switches off the embedded server', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' })).toMatchObject({ embeddedTemporal: false, temporalAddress: 'temporal:7233' });
  });
  it('the README documents every variable', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(ENV_SCHEMA)) expect(readme, `README lacks ${name}`).toContain(`\`${name}\``);
    expect(configTable().split('\n')).toHaveLength(Object.keys(ENV_SCHEMA).length + 2);
  });
});

describe('logs', () => {
  it('never carry personal data', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
    logger.info({ data: { name: 'x', phone: '13800138000', contact: { email: 'a@b.cn', address: '上海市浦东新区' } }, headers: { authorization: 'Bearer secret-token-123' } }, 'hello');
    const out = lines.join('');
    for (const secret of ['13800138000', 'a@b.cn', '上海市浦东新区', 'secret-token-123']) expect(out).not.toContain(secret);
    expect(redact({ phone: '1' })).toEqual({ phone: '[redacted]' });
  });
});
