import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTokenFile, type TokenEntry } from '../config/config';
import type { Directory } from '../domain/directory';
import { ROLES } from '../domain/roles';
import { writePrivateFile } from '../support/private-files';

/** DATA_DIR/tokens.json: the embedded stack's local tokens, one per person of the staff directory. */
export const tokensFile = (dataDir: string): string => path.join(dataDir, 'tokens.json');

/** 32 random bytes (43 base64url characters) after a readable prefix: the same rule as configured tokens, with room to spare. */
const newToken = (actor: string) => `tz_${actor.replace(/[^\w]/g, '')}_${randomBytes(32).toString('base64url')}`;

/**
 * The tokens a file holds that pass today's rule (MIN_TOKEN_LENGTH, randomness), and how many did not: those issued
 * by an earlier version (shorter) are left out, so that their people get new ones rather than the stack refusing to start.
 */
function readLocalTokens(file: string): { tokens: TokenEntry[]; dropped: number } {
  if (!existsSync(file)) return { tokens: [], dropped: 0 };
  const text = readFileSync(file, 'utf8');
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    entries = undefined;
  }
  if (!Array.isArray(entries)) return { tokens: parseTokenFile(text, file), dropped: 0 }; // throws, naming what is wrong
  const tokens = entries.flatMap((entry) => {
    try {
      return parseTokenFile(JSON.stringify([entry]), file);
    } catch {
      return [];
    }
  });
  return { tokens, dropped: entries.length - tokens.length };
}

/**
 * Issues a token to every person of the directory who has none yet (acting in their first role), or, without a
 * directory, one per role. Tokens already issued are kept, unless they are too short for today's rule (reissued).
 */
export function ensureLocalTokens(dataDir: string, directory: Directory = { staff: [] }): { file: string; tokens: TokenEntry[]; created: boolean } {
  const file = tokensFile(dataDir);
  const { tokens: existing, dropped } = readLocalTokens(file);
  const wanted: Array<Omit<TokenEntry, 'token'>> = directory.staff.length
    ? directory.staff.filter((m) => m.roles.length > 0).map((m) => ({ actor: m.id, role: m.roles[0]! }))
    : ROLES.map((role) => ({ actor: `local-${role}`, role }));
  const missing = wanted.filter((w) => !existing.some((t) => t.actor === w.actor && t.role === w.role));
  if (missing.length === 0 && dropped === 0 && existing.length) return { file, tokens: existing, created: false };
  const tokens = [...existing, ...missing.map((w) => ({ ...w, token: newToken(w.actor) }))];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writePrivateFile(file, JSON.stringify(tokens, null, 2) + '\n');
  return { file, tokens, created: true };
}

/** The local token of a person (actor id), else of the first person holding that role. */
export function localToken(dataDir: string, who: string): string | undefined {
  const { tokens } = readLocalTokens(tokensFile(dataDir));
  return (tokens.find((t) => t.actor === who) ?? tokens.find((t) => t.role === who))?.token;
}
