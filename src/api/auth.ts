import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from '../config/config';
import type { Role } from '../domain/roles';

export interface Principal {
  actor: string;
  role: Role;
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer tokens from configuration, each bound to an actor and a role. Compared in constant time. */
export class TokenAuth {
  private readonly entries: Array<TokenEntry & { hash: Buffer }>;

  constructor(tokens: readonly TokenEntry[]) {
    this.entries = tokens.map((t) => ({ ...t, hash: digest(t.token) }));
  }

  authenticate(header: string | undefined): Principal {
    if (!header) throw new AuthError(401, 'missing Authorization header; send "Authorization: Bearer <token>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new AuthError(401, 'Authorization header must be "Bearer <token>"');
    const h = digest(m[1]!);
    const found = this.entries.find((e) => timingSafeEqual(e.hash, h));
    if (!found) throw new AuthError(401, 'unknown or revoked token');
    return { actor: found.actor, role: found.role };
  }
}

export function requireRole(principal: Principal, allowed: readonly string[], what: string): void {
  if (!allowed.includes(principal.role)) throw new AuthError(403, `role ${principal.role} may not ${what}; allowed: ${allowed.join(', ')}`);
}
