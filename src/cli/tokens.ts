import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseTokenFile, type TokenEntry } from '../config/config';
import { ROLES } from '../domain/roles';

/** DATA_DIR/tokens.json: one token per role for the embedded stack when none are configured. */
export const tokensFile = (dataDir: string): string => path.join(dataDir, 'tokens.json');

export function ensureLocalTokens(dataDir: string): { file: string; tokens: TokenEntry[]; created: boolean } {
  const file = tokensFile(dataDir);
  if (existsSync(file)) return { file, tokens: parseTokenFile(readFileSync(file, 'utf8'), file), created: false };
  mkdirSync(dataDir, { recursive: true });
  const tokens = ROLES.map((role) => ({ actor: `local-${role}`, role, token: `tz_${role}_${randomBytes(18).toString('base64url')}` }));
  writeFileSync(file, JSON.stringify(tokens, null, 2) + '\n', { mode: 0o600 });
  return { file, tokens, created: true };
}

export function localToken(dataDir: string, role: string): string | undefined {
  const file = tokensFile(dataDir);
  if (!existsSync(file)) return undefined;
  return parseTokenFile(readFileSync(file, 'utf8'), file).find((t) => t.role === role)?.token;
}
