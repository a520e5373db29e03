import { describe, expect, it } from 'vitest';
import { ConfigError, configTable, ENV_SCHEMA, loadConfig } from '../src/config/config';
import { createLogger, redact } from '../src/config/logger';

const fail = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

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
    expect(fail({ TAIZHANG_TOKENS: 'bob:emperor:0123456789abcdef' }).variable).toBe('TAIZHANG_TOKENS');
    expect(fail({ TAIZHANG_TOKENS: 'bob:agent:short' }).message).toContain('at least 16 characters');
    expect(fail({ TAIZHANG_TIME_ZONE: 'Mars/Olympus' }).variable).toBe('TAIZHANG_TIME_ZONE');
  });
  it('reads tokens inline and from a file', () => {
    const c = loadConfig({ TAIZHANG_TOKENS: 'li:agent:0123456789abcdef', TAIZHANG_TOKENS_FILE: 't.json' }, () => JSON.stringify([{ actor: 'wang', role: 'auditor', token: 'fedcba9876543210' }]));
    expect(c.tokens.map((t) => `${t.actor}:${t.role}`)).toEqual(['li:agent', 'wang:auditor']);
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
