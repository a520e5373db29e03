import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseTokenFile, type TokenEntry } from '../config/config';
import type { Directory } from '../domain/directory';
import { ROLES } from '../domain/roles';

/** DATA_DIR/tokens.json: the embedded stack's local tokens, one per person of the staff directory. */
export const tokensFile = (dataDir: string): string => path.join(dataDir, 'tokens.json');

const newToken = (actor: string) => `tz_${actor.replace(/[^\w]/g, '')}_${randomBytes(18).toString('base64url')}`;

/**
 * Issues a token to every person of the directory who has none yet (acting in their first role), or, without a
 * directory, one per role. Tokens already issued are kept.
 */
export function ensureLocalTokens(dataDir: string, directory: Directory = { staff: [] }): { file: string; tokens: TokenEntry[]; created: boolean } {
  const file = tokensFile(dataDir);
  const existing = existsSync(file) ? parseTokenFile(readFileSync(file, 'utf8'), file) : [];
  const wanted: Array<Omit<TokenEntry, 'token'>> = directory.staff.length
    ? directory.staff.filter((m) => m.roles.length > 0).map((m) => ({ actor: m.id, role: m.roles[0]! }))
    : ROLES.map((role) => ({ actor: `local-${role}`, role }));
  const missing = wanted.filter((w) => !existing.some((t) => t.actor === w.actor && t.role === w.role));
  if (missing.length === 0 && existing.length) return { file, tokens: existing, created: false };
  const tokens = [...existing, ...missing.map((w) => ({ ...w, token: newToken(w.actor) }))];
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(tokens, null, 2) + '\n', { mode: 0o600 });
  return { file, tokens, created: true };
}

/** The local token of a person (actor id), else of the first person holding that role. */
export function localToken(dataDir: string, who: string): string | undefined {
  const file = tokensFile(dataDir);
  if (!existsSync(file)) return undefined;
  const tokens = parseTokenFile(readFileSync(file, 'utf8'), file);
  return (tokens.find((t) => t.actor === who) ?? tokens.find((t) => t.role === who))?.token;
}
