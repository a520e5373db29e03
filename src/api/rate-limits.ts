import { createHash } from 'node:crypto';
import type { FastifyContextConfig, FastifyRequest } from 'fastify';

/**
 * Rate limits (@fastify/rate-limit) per token: a caller is known by a hash of its token (people share addresses behind
 * a gateway, and the token itself is kept out of memory dumps of the limiter), by address only when it sent no valid
 * token. Exports, as-of replays and verify each replay or read a whole ledger, so they have a much smaller budget of
 * their own.
 */
export interface RateLimits {
  /** Requests per minute per token on every route. */
  perMinute: number;
  /** Exports, as-of replays and verify: requests per minute per token, each kind its own budget. */
  heavyPerMinute: number;
}

/** The limits for a budget per minute: heavy requests get a sixtieth of it, at least 2 a minute. */
export function rateLimitsOf(perMinute: number, heavyPerMinute?: number): RateLimits {
  return { perMinute, heavyPerMinute: heavyPerMinute ?? Math.max(2, Math.floor(perMinute / 60)) };
}

/** The limiter's key: the token's hash for an authenticated caller, else the address. */
export function rateLimitKey(req: FastifyRequest): string {
  const token = req.principal ? /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1] : undefined;
  return token ? `token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}` : `ip:${req.ip}`;
}

const isReplay = (req: FastifyRequest) => typeof (req.query as { asOf?: unknown } | undefined)?.asOf === 'string';

/** Route config for an export or verify: the heavy budget only. */
export const heavyRoute = (limits: RateLimits | undefined): FastifyContextConfig => (limits ? { rateLimit: { max: limits.heavyPerMinute } } : {});

/** Route config for a ledger page: the usual budget, and the heavy one (counted apart) when it replays `asOf`. */
export const ledgerRoute = (limits: RateLimits | undefined): FastifyContextConfig =>
  limits
    ? {
        rateLimit: {
          max: (req: FastifyRequest) => (isReplay(req) ? limits.heavyPerMinute : limits.perMinute),
          keyGenerator: (req: FastifyRequest) => `${rateLimitKey(req)}${isReplay(req) ? ':as-of' : ''}`,
        },
      }
    : {};
